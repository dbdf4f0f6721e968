"""The structure the course promises: one prepared run, defaults in one place, Colab links from one
place, images that come with the package, and a notebook setup cell that is short and identical."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from nst_helpers.core.errors import NSTError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))
import colab  # noqa: E402  (scripts/colab.py: make colab)


def command_line_run(tmp_path) -> None:
    from nst_helpers.cli.main import main

    argv = ["stylize", "chelsea", "swirls", "-o", str(tmp_path / "o.png"), "--max-dim", "48"]
    assert main([*argv, "--steps", "2"]) == 0


def page_run(tmp_path) -> None:
    import threading

    from nst_helpers.page import requests
    from nst_helpers.page.requests import PlaygroundRequest, stream_run

    requests._RUNS.clear()  # a first run on the page: its network is built (and seeded) here
    request = PlaygroundRequest(architecture="vgg16", weights="none", max_dim=64, steps=2)
    assert list(stream_run(request, threading.Event(), tmp_path))[-1].done


@pytest.mark.parametrize("run", [command_line_run, page_run])
def test_a_run_checks_its_settings_once_and_seeds_once(run, monkeypatch, tmp_path):
    import keras

    from nst_helpers.core import settings

    counts = {"checks": 0, "seeds": 0}
    validate, seed = settings.Settings._validated, keras.utils.set_random_seed

    def counting_validate(self):
        counts["checks"] += 1
        return validate(self)

    def counting_seed(value):
        counts["seeds"] += 1
        return seed(value)

    monkeypatch.setattr(settings.Settings, "_validated", counting_validate)
    monkeypatch.setattr(keras.utils, "set_random_seed", counting_seed)
    run(tmp_path)
    assert counts == {"checks": 1, "seeds": 1}


def test_the_parser_takes_its_defaults_from_the_one_place():
    from nst_helpers.cli.main import build_parser, settings_from
    from nst_helpers.core.settings import DEFAULTS

    args = build_parser().parse_args(["stylize", "a.png", "b.png", "-o", "o.png"])
    assert asdict(settings_from(args)) == asdict(DEFAULTS)


def test_a_prepared_run_carries_everything_and_nothing_is_stuck_on_the_model():
    from nst_helpers.core.prepare import prepare_run

    run = prepare_run(
        architecture="vgg16", weights=None, precision="float32", style_layers=("block1_conv1",)
    )
    assert (
        run.settings.is_checked
        and run.architecture.name == "vgg16"
        and run.weights_label == "random"
    )
    assert run.policy == "float32" and run.precision_reason and run.notice is None
    assert (
        run.settings.content_layers == run.architecture.content_layers
    )  # filled from the architecture
    assert run.settings.content_weight == run.architecture.content_weight
    assert set(vars(run.extractor)).isdisjoint(
        {"weights_description", "policy_name", "precision_reason"}
    )
    assert (
        run.updated(steps=7).settings.steps == 7 and run.updated(steps=7).extractor is run.extractor
    )
    with pytest.raises(NSTError, match="architecture decide the network itself"):
        run.updated(architecture="vgg19")
    with pytest.raises(NSTError, match="block5_conv1 are not outputs"):
        run.updated(style_layers=("block5_conv1",))
    with pytest.raises(NSTError, match="steps=0 is out of range"):
        run.updated(steps=0)


def setup_cells() -> list[str]:
    return [
        "".join(
            next(c for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code")[
                "source"
            ]
        )
        for p in NOTEBOOKS
    ]


def test_the_setup_cell_is_short_and_the_same_in_every_notebook():
    cells = setup_cells()
    assert len(set(cells)) == 1, "the setup cells differ"
    assert len(cells[0].splitlines()) <= 6, cells[0]
    assert "%pip install" in cells[0] and "--no-deps" in cells[0] and "sys.path" not in cells[0]
    assert "git clone" not in cells[0]


def test_every_colab_badge_and_setup_cell_points_at_the_repository():
    repo = colab.current_repository()
    assert colab.all_problems(repo) == []
    assert colab.main(["--check"]) == 0


def test_the_colab_check_fails_when_a_badge_points_at_another_notebook(tmp_path):
    repo = colab.current_repository()
    notebook = json.loads(NOTEBOOKS[1].read_text())
    first = "".join(notebook["cells"][0]["source"])
    notebook["cells"][0]["source"] = first.replace(NOTEBOOKS[1].name, NOTEBOOKS[0].name)
    wrong = tmp_path / NOTEBOOKS[1].name
    wrong.write_text(json.dumps(notebook))
    problems = colab.notebook_problems(wrong, repo)
    assert len(problems) == 1 and "badge links" in problems[0]
    readme = (
        (ROOT / "README.md")
        .read_text()
        .replace(
            f"blob/main/notebooks/{NOTEBOOKS[1].name}", f"blob/main/notebooks/{NOTEBOOKS[0].name}"
        )
    )
    assert colab.readme_problems(readme, repo, [p.name for p in NOTEBOOKS])


def test_make_colab_rewrites_every_badge_and_setup_cell(tmp_path, monkeypatch):
    for name in ("COURSE", "README"):
        original = getattr(colab, name)
        copy = tmp_path / original.name
        copy.write_text(original.read_text())
        monkeypatch.setattr(colab, name, copy)
    (tmp_path / "notebooks").mkdir()
    for path in NOTEBOOKS:
        (tmp_path / "notebooks" / path.name).write_text(path.read_text())
    monkeypatch.setattr(colab, "NOTEBOOKS", tmp_path / "notebooks")
    assert colab.main(["jane/nst-course"]) == 0
    assert colab.current_repository() == "jane/nst-course"
    assert colab.all_problems("jane/nst-course") == []
    assert "OWNER/" not in colab.README.read_text()
    assert colab.main(["not a repo"]) == 2


def test_a_plain_install_outside_the_clone_finds_the_images(tmp_path):
    """pip install (not editable) into a folder, then load a shipped image from elsewhere."""
    target = tmp_path / "site"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert (target / "nst_images" / "content" / "chelsea.png").is_file()
    check = (
        "import nst_helpers.core.sources as s, nst_helpers.core.images as i; print(s.images_dir()); "
        "print(i.load_image('chelsea', 64).shape)"
    )
    done = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found, shape = done.stdout.splitlines()
    assert Path(found).is_relative_to(target) and shape == "(1, 43, 64, 3)"


def test_the_hand_written_loop_of_notebook_05_agrees_with_stylize(photo, texture):
    from test_notebooks import taught_functions

    from nst_helpers.core.color import match_color
    from nst_helpers.core.losses import balanced_layer_weights, gram_matrix
    from nst_helpers.core.optimize import stylize
    from nst_helpers.core.prepare import prepare_run

    run = prepare_run(
        architecture="vgg16",
        weights=None,
        steps=3,
        step_mode="eager",
        precision="float32",
        content_layers=("block2_conv2",),
        style_layers=("block1_conv1", "block2_conv1"),
        max_dim=128,
    )
    settings, extractor = run.settings, run.extractor
    content_features, style_features = extractor(photo), extractor(texture)
    content_targets = {name: content_features[name] for name in settings.content_layers}
    style_targets = {name: gram_matrix(style_features[name]) for name in settings.style_layers}
    factors = (settings.content_weight, settings.style_weight, settings.tv_weight)
    layer_weights = balanced_layer_weights(style_targets, settings.style_balance)
    _, _, by_hand = taught_functions()["optimize_by_hand"](
        match_color(photo, texture),  # the default start: the photo in the painting's palette
        extractor,
        content_targets,
        style_targets,
        factors,
        layer_weights,
        3,
        settings.learning_rate,
    )
    packaged = stylize(photo, texture, run)
    np.testing.assert_allclose(
        [r["total"] for r in by_hand], [r["total"] for r in packaged.history], rtol=1e-4
    )
    assert by_hand[-1]["total"] != by_hand[0]["total"]
