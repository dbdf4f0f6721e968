"""Drawing images in a grid with titles (used from notebook 01 on)."""

from __future__ import annotations

from typing import Any, Sequence

from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import to_uint8


def show_images(
    images: Sequence[Any],
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    size: float = 4.0,
) -> Any:
    """Show images in a row (or a grid of ``ncols`` columns) with titles; returns the matplotlib figure."""
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
        ax.imshow(to_uint8(image))
        ax.set_title(title)
    fig.tight_layout()
    return fig
