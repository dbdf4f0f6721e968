"""Shuffling an image's patches: style survives it, content does not (taught in notebook 01)."""

from __future__ import annotations

import numpy as np

from nst_helpers.core.errors import NSTError


def shuffle_patches(image: np.ndarray, patch: int, seed: int = 0) -> np.ndarray:
    """Cut a batch of one into ``patch`` x ``patch`` tiles (cropping the rest) and shuffle them (notebook 01)."""
    if patch < 1 or patch > min(image.shape[1:3]):
        raise NSTError(
            f"patch={patch} must be between 1 and the image's short side ({min(image.shape[1:3])} px)"
        )
    h, w = (image.shape[1] // patch) * patch, (image.shape[2] // patch) * patch
    grid = image[0, :h, :w].reshape(h // patch, patch, w // patch, patch, 3)
    tiles = grid.swapaxes(1, 2).reshape(-1, patch, patch, 3)
    tiles = tiles[np.random.default_rng(seed).permutation(len(tiles))]
    return tiles.reshape(h // patch, w // patch, patch, patch, 3).swapaxes(1, 2).reshape(1, h, w, 3)
