"""The report of ``make bench``: ratios to the reference, a plot, a Markdown table, the goals, and
what ``--precision auto`` chose on this machine against what was measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nst_helpers.plumbing.machine import cpu_name


def summarize(table: Any) -> Any:
    """Add each row's ratio to the reference and to eager float32 of the same architecture and size."""
    keys = ["architecture", "size"]
    reference = table[table["mode"] == "reference"].set_index(keys)["median_step_s"]
    eager = table[(table["mode"] == "eager") & (table["precision"] == "float32")].set_index(keys)[
        "median_step_s"
    ]
    index = table.set_index(keys).index
    table["ratio_to_reference"] = table["median_step_s"].values / reference.reindex(index).values
    table["ratio_to_eager_float32"] = table["median_step_s"].values / eager.reindex(index).values
    return table


def plot(table: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = table[table["status"] == "ok"].copy()
    done["config"] = done["mode"] + " " + done["precision"]
    groups = list(done.groupby(["architecture", "size"]))
    ncols = min(4, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(4 * ncols, 4.2 * nrows), sharey=True, squeeze=False
    )
    for ax in axes.flat[len(groups) :]:
        ax.axis("off")
    for ax, ((arch, size), group) in zip(axes.flat, groups):
        ax.bar(
            group["config"],
            group["median_step_s"],
            color=[
                "gray" if m == "reference" else "C0" if p == "float32" else "C1"
                for m, p in zip(group["mode"], group["precision"])
            ],
        )
        ax.set_title(f"{arch}, {size} px")
        ax.set_yscale("log")
        ax.tick_params(axis="x", rotation=70, labelsize=8)
    for row in axes:
        row[0].set_ylabel("median step (s), log scale")
    fig.suptitle(
        "Step time by mode and precision (gray: the reference step; blue float32; orange mixed)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def markdown(table: Any, columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in table[columns].iterrows():
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def goals(table: Any, quality: dict[str, Any]) -> list[str]:
    """The issue's goals for VGG19 at 512 px and 1024 px, checked against this run."""
    ok = table[table["status"] == "ok"]
    at = ok[(ok["architecture"] == "vgg19") & (ok["size"] == 512)].set_index(["mode", "precision"])[
        "median_step_s"
    ]
    lines = []
    if ("eager", "float32") in at.index:
        compiled = min(
            at.get(("function", "float32"), float("inf")), at.get(("xla", "float32"), float("inf"))
        )
        ratio = compiled / at[("eager", "float32")]
        lines.append(
            f"compiled float32 / eager float32 (VGG19, 512 px): {ratio:.2f} (goal <= 0.55: {'met' if ratio <= 0.55 else 'not met'})"
        )
        best = at.drop(("reference", "float32"), errors="ignore").min()
        ratio = best / at[("reference", "float32")]
        lines.append(
            f"best mode / reference (VGG19, 512 px): {ratio:.2f} (goal <= 0.3: {'met' if ratio <= 0.3 else 'not met'})"
        )
    large = ok[(ok["architecture"] == "vgg19") & (ok["size"] >= 1024) & (ok["mode"] != "reference")]
    if len(large):
        peak = large["peak_memory_gib"].max()
        lines.append(
            f"peak memory, VGG19 at 1024 px: {peak:.2f} GiB (goal < 8 GiB: {'met' if peak < 8 else 'not met'})"
        )
    if quality:
        lines.append(
            f"mixed vs float32 after {quality['steps']} steps: total loss differs by {quality['relative_difference']:.2%} "
            f"(goal within 5%: {'met' if quality['relative_difference'] <= 0.05 else 'not met'})"
        )
    return lines


def precision_choice(table: Any) -> list[str]:
    """What ``--precision auto`` picks on this machine, and each step's measured cost in both precisions.

    For every architecture, size and step mode measured in both precisions: the two medians and whether
    auto's choice was the faster one.
    """
    from nst_helpers.core.precision import choose_policy, cpu_bf16_flags

    policy, reason = choose_policy("auto")
    chosen = "mixed" if policy.startswith("mixed") else "float32"
    lines = [
        f"`--precision auto` chose {policy} here: {reason} (CPU: {cpu_name()}; bfloat16 flags: "
        f"{', '.join(cpu_bf16_flags()) or 'none'}).",
        "",
        "| architecture | size | step mode | float32 (s) | mixed (s) | auto's choice | fastest |",
        "|---|---|---|---|---|---|---|",
    ]
    ok = table[(table["status"] == "ok") & (table["mode"] != "reference")]
    wins = []
    for (arch, size, mode), group in ok.groupby(["architecture", "size", "mode"], sort=False):
        times = group.set_index("precision")["median_step_s"]
        if {"float32", "mixed"} <= set(times.index):
            fastest = "float32" if times["float32"] <= times["mixed"] else "mixed"
            wins.append(fastest == chosen)
            lines.append(
                f"| {arch} | {size} | {mode} | {times['float32']:.3g} | {times['mixed']:.3g} | {chosen} | {fastest} |"
            )
    if wins:
        lines += [
            "",
            f"auto's choice was the faster precision in {sum(wins)} of {len(wins)} measured configurations.",
        ]
    return lines


def write_report(table: Any, quality: dict[str, Any], path: Path, emulated: bool) -> None:
    """``bench.md``: the machine, the table, the goals, and the precision auto chose here."""
    import os
    import time

    from nst_helpers.core.setup import versions

    info = versions()
    columns = [
        "architecture",
        "size",
        "mode",
        "precision",
        "policy",
        "first_step_s",
        "median_step_s",
        "peak_memory_gib",
        "ratio_to_reference",
        "ratio_to_eager_float32",
        "status",
    ]
    report = [
        f"# Benchmark ({time.strftime('%Y-%m-%d')}, {cpu_name()}, {info['platform']}, TensorFlow "
        f"{info['tensorflow']}, {os.cpu_count()} CPUs{', bfloat16 emulated' if emulated else ''})",
        "",
        markdown(table, [c for c in columns if c in table]),
        "",
        *[f"- {line}" for line in goals(table, quality)],
        "",
        "## Precision on this machine",
        "",
        *precision_choice(table),
    ]
    path.write_text("\n".join(report) + "\n")
