"""Figures of the experiments: judged results side by side (notebooks 06-08, make gallery)."""

from __future__ import annotations

from typing import Any, Sequence

from nst_helpers.core.images import to_uint8

UNREACHED = (
    "to_",
    "to the bar",
    "steps or iterations",
    "x reference",
    "x tutorial",
)  # the others: not measured


def readable(table: Any, digits: int = 3) -> Any:
    """A table as a student reads it (notebooks 06-08): numbers rounded, and instead of NaN or inf
    "not reached" (a target never met) or "not measured" (a measurement left out)."""
    shown = table.round(digits).astype(object)
    for column in shown.columns:
        missing = table[column].isna() | table[column].isin([float("inf"), float("-inf")])
        if missing.any():
            words = "not reached" if any(w in column for w in UNREACHED) else "not measured"
            shown.loc[missing, column] = words
    return shown


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


def curves_figure(curves: Any, target: float) -> Any:
    """Notebook 06's judged style ratio of each network against the step and against the seconds,
    on log axes, with the target dotted."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), sharey=True)
    for label, curve in curves.groupby("network", sort=False):
        for ax, x in zip(axes, ["step", "seconds"]):
            ax.plot(curve[x], curve["style_ratio"], marker=".", label=label)
    for ax, x in zip(axes, ["step", "seconds of optimization"]):
        ax.axhline(target, color="gray", linestyle=":")
        ax.set(xlabel=x, yscale="log")
    axes[0].set_ylabel("judged style ratio (1: none arrived)")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def scaling_figure(table: Any, fit: Any) -> Any:
    """Notebook 07's time per step and memory against the pixels, on log-log axes; each title gives
    the exponent ``fit(x, y)`` and how many points it rests on (at least three, or no fit)."""
    import matplotlib.pyplot as plt

    measured = table[table["status"] == "finished"]
    growing = (measured["peak_memory_gib"] - measured["peak_memory_gib"].iloc[0]).iloc[1:]
    panels = [
        ("median seconds per step", "time", measured["median_step_s"]),
        ("GiB above the smallest size's peak", "memory", growing[growing > 0]),
    ]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, (label, name, y) in zip(axes, panels):
        x, points = measured.loc[y.index, "pixels"], len(y)
        title = f"{name}: {points} points, too few to fit (3 needed)"
        if points >= 3:
            title = f"{name} ~ pixels^{fit(x, y):.2f} (fit on {points} points)"
        if points:
            ax.loglog(x, y, "o-")
            ax.xaxis.set_minor_formatter(plt.NullFormatter())  # label the powers of ten only
        ax.set(xlabel="pixels", ylabel=label, title=title)
    fig.tight_layout()
    return fig


def optimizers_figure(curves: dict[str, Any]) -> Any:
    """Notebook 08's total loss of each optimizer's history against the iteration, the function
    evaluations and the seconds, on log axes."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    for name, frame in curves.items():
        evaluations = frame["evaluations"] if "evaluations" in frame else frame["step"]
        for ax, x in zip(axes, (frame["step"], evaluations, frame["seconds"].cumsum())):
            ax.plot(x, frame["total"], label=name)
    for ax, x in zip(axes, ("iteration (step)", "function evaluations", "seconds")):
        ax.set(xlabel=x, ylabel="total loss", yscale="log")
        ax.legend()
    fig.tight_layout()
    return fig
