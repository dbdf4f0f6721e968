"""Notebooks: stored clean, built on the template, and run end to end at tiny parameters.

papermill injects the tiny parameters (prepare only); nbval then executes every cell in a fresh
kernel of this environment and fails on any error (``--nbval-lax``: outputs are not compared,
since notebooks are stored without them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import papermill
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

TINY = {  # a few seconds of work per notebook; trained features from the offline VGG16
    "01_data_visualization": {"STYLE": "swirls", "MAX_DIM": 64, "PATCH": 16},
    "02_preprocessing": {"STYLE": "swirls", "MAX_DIM": 64},
    "03_loss_functions": {"STYLE": "swirls", "MAX_DIM": 64, "ARCHITECTURE": "vgg16", "WEIGHTS": "offline-vgg16"},
    "04_model_building": {"STYLE": "swirls", "MAX_DIM": 64, "WEIGHTS": None},
    "05_optimization": {"STYLE": "swirls", "MAX_DIM": 64, "STEPS": 4, "ARCHITECTURE": "vgg16", "WEIGHTS": "offline-vgg16"},
}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def test_every_notebook_has_tiny_parameters():
    assert NOTEBOOKS, "no notebooks found"
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(TINY)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, cell["source"][:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template(path):
    all_cells = cells(path)
    sources = ["".join(c["source"]) for c in all_cells]
    tagged = [c for c in all_cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code", "exactly one code cell tagged 'parameters'"
    h1 = [line for s, c in zip(sources, all_cells) if c["cell_type"] == "markdown" for line in s.splitlines() if line.startswith("# ")]
    assert len(h1) == 1 and sources[0].startswith("# "), "one H1 title, first"
    assert "colab.research.google.com" in sources[0] and "Overview" in sources[0]
    assert "print_setup()" in sources[1], "the setup cell comes second"
    assert any("## Summary" in s for s in sources) and any("## Exercises" in s for s in sources)
    declared = papermill.inspect_notebook(str(path))
    for name in TINY[path.stem]:
        assert name in declared, f"papermill does not see parameter {name} in the parameters cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path, tmp_path):
    prepared = tmp_path / path.name
    papermill.execute_notebook(str(path), str(prepared), parameters=TINY[path.stem], prepare_only=True,
                               progress_bar=False)
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras_home"), "MPLBACKEND": "Agg",
           "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600",
         "-p", "no:cacheprovider", "-q", str(prepared)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
