"""``make gallery``: the course's defaults on eight shipped photo/painting pairs, in one figure.

Each row is a photo, a painting and the result at the defaults, titled with its judged numbers
(notebook 06's judge: style ratio, content ratio, palette distance; lower is closer). For the first
``--old`` pairs (all of them by default) the row also shows the course's earlier defaults (the preset ``course_2026_11``), so
the change can be seen. Writes ``docs/gallery.png`` (shown in the README) and ``docs/gallery.csv``
(every judged number, each style layer's ratio included).

    python scripts/gallery.py [--size 256] [--steps 300] [--arch vgg19] [--weights auto] [--out docs/gallery.png]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = (
    ("chelsea", "swirls"),
    ("astronaut", "swirls"),
    ("astronaut", "ihc"),
    ("china", "hubble"),
    ("coffee", "ihc"),
    ("flower", "swirls"),
    ("rocket", "hubble"),
    ("china", "swirls"),
)
"""Faces (the astronaut, the cat), a landscape, still lifes and a rocket at night, in the three shipped
paintings' palettes: blue and yellow strokes, the dark of deep space, a stain's browns and violets."""

OLD_PRESET = "course_2026_11"


def parse(argv: list[str] | None) -> argparse.Namespace:
    from nst_helpers.core.settings import DEFAULTS

    parser = argparse.ArgumentParser(prog="make gallery", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=256, help="long side in px (default 256)")
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="steps per picture")
    parser.add_argument("--arch", default=DEFAULTS.architecture, help="as on the command line")
    parser.add_argument("--weights", default=DEFAULTS.weights, help="as on the command line")
    parser.add_argument("--pairs", type=int, default=len(PAIRS), help="how many of the pairs")
    parser.add_argument(
        "--old", type=int, default=len(PAIRS), help="pairs also run at the old defaults"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "gallery.png")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    from nst_helpers.plumbing.machine import import_tensorflow_quietly

    import_tensorflow_quietly()
    import pandas as pd

    from nst_helpers.controls.presets import PRESETS
    from nst_helpers.controls.stylize import stylize_with_controls
    from nst_helpers.core.images import load_image
    from nst_helpers.core.prepare import prepare_run
    from nst_helpers.core.settings import DEFAULTS
    from nst_helpers.experiments.compare import scores_row
    from nst_helpers.experiments.figures import gallery_figure
    from nst_helpers.experiments.judge import judge_pair, make_judge

    new = prepare_run(
        replace(
            DEFAULTS,
            architecture=args.arch,
            weights=args.weights,
            max_dim=args.size,
            steps=args.steps,
        )
    )
    old = new.updated(**PRESETS[OLD_PRESET].changes)
    if new.notice:
        print(f"NOTE: {new.notice}", flush=True)
    judge = make_judge()
    rows, panels = [], []
    for index, (photo, painting) in enumerate(PAIRS[: args.pairs]):
        content, style = load_image(photo, args.size), load_image(painting, args.size)
        reference = judge_pair(content, style, judge)
        results = {"defaults": new}
        if index < args.old:
            results[OLD_PRESET] = old
        row_panels = {}
        for label, run in results.items():
            start = time.perf_counter()
            result = stylize_with_controls(content, style, run)
            scores = reference.score(result.best_image)
            seconds = time.perf_counter() - start
            rows.append(
                {"pair": f"{photo} x {painting}", "defaults": label, **scores_row(scores)}
                | {"seconds": round(seconds, 1)}
            )
            row_panels[label] = (result.best_image, scores)
            print(
                f"{photo} x {painting}, {label}: style {scores.style_ratio:.3f}, content "
                f"{scores.content_ratio:.3f}, palette {scores.palette_distance:.3f} ({seconds:.0f} s)",
                flush=True,
            )
        panels.append((photo, painting, content, style, row_panels))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.to_csv(args.out.with_suffix(".csv"), index=False, float_format="%.4g")
    title = (
        f"{new.architecture.name} ({new.weights_label} weights), {args.size} px, {args.steps} steps; "
        "numbers: style ratio, content ratio, palette distance (lower is closer)"
    )
    gallery_figure(panels, title, args.out, old_label=OLD_PRESET)
    print(f"wrote {args.out} and {args.out.with_suffix('.csv')}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
