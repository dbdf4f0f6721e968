"""``make bench``: how fast one optimization step is, by architecture, size, step mode and precision.

Each configuration is timed in a fresh process (``bench_timing``) next to a *reference* step written
the straightforward way (``bench_reference``); ``bench_report`` writes the table, the plot and the
report, ending with what ``--precision auto`` chose on this machine and whether it was the fastest.

    python -m nst_helpers.experiments.benchmark [--sizes 256 512] [--large 1024] [--archs vgg16 vgg19 resnet50]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from nst_helpers.experiments.benchmark.report import (
    goals,
    plot,
    precision_choice,
    summarize,
    write_report,
)
from nst_helpers.experiments.benchmark.timing import (
    configurations,
    emulated_bf16,
    quality_check,
    run_in_subprocess,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nst_helpers.experiments.benchmark", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--archs", nargs="+", default=["vgg16", "vgg19", "resnet50"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 512])
    parser.add_argument(
        "--large", nargs="*", type=int, default=[1024], help="VGG19 sizes timed for the memory goal"
    )
    parser.add_argument(
        "--steps", type=int, default=6, help="steps per configuration, the first one untimed"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=15.0, help="stop timing a configuration after this"
    )
    parser.add_argument("--quality-size", type=int, default=192)
    parser.add_argument("--quality-steps", type=int, default=200, help="0 skips the quality check")
    parser.add_argument(
        "--quality-pair",
        nargs=2,
        default=["china", "swirls"],
        metavar=("CONTENT", "STYLE"),
        help="the quality check's pair",
    )
    parser.add_argument(
        "--ttq-pairs",
        nargs="+",
        default=["china:swirls", "chelsea:hubble", "astronaut:ihc"],
        metavar="CONTENT:STYLE",
        help="the time-to-quality table's pairs",
    )
    parser.add_argument(
        "--ttq-size", type=int, default=512, help="the time-to-quality table's size"
    )
    parser.add_argument(
        "--ttq-steps", type=int, default=300, help="the default run's steps (0 skips the table)"
    )
    parser.add_argument(
        "--only-ttq", action="store_true", help="only the time-to-quality table (notebook 08)"
    )
    parser.add_argument("--out", default="results")
    args = parser.parse_args(argv)

    import pandas as pd

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.only_ttq:
        return time_to_quality_table(args, out)
    emulated = emulated_bf16()
    rows = configurations(args.archs, args.sizes, args.large, emulated)
    results, start = [], time.perf_counter()
    for number, row in enumerate(rows, 1):
        result = row if "status" in row else run_in_subprocess(row, args.steps, args.max_seconds)
        results.append(result)
        timing = (
            f"median {result['median_step_s']:.3f} s"
            if result.get("status") == "ok"
            else result.get("status")
        )
        print(
            f"[{number}/{len(rows)} {time.perf_counter() - start:5.0f} s] {row['architecture']} {row['size']} px "
            f"{row['mode']} {row['precision']}: {timing}",
            flush=True,
        )
    table = summarize(pd.DataFrame(results))
    table.to_csv(out / "bench.csv", index=False)
    plot(table, out / "bench.png")
    quality = quality_check(args.quality_size, args.quality_steps) if args.quality_steps else {}
    (out / "bench_quality.json").write_text(json.dumps(quality, indent=2) + "\n")
    write_report(table, quality, out / "bench.md", emulated)
    print("\n".join(goals(table, quality)))
    print("\n".join(precision_choice(table)))
    print(
        f"wrote {out / 'bench.csv'}, {out / 'bench.png'}, {out / 'bench.md'} in {time.perf_counter() - start:.0f} s"
    )
    return time_to_quality_table(args, out) if args.ttq_steps else 0


def time_to_quality_table(args: argparse.Namespace, out: Path) -> int:
    """Seconds to the default run's judged picture, per method and pair (``time_to_quality``),
    against the tutorial's compiled float32 loop, written as CSV, markdown and a figure (the
    default's picture beside the fastest other method's) with the machine and its CPU flags."""
    from nst_helpers.core.images import load_image
    from nst_helpers.core.machine import cpu_flags
    from nst_helpers.core.settings import DEFAULTS
    from nst_helpers.experiments.benchmark.report import markdown
    from nst_helpers.experiments.figures import gallery_figure, readable
    from nst_helpers.experiments.time_to_quality import (
        default_settings,
        stop_rule_steps,
        time_to_quality,
    )
    from nst_helpers.plumbing.machine import cpu_name

    start = time.perf_counter()
    flags = " ".join(sorted(f for f in cpu_flags() if f.startswith(("avx", "amx", "fma"))))
    settings = default_settings(DEFAULTS, args.ttq_size, args.ttq_steps)
    print(f"time to quality on {cpu_name()} (flags: {flags or 'none read'}), float32", flush=True)
    sections, rows, verdicts = [], [], []
    for pair in args.ttq_pairs:
        content, _, style = pair.partition(":")
        measured = time_to_quality(content, style, settings)
        table = measured.table
        table.to_csv(out / f"time_to_quality_{content}_{style}.csv")
        default, *others = measured.attempts
        fastest = min(others, key=lambda a: (a.seconds, a.scores.style_ratio))
        ratio = table.loc[default.method.name, "x tutorial loop"]
        best = table["x tutorial loop"].iloc[3:].min()
        verdicts.append((pair, ratio, best))
        pictures = (
            (default.result.best_image, default.scores),
            (fastest.result.image, fastest.scores),
        )
        originals = [load_image(name, args.ttq_size, True) for name in (content, style)]
        rows.append(
            (
                content,
                style,
                *originals,
                dict(zip((default.method.name, fastest.method.name), pictures)),
            )
        )
        stops = stop_rule_steps(default.result, (0.001, 0.002, 0.005))
        stopped = "; ".join(
            f"plateau {p:g}: " + (f"step {n}" if n else "every step") for p, n in stops.items()
        )
        sections.append(
            f"## {content} x {style}\n\nBar: the default's picture, style ratio {measured.bar[0]:.4f}, "
            f"content ratio {measured.bar[1]:.4f}, palette distance {measured.bar[2]:.4f}.\n\n"
            f"{markdown(readable(table, 4).reset_index(), ['method', *table.columns])}\n\n"
            f"The stop rule would have ended the default run at: {stopped}.\n"
        )
    title = f"the default and the fastest other method, {args.ttq_size} px, {cpu_name()}"
    gallery_figure(rows, title, out / "time_to_quality.png")
    lines = [
        f"{pair}: the default, {r:.2f} x the tutorial loop; the fastest other method to the bar: "
        + (f"{b:.2f} x" if math.isfinite(b) else "none reached it within its budget")
        for pair, r, b in verdicts
    ]
    verdict = "met" if all(r <= 1 / 3 for _, r, _ in verdicts) else "not met"
    text = (
        f"# Time to quality\n\nMachine: {cpu_name()}; flags: {flags or 'none read'}. "
        f"Float32, {args.ttq_size} px, the default run's {args.ttq_steps} steps; figure: "
        f"time_to_quality.png.\n\n"
        + "\n".join(sections)
        + "\n"
        + "\n".join(f"- {line}" for line in lines)
        + f"\n\nThe goal (the default at or under 0.33 x the tutorial loop on every pair) is {verdict}.\n"
    )
    (out / "time_to_quality.md").write_text(text)
    print(text)
    print(
        f"wrote {out / 'time_to_quality.md'} and {out / 'time_to_quality.png'} in {time.perf_counter() - start:.0f} s"
    )
    return 0
