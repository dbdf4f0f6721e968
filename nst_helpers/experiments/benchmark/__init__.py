"""``make bench``: how fast one optimization step is, by architecture, size, step mode and precision.

Each configuration is timed in a fresh process (``bench_timing``) next to a *reference* step written
the straightforward way (``bench_reference``); ``bench_report`` writes the table, the plot and the
report, ending with what ``--precision auto`` chose on this machine and whether it was the fastest.

    python -m nst_helpers.experiments.benchmark [--sizes 256 512] [--large 1024] [--archs vgg16 vgg19 resnet50]
"""

from __future__ import annotations

import argparse
import json
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
        help="the pair of the time-to-quality table",
    )
    parser.add_argument(
        "--ttq-size", type=int, default=512, help="the time-to-quality table's size"
    )
    parser.add_argument(
        "--ttq-steps", type=int, default=300, help="the reference's steps (0 skips the table)"
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
    """Seconds to the reference's judged quality, per optimizer (``time_to_quality``), written as
    CSV and markdown with the machine it was measured on."""
    from nst_helpers.core.settings import DEFAULTS
    from nst_helpers.experiments.benchmark.report import markdown
    from nst_helpers.experiments.time_to_quality import reference_settings, time_to_quality
    from nst_helpers.plumbing.files import save_image
    from nst_helpers.plumbing.machine import cpu_name

    start = time.perf_counter()
    settings = reference_settings(DEFAULTS, args.ttq_size, args.ttq_steps)
    table, bar, attempts = time_to_quality(*args.quality_pair, settings)
    table.to_csv(out / "time_to_quality.csv")
    for number, attempt in enumerate(attempts):
        save_image(attempt.result.best_image, out / f"time_to_quality_{number}.png")
    best = table["seconds to the bar"].iloc[1:].idxmin()
    ratio = table.loc[best, "x reference"]
    verdict = (
        f"best: {best}, {ratio:.2f} x the reference's time: the one-third goal is "
        f"{'met' if ratio <= 1 / 3 else 'not met'}"
    )
    text = (
        f"# Time to quality\n\nMachine: {cpu_name()}. Pair: {' x '.join(args.quality_pair)} at "
        f"{args.ttq_size} px; bar: the reference's judged style ratio {bar[0]:.4f} and content ratio "
        f"{bar[1]:.4f} after {args.ttq_steps} steps. Images: time_to_quality_<row>.png.\n\n"
        f"{markdown(table.reset_index(), ['method', *table.columns])}\n\n{verdict}\n"
    )
    (out / "time_to_quality.md").write_text(text)
    print(text)
    print(f"wrote {out / 'time_to_quality.md'} in {time.perf_counter() - start:.0f} s")
    return 0
