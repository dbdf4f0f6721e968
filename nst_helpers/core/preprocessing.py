"""Each architecture's input preprocessing and its exact inverse (taught in notebook 02), from and
back to [0, 1] RGB with ``keras.ops``: ``caffe`` is 0-255 BGR minus the ImageNet mean pixel, ``tf``
[-1, 1], ``torch`` [0, 1] minus the ImageNet mean, divided by the standard deviation."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from nst_helpers.core.errors import NSTError

CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)  # as Keras' preprocess_input(mode="caffe")
TORCH_MEAN = (0.485, 0.456, 0.406)  # RGB in [0, 1], as mode="torch"
TORCH_STD = (0.229, 0.224, 0.225)
PREPROCESSING_MODES = ("caffe", "tf", "torch")


def _check_mode(mode: str) -> None:
    if mode not in PREPROCESSING_MODES:
        raise NSTError(
            f"unknown preprocessing mode {mode!r}; choose one of {', '.join(PREPROCESSING_MODES)}"
        )


def _constant(values: tuple[float, ...], like: Any) -> Any:
    return ops.convert_to_tensor(values, dtype=like.dtype)


def preprocess(image: Any, mode: str = "caffe") -> Any:
    """[0, 1] RGB image batch -> the network's input in ``mode``'s convention (see the module) (notebook 02)."""
    _check_mode(mode)
    x = ops.cast(image, keras.backend.floatx())
    if mode == "tf":
        return x * 2.0 - 1.0
    if mode == "torch":
        return (x - _constant(TORCH_MEAN, x)) / _constant(TORCH_STD, x)
    return ops.flip(x * 255.0, axis=-1) - _constant(CAFFE_BGR_MEAN, x)


def deprocess(x: Any, mode: str = "caffe") -> Any:
    """The exact inverse of :func:`preprocess`: the network's input -> [0, 1] RGB (not clipped) (notebook 02)."""
    _check_mode(mode)
    x = ops.cast(x, keras.backend.floatx())
    if mode == "tf":
        return (x + 1.0) / 2.0
    if mode == "torch":
        return x * _constant(TORCH_STD, x) + _constant(TORCH_MEAN, x)
    bgr = x + _constant(CAFFE_BGR_MEAN, x)
    return ops.flip(bgr, axis=-1) / 255.0
