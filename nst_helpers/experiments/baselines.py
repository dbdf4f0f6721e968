"""What a stylization is measured against: results with no network at all (notebook 06).

A plain blend of photo and painting, and the painting's colors put on the photo by matching each
color channel's histogram. Judged like a stylized image, they show what the Gram losses add: the
painting's colors can arrive without any of its texture.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from nst_helpers.core.images import load_image


def style_at_content_size(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    """The style image resized to the content's height and width (aspect ratio not kept)."""
    return tf.image.resize(style, content.shape[1:3], antialias=True).numpy()


def blend(content: Any, style: Any, amount: float = 0.5) -> np.ndarray:
    """``(1 - amount)`` of the photo plus ``amount`` of the painting resized to it, pixel by pixel (notebook 06)."""
    content, style = load_image(content, None), load_image(style, None)
    return (1.0 - amount) * content + amount * style_at_content_size(content, style)


def match_histograms(source: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each channel of ``source`` remapped so that its histogram is ``reference``'s (both [0, 1])."""
    out = np.empty_like(source)
    for channel in range(source.shape[-1]):
        values = source[..., channel].ravel()
        order = np.argsort(values, kind="stable")
        quantiles = (np.arange(values.size) + 0.5) / values.size
        target = np.sort(reference[..., channel].ravel())
        positions = (np.arange(target.size) + 0.5) / target.size
        remapped = np.empty_like(values)
        remapped[order] = np.interp(quantiles, positions, target)
        out[..., channel] = remapped.reshape(source.shape[:-1])
    return out


def palette_transfer(content: Any, style: Any) -> np.ndarray:
    """The photo with the painting's colors: per-channel histogram matching, no texture (notebook 06)."""
    content, style = load_image(content, None), load_image(style, None)
    return match_histograms(content, style)
