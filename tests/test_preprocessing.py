"""preprocessing: matches Keras' own preprocess_input and inverts exactly."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from nst_helpers.architectures import ARCHITECTURES
from nst_helpers.errors import NSTError
from nst_helpers.preprocessing import deprocess, preprocess

KERAS_PREPROCESS = {
    "vgg16": keras.applications.vgg16.preprocess_input,
    "vgg19": keras.applications.vgg19.preprocess_input,
    "resnet50": keras.applications.resnet50.preprocess_input,
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
    with pytest.raises(NSTError, match="choose one of caffe"):
        preprocess(np.zeros((1, 2, 2, 3), np.float32), "torch")
