"""Keeping the photo's colours (Gatys, Bethge, Hertzmann and Shechtman 2017, "Controlling Perceptual
Factors in Neural Style Transfer"; taught in notebook 08).

Two ways, both on [0, 1] RGB batches of one:

- ``"histogram"``: before stylizing, move the painting's colours to the photo's
  (:func:`~nst_helpers.core.color.match_color` the other way round): the painting keeps its strokes
  and loses its palette.
- ``"luminance"``: stylize only the brightness (Y of YIQ), both images shown to the network in
  grey, the painting's brightness matched to the photo's mean and spread; then put the photo's own
  colour channels (I and Q) back on the result.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from nst_helpers.core.color import match_color

RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]],
    np.float64,
)
"""Rows give Y (brightness), I and Q (colour) from R, G, B (the NTSC matrix Gatys et al. 2017 use)."""
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)


def to_yiq(image: np.ndarray) -> np.ndarray:
    """[0, 1] RGB -> YIQ, same shape."""
    return np.asarray(image, np.float64) @ RGB_TO_YIQ.T


def yiq_to_rgb(yiq: np.ndarray) -> np.ndarray:
    """YIQ -> RGB (not clipped), float32."""
    return (np.asarray(yiq, np.float64) @ YIQ_TO_RGB.T).astype(np.float32)


def grey(image: np.ndarray) -> np.ndarray:
    """An image's brightness (Y of YIQ) in all three channels: what luminance-only transfer shows
    the network."""
    return _as_rgb(to_yiq(image)[..., :1])


def _as_rgb(y: np.ndarray) -> np.ndarray:
    return np.clip(np.repeat(y, 3, axis=-1), 0.0, 1.0).astype(np.float32)


def luminance_pair(content: np.ndarray, style: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both images as grey RGB (Y in all three channels) for luminance-only transfer, the style's
    brightness moved to the content's mean and standard deviation."""
    y_content = to_yiq(content)[..., :1]
    y_style = to_yiq(style)[..., :1]
    y_style = (y_style - y_style.mean()) / max(float(y_style.std()), 1e-6)
    return grey(content), _as_rgb(y_style * y_content.std() + y_content.mean())


def with_content_colors(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The stylized image's brightness with the content's colour channels (I, Q), in [0, 1] RGB."""
    yiq = to_yiq(content)
    yiq[..., 0] = to_yiq(stylized)[..., 0]
    return np.clip(yiq_to_rgb(yiq), 0.0, 1.0)


def colored_inputs(
    content: np.ndarray, styles: list[np.ndarray], color: str
) -> tuple[np.ndarray, list[np.ndarray]]:
    """What the network sees under ``color``: the painting in the photo's colours ("histogram"),
    both in grey with matched brightness ("luminance"), or both as they are ("none")."""
    if color == "histogram":
        return content, [match_color(s, content) for s in styles]
    if color == "luminance":
        pairs = [luminance_pair(content, s) for s in styles]
        return pairs[0][0], [style for _, style in pairs]
    return content, styles


def recolor(color: str, original: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """What turns an optimized image into the result: the photo's colours put back ("luminance")."""
    if color == "luminance":
        return lambda image: with_content_colors(image, original)
    return lambda image: image
