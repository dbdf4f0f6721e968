"""Each architecture's input preprocessing and its exact inverse (taught in notebook 02).

Keras' ImageNet networks were trained on one of three input conventions (``preprocess_input``'s
``mode``), and a network fed another convention's numbers sees a badly exposed, color-shifted image:

- ``caffe`` (VGG16, VGG19, ResNet50): 0-255, channels reordered RGB -> BGR, the ImageNet mean pixel
  (in BGR order) subtracted; no division by a standard deviation.
- ``tf`` (InceptionV3, Xception, ResNet50V2): RGB scaled to [-1, 1] (``x / 127.5 - 1``).
- ``torch`` (DenseNet121): RGB in [0, 1], the ImageNet mean subtracted and each channel divided by its
  standard deviation, as torchvision does.

Keras' functions expect [0, 255] RGB and have no inverse; the course keeps images in [0, 1] RGB, so
these two functions work from and back to that range. They use ``keras.ops``, so they work on NumPy
arrays, eager tensors and symbolic Keras tensors alike.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from nst_helpers.core.errors import NSTError

CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)
"""The ImageNet mean pixel in BGR order, as Keras' ``preprocess_input(mode="caffe")`` subtracts it."""

TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)
"""The ImageNet mean and standard deviation per RGB channel in [0, 1], as ``mode="torch"`` uses them."""

PREPROCESSING_MODES = ("caffe", "tf", "torch")


def _check_mode(mode: str) -> None:
    if mode not in PREPROCESSING_MODES:
        raise NSTError(
            f"unknown preprocessing mode {mode!r}; choose one of {', '.join(PREPROCESSING_MODES)}"
        )


def _constant(values: tuple[float, ...], like: Any) -> Any:
    return ops.convert_to_tensor(values, dtype=like.dtype)


def preprocess(image: Any, mode: str = "caffe") -> Any:
    """[0, 1] RGB image batch -> the network's input in ``mode``'s convention (see the module)."""
    _check_mode(mode)
    x = ops.cast(image, keras.backend.floatx())
    if mode == "tf":
        return x * 2.0 - 1.0
    if mode == "torch":
        return (x - _constant(TORCH_MEAN, x)) / _constant(TORCH_STD, x)
    return ops.flip(x * 255.0, axis=-1) - _constant(CAFFE_BGR_MEAN, x)


def deprocess(x: Any, mode: str = "caffe") -> Any:
    """The exact inverse of :func:`preprocess`: the network's input -> [0, 1] RGB (not clipped)."""
    _check_mode(mode)
    x = ops.cast(x, keras.backend.floatx())
    if mode == "tf":
        return (x + 1.0) / 2.0
    if mode == "torch":
        return x * _constant(TORCH_STD, x) + _constant(TORCH_MEAN, x)
    bgr = x + _constant(CAFFE_BGR_MEAN, x)
    return ops.flip(bgr, axis=-1) / 255.0
