"""make gallery: the figure and the table it writes, at a tiny size (the real one takes minutes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def test_the_gallery_writes_one_row_per_pair_and_the_old_defaults_beside(tmp_path):
    out = tmp_path / "gallery.png"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "gallery.py"),
            "--size",
            "48",
            "--steps",
            "2",
            "--pairs",
            "2",
            "--old",
            "1",
            "--arch",
            "vgg16",
            "--weights",
            "offline-vgg16",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = pd.read_csv(out.with_suffix(".csv"))
    assert list(zip(table["pair"], table["defaults"])) == [
        ("chelsea x swirls", "defaults"),
        ("chelsea x swirls", "course_2026_11"),
        ("astronaut x swirls", "defaults"),
    ]
    assert {"style_ratio", "content_ratio", "palette_distance", "style_block5_conv1"} <= set(table)
    width, height = Image.open(out).size
    assert width > 500 and height > 200
