"""``make reproduce``: run the comparisons (notebooks 06 and 07) and gather their tables and figures
into one report, ``results/reproduce/REPORT.md``.

The notebooks write each table as CSV and each figure as PNG through :func:`keep` when their
``RESULTS_DIR`` parameter names a folder. Full parameters are for a Colab GPU with ImageNet weights;
``--quick`` runs on a 2-core CPU without internet (offline VGG16 and random weights, smaller sizes).

The kernels run TensorFlow with one inter-op thread (``TF_NUM_INTEROP_THREADS=1``): with more, a
compiled step at 512 px and above summed in a varying order, and two runs' judged numbers differed
by up to 1% (measured here, 2026-11-22); with one, they are the same to the last digit, and the
compiled step is 2% (512 px) to 11% (256 px) slower.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from nst_helpers.core.errors import NSTError
from nst_helpers.plumbing.files import make_folder, write_text_atomically

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ("06_comparing_architectures", "07_comparing_resolutions")

FULL: dict[str, dict[str, Any]] = {
    "06_comparing_architectures": {"STYLE": "starry_night", "MAX_DIM": 512, "STEPS": 500},
    "07_comparing_resolutions": {
        "STYLE": "starry_night",
        "SIZES": [128, 256, 512, 1024, 2048],
        "STEPS": 300,
    },
}
"""On a Colab GPU with ImageNet weights."""

QUICK: dict[str, dict[str, Any]] = {
    "06_comparing_architectures": {"STYLE": "swirls", "MAX_DIM": 256, "STEPS": 200},
    "07_comparing_resolutions": {"STYLE": "swirls", "SIZES": [128, 256, 512, 1024], "STEPS": 100},
}
"""On a 2-core CPU without internet: under 25 minutes on this project's machines."""


def keep(item: Any, name: str, folder: str | Path | None) -> None:
    """Write a pandas table as ``name.csv`` or a matplotlib figure as ``name.png`` into ``folder``
    (nothing when ``folder`` is None): how notebooks 06 and 07 hand their results to the report."""
    if folder is None:
        return
    folder = Path(folder)
    make_folder(folder)
    if hasattr(item, "savefig"):
        item.savefig(folder / f"{name}.png", dpi=100, bbox_inches="tight")
    elif hasattr(item, "to_csv"):  # a plain row-number index is left out
        write_text_atomically(
            folder / f"{name}.csv", item.to_csv(index=item.index.name is not None)
        )
    else:
        raise NSTError(
            f"cannot keep {type(item).__name__} {name!r}: pass a pandas table or a figure"
        )


REPORT_ROWS = 30
"""Longer tables (the judged curves) stay in their CSV files; the report names them."""


def markdown_table(path: Path) -> str:
    """A CSV written by :func:`keep` as a Markdown table, numbers to 4 significant digits."""
    import pandas as pd

    table = pd.read_csv(path)
    if len(table) > REPORT_ROWS:
        return f"{len(table)} rows: see `{path.name}`."
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        cells = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> list[str]:
    """The lines that say where the numbers came from."""
    from nst_helpers.core.machine import gpu_names
    from nst_helpers.core.precision import cpu_bf16_flags
    from nst_helpers.core.setup import versions
    from nst_helpers.plumbing.machine import cpu_name, import_tensorflow_quietly

    import_tensorflow_quietly()
    gpus = gpu_names()
    lines = [
        f"- CPU: {cpu_name()}, {os.cpu_count()} cores; bfloat16 flags: "
        f"{', '.join(cpu_bf16_flags()) or 'none'}",
        f"- GPU: {', '.join(gpus) or 'none'}",
    ]
    lines += [f"- {name}: {version}" for name, version in versions().items()]
    return lines


def write_report(folder: Path, quick: bool, minutes: float) -> Path:
    """``REPORT.md`` in ``folder``: the machine, the parameters, every table and figure."""
    from nst_helpers.core.settings import DEFAULTS

    chosen = QUICK if quick else FULL
    lines = [
        "# Reproducing the comparisons",
        "",
        f"Written by `make reproduce{' QUICK=1' if quick else ''}` on {time.strftime('%Y-%m-%d')}, "
        f"in {minutes:.1f} minutes. Seed {DEFAULTS.seed}; weights `{DEFAULTS.weights}` (ImageNet where "
        "it can be downloaded; offline, the offline VGG16 for vgg16 and random weights for the others). "
        "Every image is judged by the offline VGG16 (`nst_helpers/experiments/judge.py`).",
        "",
        "## Machine",
        "",
        *machine(),
        "",
    ]
    for notebook in NOTEBOOKS:
        prefix = notebook[:2]
        lines += [f"## {notebook}", "", f"Parameters: `{chosen[notebook]}`.", ""]
        for csv in sorted(folder.glob(f"{prefix}_*.csv")):
            lines += [f"### {csv.stem}", "", markdown_table(csv), ""]
        for png in sorted(folder.glob(f"{prefix}_*.png")):
            lines += [f"![{png.stem}]({png.name})", ""]
    return write_text_atomically(folder / "REPORT.md", "\n".join(lines))


def run_notebook(notebook: str, parameters: dict[str, Any], folder: Path) -> None:
    """Execute one notebook with papermill into ``folder``, or raise a one-line ``NSTError``."""
    import papermill

    source = ROOT / "notebooks" / f"{notebook}.ipynb"
    if not source.is_file():
        raise NSTError(
            f"{source} is missing: run make reproduce from a clone of the course's repository "
            "(with the package installed from it: pip install --no-deps -e .)"
        )
    out = folder / f"{notebook}.ipynb"
    try:
        papermill.execute_notebook(
            str(source),
            str(out),
            parameters={**parameters, "RESULTS_DIR": str(folder)},
            cwd=str(ROOT / "notebooks"),
            progress_bar=False,
            extra_arguments=[
                "--IPKernelApp.log_level=ERROR"
            ],  # no start-up warnings from the kernel
        )
    except papermill.PapermillExecutionError as exc:
        raise NSTError(
            f"{notebook} failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue}); "
            f"the executed notebook, up to that cell, is {out}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nst_helpers.experiments.reproduce", description=__doc__
    )
    parser.add_argument("--quick", action="store_true", help="CPU-sized parameters, no internet")
    parser.add_argument("--out", default="results/reproduce", help="the report's folder")
    parser.add_argument(
        "--only", choices=NOTEBOOKS, help="run one notebook (the report keeps both)"
    )
    args = parser.parse_args(argv)
    folder = Path(args.out).resolve()
    chosen = QUICK if args.quick else FULL
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"  # the kernels inherit it: the same numbers each run
    start = time.perf_counter()
    try:
        make_folder(folder)
        for notebook in [args.only] if args.only else NOTEBOOKS:
            print(f"running {notebook} ...", flush=True)
            run_notebook(notebook, chosen[notebook], folder)
        report = write_report(folder, args.quick, (time.perf_counter() - start) / 60)
    except NSTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted; what was written so far is in {folder}", file=sys.stderr)
        return 130
    print(f"wrote {report} in {(time.perf_counter() - start) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
