"""preprocessing: matches Keras' own preprocess_input and inverts exactly."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nst_helpers.core.architectures import ARCHITECTURES
from nst_helpers.core.errors import NSTError
from nst_helpers.core.preprocessing import deprocess, preprocess

KERAS_PREPROCESS = {
    "vgg16": keras.applications.vgg16.preprocess_input,
    "vgg19": keras.applications.vgg19.preprocess_input,
    "resnet50": keras.applications.resnet50.preprocess_input,
    "inception_v3": keras.applications.inception_v3.preprocess_input,
    "xception": keras.applications.xception.preprocess_input,
    "densenet121": keras.applications.densenet.preprocess_input,
    "resnet50v2": keras.applications.resnet_v2.preprocess_input,
}


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_matches_keras_preprocess_input(name, photo):
    ours = np.asarray(preprocess(photo, ARCHITECTURES[name].preprocessing))
    theirs = KERAS_PREPROCESS[name](photo.copy() * 255.0)
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_round_trip(name, photo):
    mode = ARCHITECTURES[name].preprocessing
    np.testing.assert_allclose(
        np.asarray(deprocess(preprocess(photo, mode), mode)), photo, atol=1e-5
    )


def test_channels_are_reversed_to_bgr():
    red = np.zeros((1, 2, 2, 3), np.float32)
    red[..., 0] = 1.0
    x = np.asarray(preprocess(red))
    assert x[0, 0, 0, 2] == pytest.approx(255.0 - 123.68, abs=1e-3)  # red lands last
    assert x[0, 0, 0, 0] == pytest.approx(-103.939, abs=1e-3)


def test_unknown_mode():
    with pytest.raises(NSTError, match="choose one of caffe, tf, torch"):
        preprocess(np.zeros((1, 2, 2, 3), np.float32), "pytorch")


def test_the_three_modes_differ_as_documented():
    """Mid-grey is about 0 in every mode but in different units; white shows the scales apart."""
    white = np.ones((1, 1, 1, 3), np.float32)
    np.testing.assert_allclose(np.asarray(preprocess(white, "tf")), 1.0)
    torch_white = np.asarray(preprocess(white, "torch"))[0, 0, 0]
    np.testing.assert_allclose(
        torch_white, [(1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225], rtol=1e-5
    )
    caffe_white = np.asarray(preprocess(white, "caffe"))[0, 0, 0]
    np.testing.assert_allclose(caffe_white, [255 - 103.939, 255 - 116.779, 255 - 123.68], rtol=1e-5)
