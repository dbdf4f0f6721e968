"""Keeping the photo's colours (Gatys, Bethge, Hertzmann and Shechtman 2017, "Controlling Perceptual
Factors in Neural Style Transfer"; taught in notebook 08).

Two ways, both on [0, 1] RGB batches of one:

- ``"histogram"``: before stylizing, move the painting's colours to the photo's: an affine map of
  its pixels whose result has the photo's mean colour and colour covariance. The painting keeps its
  strokes and loses its palette.
- ``"luminance"``: stylize only the brightness (Y of YIQ), both images shown to the network in
  grey, the painting's brightness matched to the photo's mean and spread; then put the photo's own
  colour channels (I and Q) back on the result.
"""

from __future__ import annotations

import numpy as np

from nst_helpers.core.errors import NSTError

COLOR_MODES = ("none", "luminance", "histogram")

RGB_TO_YIQ = np.array(
    [[0.299, 0.587, 0.114], [0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]],
    np.float64,
)
"""Rows give Y (brightness), I and Q (colour) from R, G, B (the NTSC matrix Gatys et al. 2017 use)."""
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)


def to_yiq(image: np.ndarray) -> np.ndarray:
    """[0, 1] RGB -> YIQ, same shape."""
    return np.asarray(image, np.float64) @ RGB_TO_YIQ.T


def to_rgb(yiq: np.ndarray) -> np.ndarray:
    """YIQ -> RGB (not clipped), float32."""
    return (np.asarray(yiq, np.float64) @ YIQ_TO_RGB.T).astype(np.float32)


def match_color(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The style image with the content's mean colour and colour covariance (clipped to [0, 1]).

    With ``S`` and ``C`` the covariances of the style's and the content's pixels, the map is
    ``x -> C^(1/2) S^(-1/2) (x - mean_s) + mean_c`` (symmetric square roots), so the result's
    covariance is exactly ``C`` before clipping.
    """
    style, content = np.asarray(style, np.float64), np.asarray(content, np.float64)
    s, c = style.reshape(-1, 3), content.reshape(-1, 3)
    mean_s, mean_c = s.mean(0), c.mean(0)
    eps = 1e-5 * np.eye(3)  # a flat grey image has no covariance to invert
    root_c = _sqrtm(np.cov(c, rowvar=False) + eps)
    inv_root_s = np.linalg.inv(_sqrtm(np.cov(s, rowvar=False) + eps))
    matched = (s - mean_s) @ (root_c @ inv_root_s).T + mean_c
    return np.clip(matched.reshape(style.shape), 0.0, 1.0).astype(np.float32)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """The symmetric square root of a symmetric positive definite matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def luminance_pair(content: np.ndarray, style: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both images as grey RGB (Y in all three channels) for luminance-only transfer, the style's
    brightness moved to the content's mean and standard deviation."""
    y_content = to_yiq(content)[..., :1]
    y_style = to_yiq(style)[..., :1]
    y_style = (y_style - y_style.mean()) / max(float(y_style.std()), 1e-6)
    return grey(content), _as_rgb(y_style * y_content.std() + y_content.mean())


def grey(image: np.ndarray) -> np.ndarray:
    """An image's brightness (Y of YIQ) in all three channels: what luminance-only transfer shows
    the network."""
    return _as_rgb(to_yiq(image)[..., :1])


def _as_rgb(y: np.ndarray) -> np.ndarray:
    return np.clip(np.repeat(y, 3, axis=-1), 0.0, 1.0).astype(np.float32)


def with_content_colors(stylized: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The stylized image's brightness with the content's colour channels (I, Q), in [0, 1] RGB."""
    yiq = to_yiq(content)
    yiq[..., 0] = to_yiq(stylized)[..., 0]
    return np.clip(to_rgb(yiq), 0.0, 1.0)


def check_color(mode: str) -> str:
    """``mode`` if it is one of :data:`COLOR_MODES`, else a one-line ``NSTError``."""
    if mode not in COLOR_MODES:
        raise NSTError(f"unknown color mode {mode!r}; choose one of {', '.join(COLOR_MODES)}")
    return mode
