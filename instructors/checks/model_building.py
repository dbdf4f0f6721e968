"""Assignment 04: the frozen extractor that returns exactly the requested layers."""

from __future__ import annotations

from instructors.checks import check

NOTEBOOK = "04_model_building"
GRADING = {
    "MAX_DIM": 128,  # InceptionV3 needs a short side of 75 px
    "WEIGHTS": "offline-vgg16",
    "ARCHITECTURE": "vgg16",
    "STYLE": "swirls",
    "RECONSTRUCTION_DIM": 64,
    "RECONSTRUCTION_STEPS": 4,  # ten layer sets, ten compiled steps: TensorFlow warns when 5 of
    # the last ~10 calls trace, as runs of 3 steps or fewer would (the notebook's runs are 300)
}
"""The lesson's parameters while grading (and in the notebook tests): small, offline, shipped images."""


@check(
    "extractor_by_hand",
    points=2,
    failure="extractor_by_hand(backbone, layers) is a frozen keras.Model: image -> {layer: map}.",
)
def extractor_returns_the_layers_asked_for(extractor_by_hand):
    import numpy as np

    from nst_helpers.core.models import build_backbone

    assert extractor_by_hand is not None, "extractor_by_hand is not defined: run its cell"
    backbone = build_backbone("vgg16", None)  # random weights: the shapes are what matter here
    layers = ["block2_conv1", "block1_conv2"]
    model = extractor_by_hand(backbone, layers)
    assert model is not None, "extractor_by_hand returned None: write its body in place of the ..."
    outputs = model(np.zeros((1, 32, 48, 3), "float32"))
    assert isinstance(outputs, dict), (
        f"calling the model gave a {type(outputs).__name__}; give keras.Model a dict of outputs, "
        "{name: backbone.get_layer(name).output}, so that it returns {name: feature map}"
    )
    assert sorted(outputs) == sorted(layers), f"it returned layers {sorted(outputs)}, not {layers}"
    shapes = {name: tuple(outputs[name].shape) for name in layers}
    expected = {"block2_conv1": (1, 16, 24, 128), "block1_conv2": (1, 32, 48, 64)}
    assert shapes == expected, f"feature maps of shapes {shapes}, expected {expected}"
    assert not model.trainable_weights, (
        "the model must be frozen (model.trainable = False): the optimizer changes the image only"
    )


@check(
    "extractor_by_hand",
    hidden=True,
    failure="extractor_by_hand differs from nst.build_extractor: same layers, same maps, nothing more.",
)
def extractor_matches_the_course(extractor_by_hand):
    import numpy as np

    from nst_helpers.core.models import build_backbone, build_extractor

    backbone = build_backbone("vgg16", None)
    layers = ["block3_conv1", "block1_conv1"]
    ours, course = (
        extractor_by_hand(backbone, layers),
        build_extractor("vgg16", layers, backbone=backbone),
    )
    kept = [layer.name for layer in ours.layers]
    assert kept == [layer.name for layer in course.layers], f"layers kept: {kept}"
    image = np.random.default_rng(9).random((1, 40, 24, 3)).astype("float32")
    for name in layers:
        assert np.allclose(ours(image)[name], course(image)[name], rtol=1e-4, atol=1e-3), name
