"""Time to quality: how long each method takes to reach the picture the course's default run
reaches (taught in notebook 08; a table of ``make bench``).

The bar is the default run's picture (its best image), judged by the common judge (notebook 06):
its style ratio, content ratio and palette distance. Each other method runs on the same pair and
size, judged every few steps (judging is not counted in its time), and stops as soon as all three
are at or under the bar. Its time is the optimizer's own wall time until then, tracing included.
Times are compared with what the loop of TensorFlow's style transfer tutorial (a compiled float32
Adam step, ``benchmark.reference``) takes for the default's steps on the same images: a few of its
steps are timed, the rest counted at their median. The eager step of notebook 05 is timed the same
way, for the default's steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
import pandas as pd
import tensorflow as tf

from nst_helpers.controls.stylize import stylize_with_controls
from nst_helpers.core.color import match_color
from nst_helpers.core.images import load_image
from nst_helpers.core.optimize import StyleTransferResult
from nst_helpers.core.prepare import PreparedRun, prepare_run
from nst_helpers.core.settings import Settings
from nst_helpers.experiments.benchmark.reference import reference_times
from nst_helpers.experiments.judge import Reference, Scores, judge_pair, make_judge
from nst_helpers.experiments.waiting import Progress, announce, step_seconds
from nst_helpers.plumbing.notices import notify
from nst_helpers.plumbing.signals import flattened

DEFAULT_METHOD = "Adam (the default)"
TUTORIAL = "TensorFlow tutorial's loop (compiled, float32)"
EAGER = "Adam, eager (notebook 05)"
TIMED_STEPS = 6  # steps timed of the tutorial's loop and of the eager step (the first traces)


@dataclass(frozen=True)
class Method:
    """One way to reach the default's picture: changes to the settings (``steps`` among them), and
    an optional coarse first stage whose result, enlarged, is the start."""

    name: str
    changes: dict[str, Any]
    coarse_size: int | None = None  # a first stage at this long side, its result enlarged
    coarse_steps: int = 0
    detail: bool = False  # the detail that enlarging lost, added back from the recoloured photo
    judge_every: int = 10


def methods(settings: Settings) -> list[Method]:
    """The default run first (its picture is the bar), then the ways tried to reach it sooner
    (notebook 08): Adam with a larger learning rate decayed over a third of the steps, L-BFGS with
    the style weighted so that it lands where Adam does, and coarse-to-fine with the photo's detail
    added back. ``settings``: the default run's, checked on its architecture."""
    steps, size = settings.steps, settings.max_dim
    third, half = max(steps // 3, 1), max(steps // 2, 1)
    return [
        Method(DEFAULT_METHOD, {}),
        Method(
            f"Adam, rate x2, {third} steps",
            {"learning_rate": min(2 * settings.learning_rate, 1.0), "steps": third},
        ),
        Method(
            f"L-BFGS, style x2, {third} iterations",
            {"optimizer": "lbfgs", "style_weight": 2 * settings.style_weight, "steps": third},
            judge_every=5,
        ),
        Method(
            f"coarse-to-fine, {half} steps at {size // 2} px",
            {},
            size // 2,
            half,
            detail=True,
        ),
    ]


@dataclass
class Attempt:
    """One method's run towards the bar."""

    method: Method
    seconds: float  # optimizer time until the bar was reached (math.inf if it was not)
    steps: int
    result: StyleTransferResult
    scores: Scores  # the default's best picture's; another's when it reached the bar or stopped


@dataclass(frozen=True)
class TimeToQuality:
    """What :func:`time_to_quality` measured: the table, the bar (style ratio, content ratio,
    palette distance), each method's attempt (the default's first) and the tutorial loop's time."""

    table: pd.DataFrame
    bar: tuple[float, float, float]
    attempts: list[Attempt]
    tutorial_seconds: float


def seconds_until(result: StyleTransferResult, step: int) -> float:
    """The optimizer's own time in a run up to and including ``step`` (its steps' or iterations')."""
    return float(sum(row["seconds"] for row in result.history if row["step"] <= step))


def resized(image: np.ndarray, size: Sequence[int]) -> np.ndarray:
    """``image`` brought to ``size`` (height, width), antialiased, within [0, 1]."""
    return np.clip(tf.image.resize(image, size, method="bicubic", antialias=True).numpy(), 0, 1)


def enlarged_with_detail(coarse: np.ndarray, photo: np.ndarray, painting: np.ndarray) -> np.ndarray:
    """A coarse stage's picture enlarged to the photo's size, plus the detail enlarging loses: the
    photo recoloured to the painting minus itself shrunk to the coarse size and enlarged (notebook 08)."""
    size = photo.shape[1:3]
    recoloured = match_color(photo, painting)
    lost = recoloured - resized(resized(recoloured, coarse.shape[1:3]), size)
    return np.clip(resized(coarse, size) + lost, 0.0, 1.0)


def at_bar(scores: Scores, bar: Sequence[float] | None) -> bool:
    """True when a judged picture is at or under the bar on all three measures."""
    measured = (scores.style_ratio, scores.content_ratio, scores.palette_distance)
    return bar is not None and all(m <= b for m, b in zip(measured, bar))


def attempt(
    method: Method,
    run: PreparedRun,
    photo: np.ndarray,
    painting: np.ndarray,
    reference: Reference,
    bar: Sequence[float] | None,
    max_seconds: float | None = None,
) -> Attempt:
    """Run ``method``, judged every ``judge_every`` steps, until its picture is at or under the bar or
    time is up; with no bar, run all its steps and judge its best picture."""
    spent, start = 0.0, None
    if method.coarse_size:
        changes = {**method.changes, "max_dim": method.coarse_size, "steps": method.coarse_steps}
        small = run.updated(**changes)
        sizes = (small.settings.max_dim, small.settings.style_max_dim)
        coarse = stylize_with_controls(*map(load_image, (photo, painting), sizes), small)
        spent, start = seconds_until(coarse, method.coarse_steps), coarse.best_image
        if method.detail:
            start = enlarged_with_detail(start, photo, painting)
    reached: list[int] = []
    judged: list[Scores] = []

    def judge(step: int, image: Any, losses: Any) -> None:
        judged.append(reference.score(image.numpy()))
        if at_bar(judged[-1], bar):
            reached.append(step)

    own = run.updated(**method.changes)
    result = stylize_with_controls(
        photo,
        painting,
        own,
        callback=Progress(
            method.name, own.settings.steps, judge if bar else None, method.judge_every
        ),
        callback_every=1,
        max_seconds=None if max_seconds is None else max(max_seconds - spent, 1.0),
        start_image=start,
        stop=lambda: bool(reached),
    )
    if bar is None:  # the default: its picture is its best image
        judged.append(reference.score(result.best_image))
    elif not reached:  # its picture when time ran out
        judged.append(reference.score(result.image))
    step = reached[0] if reached else None
    seconds = spent + seconds_until(result, step) if step is not None else math.inf
    steps = (step or len(result.history)) + method.coarse_steps
    return Attempt(method, seconds, steps, result, judged[-1])


def tutorial_seconds(run: PreparedRun, photo: np.ndarray, painting: np.ndarray) -> float:
    """What the tutorial's loop (``benchmark.reference``) takes for the run's steps on these images:
    its first step (tracing) plus the median of ``TIMED_STEPS`` more for each of the rest."""
    times = reference_times(
        run.architecture.name, run.settings.max_dim, TIMED_STEPS, math.inf, (photo, painting)
    )
    return times[0] + float(np.median(times[1:])) * (run.settings.steps - 1)


def eager_seconds(run: PreparedRun, photo: np.ndarray, painting: np.ndarray, steps: int) -> float:
    """Notebook 05's eager Adam step for ``steps`` steps: the first timed step plus the median of
    ``TIMED_STEPS`` more for each of the rest."""
    timed = stylize_with_controls(
        photo, painting, run.updated(step_mode="eager", steps=TIMED_STEPS + 1)
    )
    times = [row["seconds"] for row in timed.history]
    return times[0] + float(np.median(times[1:])) * (steps - 1)


def time_to_quality(
    content: Any,
    style: Any,
    settings: Settings,
    plan: Sequence[Method] | None = None,
    budget: float = 0.5,
) -> TimeToQuality:
    """The table: each method's seconds to the default's picture and their ratio to the tutorial
    loop's time for the same run (notebook 08).

    ``settings``: the default run (``plan[0]``, :func:`methods`' by default, its ``steps`` at
    ``max_dim``), whose best picture, judged, is the bar. The other methods may take up to
    ``budget`` times the tutorial loop's time before they count as not reaching it.
    """
    run = prepare_run(settings, upscale=True)
    notify(run.notice)
    photo = load_image(content, run.settings.max_dim, True)
    painting = load_image(style, run.settings.style_max_dim, True)
    reference = judge_pair(photo, painting, make_judge())
    plan = list(plan) if plan is not None else methods(run.settings)
    estimate = step_seconds(run, *photo.shape[1:3])
    whole = estimate * run.settings.steps
    announce([("the tutorial's loop, timed", estimate * 3 * TIMED_STEPS), (plan[0].name, whole)])
    announce([(m.name.split(",")[0], budget * whole) for m in plan[1:]], "at most")
    tutorial = tutorial_seconds(run, photo, painting)
    first = attempt(plan[0], run, photo, painting, reference, None)
    bar = (first.scores.style_ratio, first.scores.content_ratio, first.scores.palette_distance)
    first.seconds = seconds_until(first.result, len(first.result.history))
    eager = eager_seconds(run, photo, painting, first.steps)
    print(
        f"{plan[0].name}: {first.seconds:.1f} s; the tutorial's loop: {tutorial:.1f} s", flush=True
    )
    attempts = [first]
    for method in plan[1:]:
        attempts.append(attempt(method, run, photo, painting, reference, bar, budget * tutorial))
        seconds = attempts[-1].seconds
        took = (
            f"{seconds:.1f} s"
            if math.isfinite(seconds)
            else f"not within {budget * tutorial:.0f} s"
        )
        print(f"{method.name}: {took}", flush=True)
    rows = [
        {"method": TUTORIAL, "seconds to the bar": tutorial, "steps or iterations": first.steps}
    ]
    rows.append({"method": EAGER, "seconds to the bar": eager, "steps or iterations": first.steps})
    for a in attempts:
        rows.append(
            {
                "method": a.method.name,
                "seconds to the bar": a.seconds,
                "steps or iterations": a.steps if math.isfinite(a.seconds) else None,
                "style ratio": a.scores.style_ratio,
                "content ratio": a.scores.content_ratio,
                "palette distance": a.scores.palette_distance,
            }
        )
    table = pd.DataFrame(rows).set_index("method")
    table.insert(1, "x tutorial loop", table["seconds to the bar"] / tutorial)
    return TimeToQuality(table, bar, attempts, tutorial)


def stop_rule_steps(
    result: StyleTransferResult, plateaus: Sequence[float]
) -> dict[float, int | None]:
    """The step at which the stop rule (:func:`~nst_helpers.plumbing.signals.flattened`) would have ended
    ``result``'s run, for each tolerance (None: it would have run every step) (notebook 08)."""
    lowest = list(np.minimum.accumulate([row["total"] for row in result.history]))
    return {
        plateau: next((n for n in range(1, len(lowest)) if flattened(lowest[:n], plateau)), None)
        for plateau in plateaus
    }


def default_settings(base: Settings, size: int, steps: int) -> Settings:
    """The default run of the table: ``base`` at ``size`` px for ``steps`` steps, float32, with the
    compiled step (notebook 08)."""
    return replace(base, max_dim=size, steps=steps, step_mode="function", precision="float32")


def optimizers_compared(adam: pd.DataFrame, lbfgs: pd.DataFrame) -> list[str]:
    """What one Adam run and one L-BFGS run of the same loss show, as sentences from their
    histories: where L-BFGS first went below Adam's lowest loss so far per iteration, per
    evaluation and per second, and what an iteration costs (notebook 08)."""
    lines, adam_best = [], np.minimum.accumulate(adam["total"].to_numpy())
    for axis, at_adam, at_lbfgs, when in (
        ("iteration", adam["step"], lbfgs["step"], "at iteration {:.0f}"),
        ("evaluation", adam["step"], lbfgs["evaluations"], "after {:.0f} evaluations"),
        ("second", adam["seconds"].cumsum(), lbfgs["seconds"].cumsum(), "after {:.1f} s"),
    ):
        before = np.searchsorted(at_adam.to_numpy(), at_lbfgs.to_numpy(), side="right") - 1
        inside = (before >= 0) & (at_lbfgs.to_numpy() <= at_adam.iloc[-1])
        below = inside & (lbfgs["total"].to_numpy() < adam_best[np.maximum(before, 0)])
        first = when.format(at_lbfgs.iloc[np.argmax(below)]) if below.any() else "never"
        lines.append(f"per {axis}: L-BFGS first below Adam's lowest loss so far: {first}")
    per_iteration = lbfgs["evaluations"].iloc[-1] / len(lbfgs)
    lines.append(
        f"an L-BFGS iteration: {per_iteration:.2f} evaluations, {lbfgs['seconds'].median():.3f} s; "
        f"an Adam step: {adam['seconds'].median():.3f} s"
    )
    return lines
