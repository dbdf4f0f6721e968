"""Drawing images in a grid with titles (used from notebook 01 on)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import to_uint8


def show_images(
    images: Sequence[Any],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    size: float = 4.0,
    cmap: str = "viridis",
) -> Any:
    """Show images in a row (or a grid of ``ncols`` columns) with titles; returns the matplotlib
    figure (notebook 01). 2-D arrays (feature maps, notebook 04) are drawn in ``cmap``."""
    import matplotlib.pyplot as plt

    images = list(images)
    titles = list(titles) if titles is not None else [""] * len(images)
    if len(titles) != len(images):
        raise NSTError(
            f"got {len(images)} images but {len(titles)} titles; pass one title per image"
        )
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        if np.ndim(image) == 2:
            ax.imshow(image, cmap=cmap)
        else:
            ax.imshow(to_uint8(image))
        ax.set_title(title, fontsize=min(10, 2.5 * size))
    fig.tight_layout()
    return fig


def show_histograms(images: dict[str, Any], bins: int = 64) -> Any:
    """Each image's red, green and blue histograms, side by side (notebook 01)."""
    import matplotlib.pyplot as plt

    count = len(images)
    fig, axes = plt.subplots(1, count, figsize=(6 * count, 3), sharey=True, squeeze=False)
    for ax, (title, image) in zip(axes.flat, images.items()):
        for channel, color in enumerate("rgb"):
            values = np.asarray(image)[0, ..., channel].ravel()
            ax.hist(values, bins, (0, 1), density=True, color=color, alpha=0.5, label=color.upper())
        ax.set(title=f"{title}: per-channel histogram", xlabel="intensity (0 = dark, 1 = bright)")
        ax.legend()
    axes[0, 0].set_ylabel("density")
    return fig
