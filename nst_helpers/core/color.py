"""The painting's palette on the photo: colour transfer by mean and covariance on [0, 1] RGB (notebook
05's starting image; notebook 08 uses it the other way round to keep the photo's colours)."""

from __future__ import annotations

import numpy as np

PALETTE_BINS = 8


def match_color(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    """The style image with the content's mean colour and colour covariance (clipped to [0, 1]) (notebook 08):
    ``x -> C^(1/2) S^(-1/2) (x - mean_s) + mean_c``, with ``S``, ``C`` the pixels' covariances."""
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


def palette_distance(output: np.ndarray, style: np.ndarray, bins: int = PALETTE_BINS) -> float:
    """How far ``output``'s colours are from ``style``'s (notebook 05): half the L1 distance between
    their ``bins``-level RGB histograms, 0 (the same palette) to 1 (no colour shared)."""

    def histogram(image: np.ndarray) -> np.ndarray:
        pixels = np.clip(np.asarray(image, np.float64).reshape(-1, 3), 0.0, 1.0 - 1e-9)
        counts, _ = np.histogramdd(pixels, bins=(bins, bins, bins), range=((0, 1),) * 3)
        return counts.ravel() / counts.sum()

    return float(0.5 * np.abs(histogram(output) - histogram(style)).sum())
