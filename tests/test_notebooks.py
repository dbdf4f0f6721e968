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
sys.path.insert(0, str(ROOT))

from instructors.checks import loss_functions, model_building, optimization  # noqa: E402

# kernels get a proxy on a closed local port: a download fails at once, even with internet
from website.execute import NO_NETWORK  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

TINY = {  # a few seconds of work per notebook; trained features from the offline VGG16
    # 03-05: the parameters their assignments are graded with
    "01_data_visualization": {"STYLE": "swirls", "MAX_DIM": 64, "PATCH": 16},
    "02_preprocessing": {"STYLE": "swirls", "MAX_DIM": 64},
    **{m.NOTEBOOK: m.GRADING for m in (loss_functions, model_building, optimization)},
    "06_comparing_architectures": {
        "STYLE": "swirls",
        "MAX_DIM": 64,
        "STEPS": 4,
        "WEIGHTS": "offline-vgg16",
        "JUDGE_EVERY": 2,
        "EAGER_STEPS": 2,
        "MEASURE_MEMORY": False,
    },
    "07_comparing_resolutions": {
        "STYLE": "swirls",
        "SIZES": [48, 64],
        "STEPS": 4,  # each size is its own compiled step: 3-step runs would trip the warning (04)
        "ARCHITECTURE": "vgg16",
        "WEIGHTS": "auto",  # offline: ImageNet's download fails, then the offline VGG16, said once
        "STYLE_SIZE": 48,
        "RACE_SIZES": [48, 64],
        "RACE_SHARES": [0.5, 0.5],
        "RACE_SECONDS": 2,
        "MEASURE_MEMORY": False,
    },
    "08_controlling_the_result": {
        "STYLE": "swirls",
        "SECOND_STYLE": "hubble",
        "WEIGHTS": "offline-vgg16",
        "MAX_DIM": 64,
        "STEPS": 4,
        "TTQ_SIZE": 96,
        "TTQ_STEPS": 6,
    },
    "09_playground": {
        "STYLE": "swirls",
        "WEIGHTS": "offline-vgg16",
        "SIZE": 64,
        "STEPS": 3,
        "LAUNCH": False,
    },
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
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, cell[
                "source"
            ][:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_template(path):
    all_cells = cells(path)
    sources = ["".join(c["source"]) for c in all_cells]
    tagged = [c for c in all_cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0]["cell_type"] == "code", (
        "exactly one code cell tagged 'parameters'"
    )
    h1 = [
        line
        for s, c in zip(sources, all_cells)
        if c["cell_type"] == "markdown"
        for line in s.splitlines()
        if line.startswith("# ")
    ]
    assert len(h1) == 1 and sources[0].startswith("# "), "one H1 title, first"
    assert "colab.research.google.com" in sources[0] and "Overview" in sources[0]
    assert "setup_course()" in sources[1], "the setup cell comes second"
    assert any("## Summary" in s for s in sources) and any("## Exercises" in s for s in sources)
    declared = papermill.inspect_notebook(str(path))
    for name in TINY[path.stem]:
        assert name in declared, f"papermill does not see parameter {name} in the parameters cell"


def run_nbval(path: Path) -> subprocess.CompletedProcess:
    """Execute every cell of ``path`` with nbval in a fresh kernel of this environment, offline."""
    env = {
        **os.environ,
        **NO_NETWORK,
        "KERAS_HOME": str(path.parent / "keras_home"),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-cell-timeout=600",
        "-p",
        "no:cacheprovider",
        "-q",
        str(path),
    ]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=path.parent, env=env, timeout=1200
    )


NOTICE_STARTS = ("NOTE:", "WARNING:", "Downloading data from")
"""Lines that tell the reader something once: a notebook that prints one twice is noisy."""


def output_problems(text: str) -> list[str]:
    """What a student should not read in a notebook's outputs: a time of ``inf s``, a bare NaN in a
    printed table (say "not reached" or "not measured"), the same notice twice."""
    import re
    from collections import Counter

    problems = [
        f"{m.group(0)!r} in {text[max(0, m.start() - 60) : m.end() + 20]!r}"
        for m in re.finditer(r"\binf s\b|(?<![\w.'\"-])(?:nan|NaN)(?![\w'\"])", text)
    ]
    notices = Counter(
        line.strip() for line in text.splitlines() if line.strip().startswith(NOTICE_STARTS)
    )
    problems += [f"printed {n} times: {line[:120]!r}" for line, n in notices.items() if n > 1]
    return problems[:10]


WATCH = """import logging

RETRACING = []  # TensorFlow's retracing warnings, as its logger writes them into cell outputs


class _Retracing(logging.Handler):
    def emit(self, record):
        if "retracing" in record.getMessage():
            RETRACING.append(record.getMessage()[:160])


logging.getLogger("tensorflow").addHandler(_Retracing())"""

CHECK = """assert not RETRACING, RETRACING
# every text the notebook showed, as IPython's history keeps it: printed lines, tables, results
OUTPUT = [
    "".join(value) if isinstance(value, list) else value
    for outputs in get_ipython().history_manager.outputs.values()
    for output in outputs
    for kind, value in output.bundle.items()
    if kind == "stream" or kind.startswith("text/")
]
assert not output_problems("\\n".join(OUTPUT)), output_problems("\\n".join(OUTPUT))"""


def watched(path: Path, prepared: Path, parameters: dict) -> Path:
    """``path`` with ``parameters`` injected (papermill), between a first cell that records
    TensorFlow's retracing warnings and every output, and a last cell that fails on a retracing
    warning or on any of :func:`output_problems`."""
    import inspect

    import nbformat

    papermill.execute_notebook(
        str(path), str(prepared), parameters=parameters, prepare_only=True, progress_bar=False
    )
    notebook = nbformat.read(prepared, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(WATCH))
    checker = f"NOTICE_STARTS = {NOTICE_STARTS!r}\n\n{inspect.getsource(output_problems)}"
    notebook.cells.append(nbformat.v4.new_code_cell(f"{checker}\n{CHECK}"))
    nbformat.write(notebook, prepared)
    return prepared


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path, tmp_path):
    """The lesson, then its exercises' solutions (instructors/solutions), in one fresh kernel."""
    import nbformat

    from instructors.exercises import with_solutions

    solved = tmp_path / f"solved_{path.name}"
    nbformat.write(with_solutions(path), solved)
    prepared = watched(solved, tmp_path / path.name, TINY[path.stem])
    done = run_nbval(prepared)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_imagenet_weights_offline_stop_with_the_one_line_message(tmp_path, monkeypatch):
    """ImageNet weights asked for with no network: the first cell that needs them fails with one line."""
    for name, value in NO_NETWORK.items():
        monkeypatch.setenv(name, value)
    path = ROOT / "notebooks" / "04_model_building.ipynb"
    out = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(
            str(path),
            str(out),
            parameters={"MAX_DIM": 64, "WEIGHTS": "imagenet"},
            progress_bar=False,
            cwd=str(tmp_path),
            kernel_name="python3",
        )
    errors = [
        o
        for c in json.loads(out.read_text())["cells"]
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert len(errors) == 1
    assert errors[0]["traceback"] == [f"NSTError: {errors[0]['evalue']}"]
    assert "cannot download the ImageNet weights for vgg16" in errors[0]["evalue"]
    assert "offline-vgg16" in errors[0]["evalue"]


def test_nbval_catches_a_failing_cell(tmp_path):
    """The harness itself can fail: a notebook whose cell raises must not pass."""
    import nbformat

    broken = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "from nst_helpers.core.setup import show_errors_in_one_line\nshow_errors_in_one_line()"
            ),
            nbformat.v4.new_code_cell(
                "from nst_helpers.core.images import load_image\nload_image('missing.png')"
            ),
        ]
    )
    broken.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    done = run_nbval(path)
    assert done.returncode != 0 and "1 failed" in done.stdout, done.stdout[-2000:]


def notebook_of(code: list[str], path: Path) -> Path:
    """A notebook of these code cells at ``path``, for the python3 kernel."""
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)
    return path


def test_the_retracing_check_catches_a_warning(tmp_path):
    """The notebooks' retracing check can fail: six functions traced in a row are caught."""

    code = "import tensorflow as tf\n\nfor n in range(6):\n    tf.function(lambda x: x * n)(tf.constant(1.0))"
    done = run_nbval(
        watched(notebook_of([code], tmp_path / "retraces.ipynb"), tmp_path / "w.ipynb", {})
    )
    assert done.returncode != 0 and "1 failed" in done.stdout, done.stdout[-2000:]


def test_output_problems_names_each_kind_and_passes_clean_text():
    assert (
        output_problems("vgg16: 12.5 s\nNOTE: weights\nsteps_to_0.1  not reached\nnan_policy") == []
    )
    assert len(output_problems("direct\ninf s\n")) == 1
    assert len(output_problems("<td>NaN</td>")) == 1 and len(output_problems("  0.52   nan\n")) == 1
    assert output_problems("NOTE: offline\nx\nNOTE: offline\n") == [
        "printed 2 times: 'NOTE: offline'"
    ]


def test_the_output_check_reads_printed_lines_and_displayed_tables(tmp_path):
    """The notebooks' output check sees what a student reads: a NaN in a table shown as a cell's
    result, a time printed as ``inf s`` and a notice printed twice each fail the run."""

    code = [
        "import pandas as pd\n\npd.DataFrame({'seconds': [1.0, float('nan')]})",
        "print(f\"{float('inf')} s\")",
        "for _ in range(2):\n    print('NOTE: the weights fell back')",
    ]
    done = run_nbval(watched(notebook_of(code, tmp_path / "noisy.ipynb"), tmp_path / "w.ipynb", {}))
    assert done.returncode != 0 and "1 failed" in done.stdout, done.stdout[-2000:]
    for found in ("NaN", "inf s", "printed 2 times"):
        assert found in done.stdout, done.stdout[-3000:]


def taught_functions() -> dict[str, object]:
    """Run every code cell tagged 'teaching' and collect the functions the notebooks write out."""
    import math
    import time

    import keras
    import numpy as np
    import tensorflow as tf

    import nst_helpers as nst

    namespace: dict[str, object] = {
        "nst": nst,
        "tf": tf,
        "np": np,
        "keras": keras,
        "math": math,
        "time": time,
    }
    for path in NOTEBOOKS:
        for cell in cells(path):
            if "teaching" in cell.get("metadata", {}).get("tags", []):
                exec(compile("".join(cell["source"]), f"{path.name}[teaching]", "exec"), namespace)
    return namespace


def test_taught_functions_agree_with_the_package():
    import numpy as np
    import tensorflow as tf

    from nst_helpers.controls import smoothing
    from nst_helpers.core import color, losses, patches, preprocessing
    from nst_helpers.core.settings import Settings
    from nst_helpers.experiments import compare
    from nst_helpers.page import requests as playground
    from nst_helpers.plumbing import signals

    taught = taught_functions()
    terms = {"total": 10.0, "content": 1.0, "style": 2.0, "tv": 3.0}
    weighted = Settings(content_weight=2.0, style_weight=3.0, tv_weight=0.5)
    rng = np.random.default_rng(0)
    image = rng.random((1, 24, 32, 3)).astype(np.float32)
    features = tf.constant(rng.normal(size=(1, 6, 8, 16)), tf.float32)
    target = tf.constant(rng.normal(size=(1, 6, 8, 16)), tf.float32)
    grams = {"a": losses.gram_matrix(features), "b": losses.gram_matrix(2 * features)}
    falling = np.minimum.accumulate(1000 * 0.999 ** np.arange(40) + rng.random(40))
    histories = [list(falling), [5.0] * 30, [5.0] * 10, list(falling[:21])]
    targets = {"a": losses.gram_matrix(target), "b": losses.gram_matrix(target)}
    pairs = {
        "preprocess_caffe": (taught["preprocess_caffe"](image), preprocessing.preprocess(image)),
        "deprocess_caffe": (
            taught["deprocess_caffe"](image * 100),
            preprocessing.deprocess(image * 100),
        ),
        "content_loss": (
            taught["content_loss"](features, target),
            losses.content_loss(features, target),
        ),
        "gram_matrix": (taught["gram_matrix"](features), losses.gram_matrix(features)),
        "style_loss": (taught["style_loss"](grams, targets), losses.style_loss(grams, targets)),
        "style_loss weighted": (
            taught["style_loss"](grams, targets, {"a": 0.7, "b": 0.3}),
            losses.style_loss(grams, targets, {"a": 0.7, "b": 0.3}),
        ),
        "total_variation_loss": (
            taught["total_variation_loss"](tf.constant(image)),
            losses.total_variation_loss(image),
        ),
        "activation_entropy": (
            taught["activation_entropy"](tf.nn.relu(features)),
            compare.activation_entropy(tf.nn.relu(features)),
        ),
        "smooth_features": (
            taught["smooth_features"](features, 0.7),
            smoothing.smooth_features(features, 0.7),
        ),
        "fitted_exponent": (
            taught["fitted_exponent"]([1.0, 10.0, 100.0], [2.0, 30.0, 500.0]),
            compare.fitted_exponent([1.0, 10.0, 100.0], [2.0, 30.0, 500.0]),
        ),
        "match_color": (
            taught["match_color"](image[:, ::-1], image**2),
            color.match_color(image[:, ::-1], image**2),
        ),
        "weighted_terms": (
            list(taught["weighted_terms"](terms, weighted).values()),
            list(playground.weighted_terms(terms, weighted).values()),
        ),
        "flattened": (
            [taught["flattened"](h, t) for h in histories for t in (0.0, 0.002, 0.05)],
            [signals.flattened(h, t) for h in histories for t in (0.0, 0.002, 0.05)],
        ),
        "shuffle_patches": (
            taught["shuffle_patches"](image, 8, seed=3),
            patches.shuffle_patches(image, 8, seed=3),
        ),
    }
    from nst_helpers.core.models import build_backbone, build_extractor

    backbone = build_backbone("vgg16", None)
    layers = ["block3_conv1", "block1_conv1"]
    by_hand, packaged = (
        taught["extractor_by_hand"](backbone, layers),
        build_extractor("vgg16", layers, backbone=backbone),
    )
    assert [layer.name for layer in by_hand.layers] == [layer.name for layer in packaged.layers]
    for layer in layers:
        pairs[f"extractor_by_hand {layer}"] = (by_hand(image)[layer], packaged(image)[layer])
    for name, (ours, package) in pairs.items():
        np.testing.assert_allclose(
            np.asarray(ours), np.asarray(package), rtol=1e-5, atol=1e-4, err_msg=name
        )
    assert taught["content_loss"](features, target) > 0  # the comparison is not between zeros
