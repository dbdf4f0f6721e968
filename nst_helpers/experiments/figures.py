"""Figures of the experiments: judged results side by side (notebooks 06-08, make gallery)."""

from __future__ import annotations

from typing import Any, Sequence

from nst_helpers.core.images import to_uint8


def scores_title(label: str, scores: Any) -> str:
    """A result's title: what made it, then its judged style ratio, content ratio and palette
    distance (notebook 06's judge; lower is closer to the painting, the photo, the palette)."""
    return (
        f"{label}\nstyle {scores.style_ratio:.3f} · content {scores.content_ratio:.2f}"
        f" · palette {scores.palette_distance:.2f}"
    )


def gallery_figure(
    rows: Sequence[tuple[str, str, Any, Any, dict[str, tuple[Any, Any]]]],
    title: str,
    path: Any,
    old_label: str | None = None,
) -> None:
    """``make gallery``'s figure: per row a photo, a painting and each result (``{label: (image,
    scores)}``, the defaults first), saved as a small PNG (256 colours) at ``path``."""
    import io

    from matplotlib.figure import Figure  # no pyplot: the figure is only saved, never shown
    from PIL import Image

    ncols = 2 + max(len(results) for *_, results in rows)
    fig = Figure(figsize=(2.4 * ncols, 2.15 * len(rows)))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for line, (photo, painting, content, style, results) in zip(axes, rows):
        line[0].imshow(to_uint8(content))
        line[0].set_title(photo, fontsize=8)
        line[1].imshow(to_uint8(style))
        line[1].set_title(painting, fontsize=8)
        for ax, (label, (image, scores)) in zip(line[2:], results.items()):
            ax.imshow(to_uint8(image))
            shown = "old defaults" if label == old_label else label
            ax.set_title(scores_title(shown, scores), fontsize=7)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))  # room for the title
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    buffer.seek(0)
    Image.open(buffer).convert("RGB").quantize(256).save(path, optimize=True)
