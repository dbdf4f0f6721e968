"""The experiments of the comparisons: architectures side by side (notebook 06) and image sizes from
128 px up (notebook 07), every result judged by the same judge (``evaluate.py``).

Each function returns plain data and pandas tables, so that the notebooks, ``make reproduce`` and the
tests call the same code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import tensorflow as tf

from nst_helpers.controls.smoothing import layer_temperatures, smooth_features
from nst_helpers.controls.stylize import stylize_with_controls
from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import load_image
from nst_helpers.core.optimize import StyleTransferResult
from nst_helpers.core.prepare import PreparedRun, prepare_run
from nst_helpers.core.settings import Settings
from nst_helpers.core.weights import describe_weights, side_by_side_weights
from nst_helpers.experiments.benchmark.timing import run_in_subprocess
from nst_helpers.experiments.judge import (
    JUDGE_ARCHITECTURE,
    JUDGE_STYLE_LAYERS,
    JUDGE_WEIGHTS,
    Judge,
    Reference,
    Scores,
    judge_pair,
)
from nst_helpers.experiments.waiting import Progress, announce
from nst_helpers.plumbing.estimate import RunCost, check_run_cost, estimate_run
from nst_helpers.plumbing.notices import notify

COMPARED_ARCHITECTURES = ("vgg16", "vgg19", "resnet50")
SOFTMAX_TEMPERATURE = 1.0
"""The temperature of the residual networks' fix in the comparison (``controls.smoothing.smooth_features``)."""


@dataclass(frozen=True)
class Contender:
    """One row of the architecture comparison: a network, its weights, and the softmax fix or not."""

    architecture: str
    weights: Any  # "imagenet", "offline-vgg16", None (random) or a path
    softmax_temperature: float = 0.0  # 0: off

    @property
    def trained(self) -> bool:
        return self.weights is not None

    @property
    def judged_by_itself(self) -> bool:
        """True when this network is the judge: its numbers then flatter it."""
        return self.architecture == JUDGE_ARCHITECTURE and self.weights == JUDGE_WEIGHTS

    @property
    def label(self) -> str:
        fix = f" + softmax T={self.softmax_temperature:g}" if self.softmax_temperature else ""
        return f"{self.architecture} ({describe_weights(self.weights)}){fix}"


def contenders(
    weights: Any = "auto",
    architectures: Sequence[str] = COMPARED_ARCHITECTURES,
    softmax_temperature: float = SOFTMAX_TEMPERATURE,
) -> list[Contender]:
    """The rows: each architecture with the weights it can have here (ImageNet where they can be
    downloaded; offline, the offline VGG16 and random weights for the others), ResNet50 again with the
    softmax fix, and VGG16 with random weights to show what training contributes (notebook 06)."""
    rows = [Contender(a, side_by_side_weights(a, weights)) for a in architectures]
    residual = [r for r in rows if r.architecture.startswith("resnet")]
    rows += [Contender(r.architecture, r.weights, softmax_temperature) for r in residual]
    if any(r.architecture == "vgg16" and r.trained for r in rows):
        rows.append(Contender("vgg16", None))
    return rows


@dataclass
class Trial:
    """One contender's run: the result, its judged curve, final scores and what it cost."""

    label: str
    result: StyleTransferResult
    curve: pd.DataFrame  # step, seconds (optimization only), style_ratio, content_ratio
    scores: Scores
    costs: dict[str, Any] = field(default_factory=dict)


def judged_run(
    run: PreparedRun,
    content: np.ndarray,
    style: np.ndarray,
    reference: Reference,
    judge_every: int,
    label: str = "stylizing",
    **stylize_options: Any,
) -> tuple[StyleTransferResult, pd.DataFrame]:
    """Stylize with ``run`` under a progress bar named ``label``, judging the image every
    ``judge_every`` steps (the judging is not timed); returns the result and its judged curve."""
    points: list[dict[str, float]] = []

    def judge_now(step: int, image: Any, losses: Any) -> None:
        scores = reference.score(np.asarray(image))
        points.append(
            {"step": step, "style_ratio": scores.style_ratio, "content_ratio": scores.content_ratio}
        )

    progress = Progress(label, run.settings.steps, judge_now, judge_every)
    result = stylize_with_controls(
        content, style, run, callback=progress, callback_every=1, **stylize_options
    )
    curve = pd.DataFrame(points, columns=["step", "style_ratio", "content_ratio"])
    elapsed = np.cumsum([row["seconds"] for row in result.history])
    curve.insert(1, "seconds", [float(elapsed[int(s) - 1]) for s in curve["step"]])
    return result, curve


MEMORY_STEPS = 3
MEMORY_SECONDS = 15.0  # a fresh process that measures the peak memory: start, build, three steps
EAGER_FACTOR = 2.5  # an eager step against a compiled one, on the CPUs measured (README)
JUDGING_FACTOR = 0.5  # one judgement against one compiled step of the judged network


def run_seconds(cost: RunCost, steps: int, judge_every: int = 10, eager_steps: int = 0) -> float:
    """The estimated seconds of a judged run here: compiled steps, judgements and eager steps."""
    work = steps + JUDGING_FACTOR * steps / judge_every + EAGER_FACTOR * eager_steps
    return cost.seconds_per_step * work


def peak_memory_gib(run: PreparedRun, size: int) -> float:
    """The peak memory of a fresh process that runs this architecture's compiled step at ``size``
    (``make bench``'s measure: the process's peak resident set, or the GPU's peak; random weights,
    since their values do not change the memory). NaN if that process failed."""
    row = {
        "architecture": run.architecture.name,
        "size": size,
        "mode": run.settings.step_mode,
        "precision": run.settings.precision,
    }
    measured = run_in_subprocess(row, steps=MEMORY_STEPS, max_seconds=600.0)
    return float(measured.get("peak_memory_gib", math.nan))


def steps_to_reach(curve: pd.DataFrame, target: float) -> tuple[float, float]:
    """(step, seconds) of the first judged point with a style ratio at or under ``target``; NaN if none."""
    reached = curve[curve["style_ratio"] <= target]
    if reached.empty:
        return math.nan, math.nan
    first = reached.iloc[0]
    return float(first["step"]), float(first["seconds"])


def compare_architectures(
    content: Any,
    style: Any,
    rows: Sequence[Contender],
    settings: Settings,
    judge: Judge,
    judge_every: int = 10,
    eager_steps: int = 5,
    target_style_ratio: float = 0.1,
    measure_memory: bool = True,
) -> list[Trial]:
    """Each contender through the same photo, painting, step budget and seed (notebook 06).

    ``settings`` holds what is shared (size, steps, learning rate, seed, precision); loss weights and
    layers left as None are each architecture's own. The eager step is timed on a separate short
    run, and the peak memory in a fresh process (``measure_memory``; NaN without it).
    """
    if not rows:
        raise NSTError("no contenders to compare; pass at least one Contender")
    settings = settings.checked()
    content_image = load_image(content, settings.max_dim, settings.upscale)
    style_image = load_image(style, settings.style_max_dim, settings.upscale)
    reference = judge_pair(content_image, style_image, judge)
    runs = [
        prepare_run(
            settings,
            architecture=row.architecture,
            weights=row.weights,
            softmax_temperature=row.softmax_temperature,
        )
        for row in rows
    ]
    height, width = content_image.shape[1:3]
    estimates = [estimate_run(run.extractor, height, width) for run in runs]  # once per network
    announce(
        [
            (row.label, run_seconds(cost, settings.steps, judge_every, eager_steps))
            for row, cost in zip(rows, estimates)
        ]
        + ([("memory", MEMORY_SECONDS * len(rows))] if measure_memory else [])
    )
    trials = []
    for row, run, estimate in zip(rows, runs, estimates):
        result, curve = judged_run(
            run, content_image, style_image, reference, judge_every, row.label
        )
        eager = stylize_with_controls(
            content_image, style_image, run, steps=eager_steps + 1, step_mode="eager"
        )
        gflop = estimate.gflop_per_step
        step_s, at_s = steps_to_reach(curve, target_style_ratio)
        costs = {
            "weights": run.weights_label,
            "trained": row.trained,
            "judged_by_itself": row.judged_by_itself,
            "parameters_M": run.extractor.count_params() / 1e6,
            "gflop_per_step": gflop,
            "gflops_reached": gflop / result.median_step_seconds,
            "first_step_s": result.history[0]["seconds"],
            "median_step_eager_s": eager.median_step_seconds,
            "median_step_compiled_s": result.median_step_seconds,
            "peak_memory_gib": peak_memory_gib(run, settings.max_dim)
            if measure_memory
            else math.nan,
            f"steps_to_{target_style_ratio:g}": step_s,
            f"seconds_to_{target_style_ratio:g}": at_s,
            "precision": run.policy,
        }
        trials.append(Trial(row.label, result, curve, reference.score(result.best_image), costs))
    return trials


def costs_table(trials: Sequence[Trial]) -> pd.DataFrame:
    """What each run cost: one row per contender (notebook 06)."""
    return pd.DataFrame([{"network": t.label, **t.costs} for t in trials]).set_index("network")


SCORE_COLUMNS = (
    "style_ratio",
    "pooled_style_ratio",
    *(f"style_{name}" for name in JUDGE_STYLE_LAYERS),
    "content_ratio",
    "structure",
    "palette_distance",
)


def scores_row(scores: Scores) -> dict[str, float]:
    """The judged numbers of one image, flat: headline ratios, each style layer's ratio, the two
    network-free measures."""
    return {
        "style_ratio": scores.style_ratio,
        "pooled_style_ratio": scores.pooled_style_ratio,
        **{f"style_{name}": value for name, value in scores.style_ratios.items()},
        "content_ratio": scores.content_ratio,
        "structure": scores.structure,
        "palette_distance": scores.palette_distance,
    }


def quality_table(trials: Sequence[Trial], trained: bool | None = None) -> pd.DataFrame:
    """The judged numbers of each contender's best image; ``trained`` keeps trained (True) or random
    (False) rows only, since random networks' quality is a different lesson (notebook 06)."""
    chosen = [t for t in trials if trained is None or t.costs["trained"] == trained]
    return pd.DataFrame(
        [
            {"network": t.label, "judged_by_itself": t.costs["judged_by_itself"]}
            | scores_row(t.scores)
            for t in chosen
        ],
        columns=["network", "judged_by_itself", *SCORE_COLUMNS],
    ).set_index("network")


def curves_table(trials: Sequence[Trial]) -> pd.DataFrame:
    """Every judged point of every contender, long format (network, step, seconds, ratios) (notebook 06)."""
    return pd.concat([t.curve.assign(network=t.label) for t in trials], ignore_index=True)


def judge_images(reference: Reference, images: dict[str, Any]) -> pd.DataFrame:
    """The judged numbers of named images (for example the blends of ``baselines.py``) (notebook 06)."""
    return pd.DataFrame(
        [{"image": name} | scores_row(reference.score(image)) for name, image in images.items()]
    ).set_index("image")


def activation_entropy(features: tf.Tensor) -> float:
    """How evenly a feature map spreads over its channels, from 0 to 1 (notebook 06).

    At each position the non-negative activations are taken as a distribution over the C channels;
    its entropy, divided by log C (the entropy of an even spread), is averaged over the positions.
    Peaky maps, where a few channels carry nearly everything, score low.
    """
    activations = tf.nn.relu(tf.cast(features, tf.float32))
    channels = int(activations.shape[-1])
    total = tf.reduce_sum(activations, axis=-1, keepdims=True)
    p = activations / tf.maximum(total, 1e-12)
    entropy = -tf.reduce_sum(tf.where(p > 0, p * tf.math.log(tf.maximum(p, 1e-30)), 0.0), axis=-1)
    active = tf.squeeze(total, -1) > 0
    mean = tf.reduce_mean(tf.boolean_mask(entropy, active)) if bool(tf.reduce_any(active)) else 0.0
    return float(mean) / math.log(channels)


def entropy_table(runs: Sequence[PreparedRun], image: Any, style: Any) -> pd.DataFrame:
    """Each run's style layers' activation entropy on ``image``; for a run with the softmax fix, after
    it (each layer's temperature set on ``style``, as the loss does) (notebook 06)."""
    rows = []
    image = tf.constant(load_image(image, None))
    style = tf.constant(load_image(style, None))
    for run in runs:
        features = run.extractor(image, training=False)
        temperature = run.settings.softmax_temperature or 0.0
        scales = (
            layer_temperatures(run.extractor(style, training=False), temperature)
            if temperature
            else {}
        )
        label = Contender(run.architecture.name, run.settings.weights, temperature).label
        for depth, name in enumerate(run.settings.style_layers, start=1):
            layer = smooth_features(features[name], scales[name]) if scales else features[name]
            rows.append(
                {
                    "network": label,
                    "depth": depth,
                    "layer": name,
                    "entropy": activation_entropy(layer),
                }
            )
    return pd.DataFrame(rows)


# Notebook 07: sizes.


def fitted_exponent(x: Sequence[float], y: Sequence[float]) -> float:
    """The slope of log y against log x: y grows as x to this power (notebook 07)."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


@dataclass
class SizeTrial:
    """One size's run, or why it was skipped."""

    size: int
    result: StyleTransferResult | None
    row: dict[str, Any]


def compare_sizes(
    content: Any,
    style: Any,
    sizes: Sequence[int],
    settings: Settings,
    judge: Judge,
    style_size: int | None = None,
    measure_memory: bool = True,
    done: Sequence[SizeTrial] = (),
) -> list[SizeTrial]:
    """One pair at each size with the same step budget (notebook 07), each run under a progress
    bar, the whole estimated first.

    ``style_size``: the style image's long side in pixels whatever the content's size (the painting's
    pattern keeps its size in pixels); None scales it with the content (``settings.style_scale``).
    Photos smaller than a size are enlarged to it (``upscale``), and the table says so. A size that
    would not fit in memory here (estimated first; on a GPU, also when it runs out) is skipped with
    the reason. A size whose run is already in ``done`` with the same style size is not run again.
    """
    run = prepare_run(settings, upscale=True)
    notify(run.notice)
    photo_side = max(load_image(content, None).shape[1:3])
    planned = []
    for size in sizes:
        scale = style_size / size if style_size else run.settings.style_scale
        sized = run.updated(max_dim=size, style_scale=scale)
        content_image = load_image(content, size, True)
        style_image = load_image(style, sized.settings.style_max_dim, True)
        height, width = content_image.shape[1:3]
        row: dict[str, Any] = {
            "size": size,
            "network": f"{run.architecture.name} ({run.weights_label})",
            "precision": run.policy,
            "height": height,
            "width": width,
            "pixels": height * width,
            "photo_enlarged": size > photo_side,
            "style_px": max(style_image.shape[1:3]),
        }
        same = [t for t in done if (t.size, t.row["style_px"]) == (size, row["style_px"])]
        cost = None if same else estimate_run(sized.extractor, height, width)  # once per size
        planned.append((sized, content_image, style_image, row, cost, same[0] if same else None))
    new = [
        (f"{row['size']} px", run_seconds(cost, sized.settings.steps))
        for sized, *_, row, cost, again in planned
        if again is None
    ]
    announce(new + ([("memory", MEMORY_SECONDS * len(planned))] if measure_memory else []))
    return [size_trial(*plan, judge, measure_memory) for plan in planned]


def size_trial(
    sized: PreparedRun,
    content_image: np.ndarray,
    style_image: np.ndarray,
    row: dict[str, Any],
    cost: RunCost | None,
    again: SizeTrial | None,
    judge: Judge,
    measure_memory: bool,
) -> SizeTrial:
    """One size of :func:`compare_sizes`: its run (``again`` if done before), or why it was skipped."""
    size, steps = row["size"], sized.settings.steps
    if again is not None:
        return again
    try:
        check_run_cost(cost, steps, size)
    except NSTError as exc:
        return SizeTrial(size, None, row | {"status": f"skipped: {exc}"})
    try:
        progress = Progress(f"{size} px, style {row['style_px']} px", steps)
        result = stylize_with_controls(
            content_image, style_image, sized, callback=progress, callback_every=1
        )
    except tf.errors.ResourceExhaustedError:  # a GPU's memory, which the estimate does not see
        return SizeTrial(size, None, row | {"status": f"skipped: out of memory here at {size} px"})
    scores = judge_pair(content_image, style_image, judge).score(result.best_image)
    row |= {
        "status": result.stopped,
        "steps": len(result.history),
        "first_step_s": result.history[0]["seconds"],
        "median_step_s": result.median_step_seconds,
        "peak_memory_gib": peak_memory_gib(sized, size) if measure_memory else math.nan,
        **scores_row(scores),
    }
    return SizeTrial(size, result, row)


def sizes_table(trials: Sequence[SizeTrial]) -> pd.DataFrame:
    """One row per size of notebook 07's comparison: time, memory and judged quality."""
    return pd.DataFrame([t.row for t in trials]).set_index("size")


def crop_region(image: Any, box: tuple[float, float, float, float]) -> np.ndarray:
    """The region ``box`` = (top, left, bottom, right), as fractions of the height and width, of an
    image: the same part of the picture whatever its size (notebook 07)."""
    image = load_image(image, None)
    height, width = image.shape[1:3]
    top, left, bottom, right = box
    return image[
        :,
        int(top * height) : max(int(bottom * height), int(top * height) + 1),
        int(left * width) : max(int(right * width), int(left * width) + 1),
    ]


def busiest_box(image: Any, fraction: float = 0.3) -> tuple[float, float, float, float]:
    """The box, ``fraction`` of the height and of the width, where ``image`` has the most detail
    (the largest sum of differences between neighbouring pixels), as ``crop_region`` takes it:
    crops show the texture, not the sky (notebook 07)."""
    grey = load_image(image, 256)[0].mean(axis=-1)
    detail = np.zeros_like(grey)
    detail[1:, :] += np.abs(np.diff(grey, axis=0))
    detail[:, 1:] += np.abs(np.diff(grey, axis=1))
    height, width = grey.shape
    tall, wide = max(1, int(height * fraction)), max(1, int(width * fraction))
    sums = np.pad(detail.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    window = sums[tall:, wide:] - sums[:-tall, wide:] - sums[tall:, :-wide] + sums[:-tall, :-wide]
    top, left = np.unravel_index(int(np.argmax(window)), window.shape)
    return (top / height, left / width, (top + tall) / height, (left + wide) / width)


@dataclass
class Race:
    """Coarse-to-fine against a direct run at the top size, with the same wall time."""

    direct: StyleTransferResult
    stages: list[StyleTransferResult]
    table: pd.DataFrame


def coarse_to_fine(
    content: Any,
    style: Any,
    settings: Settings,
    judge: Judge,
    seconds: float,
    stage_sizes: Sequence[int],
    stage_shares: Sequence[float],
) -> Race:
    """Stylize small, enlarge the result, go on at the next size (Gatys et al (notebook 07). 2017; jcjohnson's
    multi-resolution recipe), against a direct run at the last size; both get ``seconds`` of
    optimization (each stage ``seconds`` times its share) and are judged at the last size.

    The painting keeps its size relative to the picture (``settings.style_scale``) at every stage,
    so the last stage and the direct run optimize exactly the same loss.
    """
    if len(stage_sizes) != len(stage_shares) or not stage_sizes:
        raise NSTError("give one share of the time per stage size, for at least one stage")
    if not math.isclose(sum(stage_shares), 1.0, rel_tol=1e-6):
        raise NSTError(f"the stage shares add up to {sum(stage_shares):g}; make them add up to 1")
    top = stage_sizes[-1]
    run = prepare_run(settings, upscale=True, steps=100_000, max_dim=top)
    notify(run.notice)
    content_top = load_image(content, top, True)
    reference = judge_pair(content_top, load_image(style, run.settings.style_max_dim, True), judge)

    announce([("direct", seconds), ("coarse-to-fine", seconds)])  # both stop on time
    bar = Progress(f"direct, {top} px")
    direct = stylize_with_controls(content_top, style, run, bar, 1, max_seconds=seconds)
    stages, start = [], None
    for size, share in zip(stage_sizes, stage_shares):
        stage = stylize_with_controls(
            load_image(content, size, True),
            style,
            run.updated(max_dim=size),
            Progress(f"coarse-to-fine, {size} px"),
            1,
            max_seconds=seconds * share,
            start_image=start,
        )
        stages.append(stage)
        start = stage.best_image
    rows = []
    for name, result, plan in (
        ("direct", direct, f"{top} px"),
        ("coarse-to-fine", stages[-1], " -> ".join(f"{s} px" for s in stage_sizes)),
    ):
        results = [result] if name == "direct" else stages
        rows.append(
            {
                "run": name,
                "plan": plan,
                "steps": " + ".join(str(len(r.history)) for r in results),
                "seconds": sum(sum(row["seconds"] for row in r.history) for r in results),
                **scores_row(reference.score(result.best_image)),
            }
        )
    return Race(direct, stages, pd.DataFrame(rows).set_index("run"))
