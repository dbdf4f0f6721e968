"""optimize: the Adam loop's mechanics (random weights) and a real stylization (offline VGG16)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from nst_helpers.core.errors import NSTError
from nst_helpers.core.losses import content_loss
from nst_helpers.core.optimize import stylize
from nst_helpers.core.prepare import prepare_run
from nst_helpers.core.settings import Settings
from nst_helpers.core.weights import OFFLINE_VGG16

LAYERS = dict(content_layers=("block2_conv2",), style_layers=("block1_conv1", "block2_conv1"))


@pytest.fixture(scope="module")
def small_run():
    """A prepared run with random weights and two small style layers, reused by the mechanics tests."""
    return prepare_run(
        architecture="vgg16",
        weights=None,
        steps=4,
        max_dim=128,
        step_mode="eager",
        precision="float32",
        **LAYERS,
    )


def run(photo, texture, prepared, **changes):
    return stylize(photo, texture, prepared, **changes)


def test_history_best_image_and_range(photo, texture, small_run):
    result = run(photo, texture, small_run, steps=5)
    assert result.stopped == "finished" and len(result.history) == 5
    assert set(result.history[0]) == {
        "step",
        "total",
        "content",
        "style",
        "tv",
        "seconds",
        "style:block1_conv1",
        "style:block2_conv1",
    }
    assert result.history[0]["content"] > 0.0  # starts from the photo in the painting's colours
    from_photo = run(photo, texture, small_run, steps=1, init="content")
    assert from_photo.history[0]["content"] == 0.0  # init="content": the photo itself
    totals = [row["total"] for row in result.history]
    assert result.best_step == int(np.argmin(totals)) + 1
    assert (
        result.image.shape == photo.shape
        and 0.0 <= result.image.min()
        and result.image.max() <= 1.0
    )
    assert not np.array_equal(result.image, photo)
    assert result.median_step_seconds > 0


@pytest.mark.parametrize("init", ["recolored", "style", "noise"])
def test_initializations(photo, texture, small_run, init):
    result = run(photo, texture, small_run, steps=1, init=init)
    assert result.history[0]["content"] > 0.0


def test_the_default_start_is_the_photo_in_the_paintings_colours():
    from nst_helpers.core.images import load_image
    from nst_helpers.core.optimize import initial_image

    photo, painting = load_image("chelsea", 96), load_image("swirls", 96)
    start = initial_image(tf.constant(photo), tf.constant(painting), "recolored", 0).numpy()
    pixels = lambda image: image.reshape(-1, 3)  # noqa: E731
    np.testing.assert_allclose(pixels(start).mean(0), pixels(painting).mean(0), atol=0.02)
    np.testing.assert_allclose(  # clipping to [0, 1] trims the largest variance a little
        np.cov(pixels(start), rowvar=False), np.cov(pixels(painting), rowvar=False), atol=0.02
    )
    assert np.abs(pixels(start).mean(0) - pixels(photo).mean(0)).max() > 0.1  # not the photo's
    # the photo's layout is kept: its brightness pattern correlates with the start's
    grey = lambda image: image.mean(-1).ravel()  # noqa: E731
    assert abs(np.corrcoef(grey(start), grey(photo))[0, 1]) > 0.8


SETTLE_WINDOW, SETTLE_TOLERANCE = 10, 0.005
"""After step 10, the total loss 10 steps later is never more than 0.5% above what it was."""


def rises_after_step_10(totals: list[float]) -> list[tuple[int, float]]:
    """The steps after which the loss, ``SETTLE_WINDOW`` steps later, is over the tolerance above."""
    return [
        (step, round(totals[step + SETTLE_WINDOW] / totals[step] - 1, 4))
        for step in range(10, len(totals) - SETTLE_WINDOW)
        if totals[step + SETTLE_WINDOW] > totals[step] * (1 + SETTLE_TOLERANCE)
    ]


def test_a_default_run_settles_instead_of_oscillating():
    """The defaults (Adam with beta_1 0.9 and a cosine learning rate, from the recoloured photo) on
    a tiny shipped pair with the offline VGG16: the loss falls and stays down. The earlier defaults
    (preset course_2026_11) rise again on this pair: 20 windows here."""
    from nst_helpers.controls.presets import PRESETS
    from nst_helpers.core.images import load_image

    content, style = load_image("coffee", 64), load_image("ihc", 64)
    run = prepare_run(weights=OFFLINE_VGG16, architecture="vgg16", max_dim=64)
    totals = [row["total"] for row in stylize(content, style, run).history]
    assert len(totals) == 300
    assert rises_after_step_10(totals) == []
    assert totals[-1] < totals[9]
    old = run.updated(**PRESETS["course_2026_11"].changes)
    assert rises_after_step_10([row["total"] for row in stylize(content, style, old).history])


def test_seeded_runs_are_reproducible(photo, texture, small_run):
    first = run(photo, texture, small_run, init="noise", seed=7)
    second = run(photo, texture, small_run, init="noise", seed=7)
    other = run(photo, texture, small_run, init="noise", seed=8)
    np.testing.assert_array_equal(first.image, second.image)
    assert [r["total"] for r in first.history] == [r["total"] for r in second.history]
    assert not np.array_equal(first.image, other.image)


@pytest.mark.parametrize("mode", ["function", "xla"])
def test_compiled_steps_match_eager(photo, texture, small_run, mode):
    eager = run(photo, texture, small_run, step_mode="eager")
    compiled = run(photo, texture, small_run, step_mode=mode)
    for a, b in zip(eager.history, compiled.history):
        assert b["total"] == pytest.approx(a["total"], rel=1e-3)
    # Pixels whose gradient is near zero may step either way (Adam normalizes), so compare on average.
    assert np.abs(compiled.image - eager.image).mean() < 1e-3


def test_auto_weights_fall_back_to_offline_vgg16(photo, texture, capsys):
    result = stylize(
        photo[:, :40, :40], texture[:, :40, :40], architecture="resnet50", weights="auto", steps=1
    )
    assert result.settings.architecture == "vgg16" and result.settings.weights == OFFLINE_VGG16
    assert "offline VGG16" in result.run.weights_label
    assert "NOTE: the ImageNet weights for resnet50 cannot be downloaded" in capsys.readouterr().out


def test_notebook_progress_updates_one_image_in_place(photo, texture, small_run, capsys):
    from nst_helpers.core.progress import NotebookProgress

    progress = NotebookProgress(total_steps=4)
    run(photo, texture, small_run, steps=4, callback=progress, callback_every=2)
    assert progress.bar.n == 4
    assert (
        capsys.readouterr().out.count("IPython.core.display.Image") >= 2
    )  # outside a notebook, the repr


def test_callback_every_n_steps(photo, texture, small_run):
    seen = []
    run(
        photo,
        texture,
        small_run,
        steps=5,
        callback=lambda s, img, losses: seen.append(s),
        callback_every=2,
    )
    assert seen == [2, 4, 5]


def test_time_limit_stops_after_at_least_one_step(photo, texture, small_run):
    from nst_helpers.controls.stylize import stylize_with_controls

    result = stylize_with_controls(photo, texture, small_run, steps=50, max_seconds=0.0)
    assert result.stopped == "time limit" and len(result.history) == 1
    assert "1 of 50 steps" in result.message


@pytest.mark.parametrize("mode", ["eager", "function", "xla"])
def test_mixed_precision_runs_in_every_mode_close_to_float32(photo, texture, mode):
    """bfloat16 compute, float32 image and losses: the first step's loss (the same image, only the
    forward pass's precision differs) is within 2% of float32's. Later steps part ways early on (Adam
    moves pixels with near-zero gradients by their sign, which bfloat16 makes noisier); that the two
    end close is make bench's quality check (1.4% apart after 200 steps, 2026-11-22)."""
    settings = dict(architecture="vgg16", weights=OFFLINE_VGG16, steps=3, step_mode=mode, **LAYERS)
    full = stylize(photo, texture, precision="float32", **settings)
    mixed = stylize(photo, texture, precision="mixed", **settings)
    assert mixed.run.policy in ("mixed_bfloat16", "mixed_float16") and full.run.policy == "float32"
    assert mixed.image.dtype == np.float32 and np.isfinite(mixed.image).all()
    assert mixed.history[0]["total"] == pytest.approx(full.history[0]["total"], rel=0.02)
    assert (
        mixed.history[0]["style"] != full.history[0]["style"]
    )  # really computed in lower precision


def test_the_quality_check_of_make_bench_compares_the_two_precisions():
    from nst_helpers.experiments.benchmark.timing import quality_check

    check = quality_check(64, 3)
    assert check["policy"] in ("mixed_bfloat16", "mixed_float16")
    assert check["float32_total"] > 0 and check["mixed_total"] > 0
    assert check["relative_difference"] == pytest.approx(
        abs(check["mixed_total"] - check["float32_total"]) / check["float32_total"]
    )


@pytest.mark.parametrize(
    "flags, expected",
    [
        ({"avx2", "fma"}, "float32"),  # no bfloat16 instructions: emulated
        ({"avx2", "avx512f", "avx512_bf16"}, "float32"),  # AVX-512 BF16 alone: measured slower
        ({"avx2", "avx512_bf16", "amx_tile", "amx_bf16"}, "mixed_bfloat16"),  # AMX: measured faster
    ],
)
def test_auto_precision_picks_bfloat16_only_with_amx(monkeypatch, flags, expected):
    from nst_helpers.core import precision

    monkeypatch.setattr(precision, "gpu_compute_capabilities", lambda: [])
    monkeypatch.setattr(precision, "cpu_flags", lambda: set(flags))
    policy, reason = precision.choose_policy("auto")
    assert policy == expected and reason
    assert precision.choose_policy("float32")[0] == "float32"
    assert precision.choose_policy("mixed")[0] == "mixed_bfloat16"
    with pytest.raises(NSTError, match="unknown precision"):
        precision.choose_policy("half")


def test_auto_precision_on_gpus_needs_tensor_cores(monkeypatch):
    from nst_helpers.core import precision

    monkeypatch.setattr(precision, "gpu_compute_capabilities", lambda: [(7, 5)])
    assert precision.choose_policy("auto")[0] == "mixed_float16"
    monkeypatch.setattr(precision, "gpu_compute_capabilities", lambda: [(6, 0)])
    assert precision.choose_policy("auto")[0] == "float32"


def test_ctrl_c_returns_what_it_has(photo, texture, small_run):
    def interrupt(step, image, losses):
        if step == 3:
            raise KeyboardInterrupt

    result = run(photo, texture, small_run, steps=10, callback=interrupt, callback_every=1)
    assert result.stopped == "interrupted" and len(result.history) == 3
    assert "interrupted after 3 of 10 steps" in result.message
    assert np.isfinite(result.image).all() and np.isfinite(result.best_image).all()


def test_nan_loss_stops_with_a_message_and_keeps_the_last_good_image(photo, texture, small_run):
    def poison(step, image, losses):  # a pixel becomes NaN after step 2, so step 3's loss is NaN
        if step == 2:
            image[0, 0, 0, 0].assign(float("nan"))

    result = run(photo, texture, small_run, steps=5, callback=poison, callback_every=1)
    assert result.stopped == "not finite" and len(result.history) == 2
    assert "NaN or infinite at step 3" in result.message and "learning rate" in result.message
    assert np.isfinite(result.best_image).all()


@pytest.mark.parametrize(
    "overrides, match",
    [
        (dict(steps=0), "steps=0 is out of range"),
        (dict(learning_rate=-1.0), "learning_rate=-1.0 is out of range"),
        (dict(learning_rate=float("nan")), "learning_rate=nan is out of range"),
        (dict(style_weight=-2.0), "style_weight=-2.0 is out of range"),
        (dict(max_dim=8), "max_dim=8 is out of range"),
        (dict(architecture="vgg11"), "unknown architecture 'vgg11'"),
        (dict(init="zeros"), "unknown init"),
        (dict(step_mode="fast"), "unknown step_mode"),
    ],
)
def test_settings_out_of_range(overrides, match):
    with pytest.raises(NSTError, match=match):
        Settings(**overrides).checked()


def test_real_stylization_with_offline_vgg16():
    """A few dozen steps with trained features: style loss falls far, content stays recognizable."""
    from nst_helpers.core.images import load_image

    content = load_image("chelsea", max_dim=128)
    style = load_image("swirls", max_dim=128)
    prepared = prepare_run(
        architecture="vgg16",
        weights=OFFLINE_VGG16,
        steps=40,
        step_mode="function",
        precision="float32",
    )
    extractor = prepared.extractor
    result = stylize(content, style, prepared)
    first, last = result.history[0], result.history[-1]
    assert last["style"] < 0.3 * first["style"], (first, last)  # relative errors: 0.83 -> 0.19 here
    # Recognizable: the result's content features are far closer to the photo's than the style image's are.
    layer = extractor.output_names[0] if hasattr(extractor, "output_names") else "block5_conv2"
    features = lambda image: extractor(tf.constant(image))["block5_conv2"]  # noqa: E731
    style_distance = float(
        content_loss(
            features(tf.image.resize(style, content.shape[1:3]).numpy()), features(content)
        )
    )
    assert last["content"] < 0.5 * style_distance, (last["content"], style_distance, layer)
    assert result.stopped == "finished"


def test_a_run_keeps_a_bounded_number_of_compiled_steps(photo, texture, small_run):
    """The page lets visitors pick any size: each would keep an image and Adam's state forever."""
    from nst_helpers.core.optimize import KEPT_STEPS

    for size in (48, 56, 64, 72, 80, 88):
        run(photo, texture, small_run, steps=1, max_dim=size)
    assert 0 < len(small_run.compiled) <= KEPT_STEPS


def test_the_stop_rule_compares_the_lowest_loss_over_a_window():
    """Issue 25: ``flattened`` stops when the lowest loss fell by less than the tolerance over the
    last PLATEAU_WINDOW steps; never with a tolerance of 0 or before a whole window."""
    from nst_helpers.plumbing.signals import PLATEAU_WINDOW, flattened

    window = PLATEAU_WINDOW
    improving = list(1000 * 0.99 ** np.arange(3 * window))  # 1% a step
    flat = [1000.0] * window + [999.9] * window  # 0.01% over the last window
    assert not flattened(improving, 0.002)
    assert flattened(flat, 0.002) and not flattened(flat, 0.0)
    assert not flattened(flat, 0.00001)  # it did fall by more than 0.001%
    assert not flattened([1000.0] * window, 0.5)  # not a whole window yet


def test_the_stop_rule_stops_a_flattened_run_and_not_an_improving_one(photo, texture, small_run):
    """Issue 25: a run whose loss has flattened (a learning rate too small to move the pixels)
    ends after one window with its reason; the same run at the course's rate, still improving, runs
    every step."""
    from nst_helpers.controls.stylize import stylize_with_controls as run
    from nst_helpers.plumbing.signals import PLATEAU_WINDOW

    flat = run(photo, texture, small_run, steps=60, learning_rate=1e-7, plateau=0.002)
    assert flat.stopped == "flattened" and len(flat.history) == PLATEAU_WINDOW + 1
    assert f"stopped after {PLATEAU_WINDOW + 1} of 60 steps" in flat.message
    assert "plateau=0 runs them all" in flat.message
    improving = run(photo, texture, small_run, steps=40, plateau=0.002)
    assert improving.stopped == "finished" and len(improving.history) == 40
    totals = [row["total"] for row in improving.history]
    assert totals[-1] < (1 - 0.002) * totals[-1 - PLATEAU_WINDOW]  # it was still improving


def test_the_stop_rule_ends_lbfgs_too(photo, texture, small_run):
    """The L-BFGS loop asks the same rule after each iteration (a tolerance of 1: any window)."""
    from nst_helpers.controls.stylize import stylize_with_controls
    from nst_helpers.plumbing.signals import PLATEAU_WINDOW

    changes = dict(steps=40, plateau=1.0, optimizer="lbfgs", step_mode="function")
    result = stylize_with_controls(photo, texture, small_run.updated(**changes))
    assert result.stopped == "flattened" and len(result.history) == PLATEAU_WINDOW + 1
    assert f"stopped after {PLATEAU_WINDOW + 1} of 40 iterations" in result.message
