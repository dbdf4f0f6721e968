"""Controls beyond the paper (notebook 08): colour, several styles, presets, L-BFGS, time to quality."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from test_cli import fails, stylize_args

from nst_helpers.controls.colors import luminance_pair, to_yiq, with_content_colors
from nst_helpers.controls.presets import PRESETS, apply_preset
from nst_helpers.controls.stylize import stylize_with_controls as stylize
from nst_helpers.core.color import match_color
from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import load_image
from nst_helpers.core.prepare import prepare_run


@pytest.fixture(scope="module")
def tiny_run():
    return prepare_run(architecture="vgg16", weights="offline-vgg16", max_dim=64, steps=8)


def test_histogram_matching_gives_the_style_the_contents_mean_and_covariance():
    rng = np.random.default_rng(0)
    mixing = np.array([[0.06, 0.02, 0.0], [0.01, 0.05, 0.02], [0.0, 0.03, 0.04]])
    content = (0.5 + rng.normal(size=(1, 40, 50, 3)) @ mixing.T).astype(np.float32)
    style = (0.3 + 0.2 * rng.random((1, 30, 30, 3))).astype(np.float32)  # another palette
    matched = match_color(style, content)  # small spreads: nothing reaches 0 or 1
    got, target = matched.reshape(-1, 3), content.reshape(-1, 3)
    np.testing.assert_allclose(got.mean(0), target.mean(0), atol=1e-4)
    np.testing.assert_allclose(np.cov(got, rowvar=False), np.cov(target, rowvar=False), atol=1e-4)
    assert np.abs(matched - style).max() > 0.05  # the colours did move


def test_luminance_only_keeps_the_contents_colour_channels(photo, texture, tiny_run):
    result = stylize(photo, texture, tiny_run.updated(color="luminance"))
    content = load_image(photo, 64)
    colours = np.abs(to_yiq(result.best_image)[..., 1:] - to_yiq(content)[..., 1:])
    assert np.median(colours) < 0.01, np.median(colours)
    plain = stylize(photo, texture, tiny_run)
    plain_colours = np.abs(to_yiq(plain.best_image)[..., 1:] - to_yiq(content)[..., 1:])
    assert np.median(plain_colours) > 3 * np.median(colours)  # the plain run does change colours


def test_the_luminance_pair_is_grey_with_the_contents_brightness(photo, texture):
    grey_content, grey_style = luminance_pair(photo, texture)
    for grey in (grey_content, grey_style):
        assert np.allclose(grey[..., 0], grey[..., 1]) and np.allclose(grey[..., 1], grey[..., 2])
    assert grey_style.mean() == pytest.approx(grey_content.mean(), abs=0.02)
    back = with_content_colors(grey_content, photo)
    assert np.abs(back - photo).max() < 0.02  # the photo's own brightness gives the photo back


def test_two_styles_weighted_one_and_zero_equal_the_single_style(photo, texture, tiny_run):
    single = stylize(photo, texture, tiny_run.updated(steps=4))
    other = np.ascontiguousarray(texture[:, ::-1])
    blended = stylize(photo, [texture, other], tiny_run.updated(steps=4, style_blend=(1.0, 0.0)))
    np.testing.assert_array_equal(blended.image, single.image)
    mixed = stylize(photo, [texture, other], tiny_run.updated(steps=4, style_blend=(0.5, 0.5)))
    assert np.abs(mixed.image - single.image).max() > 1e-3


def test_a_blend_with_the_wrong_number_of_weights_is_one_line(photo, texture, tiny_run):
    with pytest.raises(NSTError, match="2 style weights for 1 style image"):
        stylize(photo, texture, tiny_run.updated(style_blend=(1.0, 2.0)))
    with pytest.raises(NSTError, match="positive weight"):
        tiny_run.updated(style_blend=(0.0, 0.0))


def test_lbfgs_beats_adam_at_the_same_number_of_function_evaluations(photo, texture, tiny_run):
    lbfgs = stylize(photo, texture, tiny_run.updated(optimizer="lbfgs", steps=15))
    evaluations = int(lbfgs.history[-1]["evaluations"])
    adam = stylize(photo, texture, tiny_run.updated(steps=evaluations))
    best = {
        name: min(row["total"] for row in r.history)
        for name, r in (("lbfgs", lbfgs), ("adam", adam))
    }
    assert best["lbfgs"] < best["adam"], best
    assert 0.0 <= lbfgs.image.min() and lbfgs.image.max() <= 1.0  # the bounds hold, no clipping


def test_lbfgs_stops_when_asked_and_keeps_its_best(photo, texture, tiny_run):
    asked = []
    result = stylize(
        photo,
        texture,
        tiny_run.updated(optimizer="lbfgs", steps=50),
        callback=lambda step, image, losses: asked.append(step),
        callback_every=1,
        stop=lambda: len(asked) >= 3,
    )
    assert result.stopped == "stopped" and len(result.history) == 3
    assert result.message.startswith("stopped after 3 of 50 iterations")
    assert result.best_step >= 1 and np.isfinite(result.best_image).all()


def test_presets_reproduce_their_sources_choices():
    pytorch = apply_preset("pytorch")
    assert list(pytorch.style_layer_weights.values()) == [1.0, 0.8, 0.5, 0.3, 0.1]
    assert pytorch.content_layers == ("block4_conv2",) and pytorch.architecture == "vgg19"
    paper = apply_preset("gatys2016", steps=5)
    assert paper.optimizer == "lbfgs" and paper.init == "noise" and paper.steps == 5
    assert apply_preset("tf_tutorial").style_weight == 1e-2
    assert set(PRESETS) == {"course", "course_2026_11", "gatys2016", "tf_tutorial", "pytorch"}
    with pytest.raises(NSTError, match="unknown preset 'johnson'; choose one of course"):
        apply_preset("johnson")


def test_the_command_line_takes_a_preset_and_lets_options_win(tmp_path, capsys):
    from nst_helpers.cli.main import main

    out = tmp_path / "paper.png"
    argv = stylize_args("chelsea", "swirls", out, "--preset", "gatys2016", "--arch", "vgg16")
    assert main(argv + ["--weights", "none", "--max-dim", "64", "--steps", "2"]) == 0
    record = json.loads(out.with_suffix(".json").read_text())["settings"]
    assert record["architecture"] == "vgg16" and record["optimizer"] == "lbfgs"
    assert record["content_layers"] == ["block4_conv2"] and record["steps"] == 2


def test_the_command_line_blends_two_styles(tmp_path):
    from nst_helpers.cli.main import main

    out = tmp_path / "two.png"
    argv = ["stylize", "chelsea", "swirls", "hubble", "-o", str(out), "--blend", "0.7,0.3"]
    assert main(argv + ["--weights", "none", "--max-dim", "64", "--steps", "2"]) == 0
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["style"] == "swirls+hubble" and record["settings"]["style_blend"] == [0.7, 0.3]


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--color", "sepia"], "invalid choice: 'sepia'"),
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["--preset", "johnson"], "invalid choice: 'johnson'"),
        (["--blend", "1,x"], "is not a list of numbers"),
        (["--style-weights", "1,2"], "2 style weights for 1 style image(s)"),
        (["--blend", "-1"], "--blend[0]=-1.0 is out of range"),
        (["--style-scale", "0"], "--style-scale=0.0 is out of range"),
    ],
)
def test_bad_control_flags_are_one_line(tmp_path, capsys, extra, match):
    fails(capsys, stylize_args("chelsea", "swirls", tmp_path / "x.png", *extra), match)


def test_time_to_quality_on_a_tiny_pair():
    """Issue 25: the table times the tutorial's loop and the eager step for the default's steps,
    takes the default's best picture, judged, as the bar, and counts a method as at the bar only
    when all three of its measures are."""
    from nst_helpers.core.settings import DEFAULTS
    from nst_helpers.experiments.time_to_quality import (
        EAGER,
        TUTORIAL,
        Method,
        default_settings,
        time_to_quality,
    )

    settings = default_settings(
        DEFAULTS.updated(architecture="vgg16", weights="offline-vgg16"), 96, 10
    )
    plan = [
        Method("default", {}, judge_every=2),
        Method("lbfgs", {"optimizer": "lbfgs", "steps": 5}, judge_every=1),
    ]
    measured = time_to_quality("chelsea", "swirls", settings, plan=plan, budget=1.0)
    table, bar = measured.table, measured.bar
    assert list(table.index) == [TUTORIAL, EAGER, "default", "lbfgs"]
    assert table.loc[TUTORIAL, "x tutorial loop"] == 1.0
    assert table.loc[TUTORIAL, "seconds to the bar"] == measured.tutorial_seconds > 0
    assert 0 < table.loc["default", "x tutorial loop"] < math.inf
    assert table.loc["default", "steps or iterations"] == 10
    default = table.loc["default", ["style ratio", "content ratio", "palette distance"]]
    assert tuple(default) == bar
    lbfgs = table.loc["lbfgs"]
    if math.isfinite(lbfgs["seconds to the bar"]):  # reached: then its judged image is at the bar
        assert all(lbfgs[n] <= b for n, b in zip(default.index, bar))
    else:
        assert measured.attempts[1].result.stopped in ("time limit", "finished")


def test_enlarging_a_coarse_picture_adds_back_the_photos_detail():
    """Coarse-to-fine (notebook 08): the enlarged coarse picture gets the detail enlarging lost,
    so its edges are the photo's, not a blur of them."""
    from nst_helpers.core.images import load_image
    from nst_helpers.experiments.judge import edge_structure
    from nst_helpers.experiments.time_to_quality import enlarged_with_detail, resized

    photo, painting = load_image("chelsea", 128), load_image("swirls", 128)
    coarse = resized(photo, (photo.shape[1] // 4, photo.shape[2] // 4))
    plain = resized(coarse, photo.shape[1:3])
    detailed = enlarged_with_detail(coarse, photo, painting)
    assert detailed.shape == photo.shape and 0 <= detailed.min() and detailed.max() <= 1
    assert edge_structure(detailed, photo) > edge_structure(plain, photo) + 0.1
