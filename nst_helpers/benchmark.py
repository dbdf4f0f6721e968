"""``make bench``: how fast one optimization step is, by architecture, size, step mode and precision.

Each configuration is timed in a fresh process (``bench_timing``) next to a *reference* step written
the straightforward way (``bench_reference``); ``bench_report`` writes the table, the plot and the
report, ending with what ``--precision auto`` chose on this machine and whether it was the fastest.

    python -m nst_helpers.benchmark [--sizes 256 512] [--large 1024] [--archs vgg16 vgg19 resnet50]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .bench_report import goals, plot, precision_choice, summarize, write_report
from .bench_timing import configurations, emulated_bf16, quality_check, run_in_subprocess, run_one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nst_helpers.benchmark", description=__doc__.split("\n\n")[0]
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
    parser.add_argument("--out", default="results")
    parser.add_argument(
        "--one", nargs=4, metavar=("ARCH", "SIZE", "MODE", "PRECISION"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.one:
        arch, size, mode, precision = args.one
        print(json.dumps(run_one(arch, int(size), mode, precision, args.steps, args.max_seconds)))
        return 0

    import pandas as pd

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
