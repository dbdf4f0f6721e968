"""Each architecture's input preprocessing and its exact inverse (taught in notebook 02).

Keras' VGG16, VGG19 and ResNet50 were trained on Caffe-style inputs: the image is scaled to
[0, 255], its channels reordered from RGB to BGR, and the ImageNet mean pixel (in BGR order)
subtracted; there is no division by a standard deviation. ``keras.applications.vgg19.preprocess_input``
does the same thing, but it expects [0, 255] RGB and has no inverse; the course keeps images in
[0, 1] RGB, so these two functions work from and back to that range.

They use ``keras.ops``, so they work on NumPy arrays, eager tensors and symbolic Keras tensors alike.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from .errors import NSTError

CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
"""The ImageNet mean pixel in BGR order, as Keras' ``preprocess_input(mode="caffe")`` subtracts it."""

PREPROCESSING_MODES = ("caffe",)


def _check_mode(mode: str) -> None:
    if mode not in PREPROCESSING_MODES:
        raise NSTError(
            f"unknown preprocessing mode {mode!r}; choose one of {', '.join(PREPROCESSING_MODES)}"
        )


def preprocess(image: Any, mode: str = "caffe") -> Any:
    """[0, 1] RGB image batch -> the network's input (``caffe``: BGR, 0-255, mean subtracted)."""
    _check_mode(mode)
    x = ops.cast(image, keras.backend.floatx()) * 255.0
    return ops.flip(x, axis=-1) - ops.convert_to_tensor(CAFFE_BGR_MEAN, dtype=x.dtype)


def deprocess(x: Any, mode: str = "caffe") -> Any:
    """The exact inverse of :func:`preprocess`: the network's input -> [0, 1] RGB (not clipped)."""
    _check_mode(mode)
    x = ops.cast(x, keras.backend.floatx())
    bgr = x + ops.convert_to_tensor(CAFFE_BGR_MEAN, dtype=x.dtype)
    return ops.flip(bgr, axis=-1) / 255.0
