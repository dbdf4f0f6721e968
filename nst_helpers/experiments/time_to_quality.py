"""Time to quality: how long each optimizer takes to reach the picture the course's default run
reaches (taught in notebook 08; a table of ``make bench``).

The bar is what the reference, the plain Adam loop of notebook 05 (eager, the course's default
settings), reaches after its steps at the chosen size, judged by the common judge (notebook 06):
its best image's style ratio and content ratio. Each method is then run on the same pair and size,
judged every few steps (judging is not counted in its time), and stopped as soon as *both* ratios
are at or under the bar. Its time is the optimizer's own wall time until then, tracing included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
import pandas as pd

from nst_helpers.controls.stylize import stylize_with_controls
from nst_helpers.core.images import load_image
from nst_helpers.core.optimize import StyleTransferResult
from nst_helpers.core.prepare import PreparedRun, prepare_run
from nst_helpers.core.settings import Settings
from nst_helpers.experiments.compare import EAGER_FACTOR, run_seconds
from nst_helpers.experiments.judge import Reference, judge_pair, make_judge
from nst_helpers.experiments.waiting import Progress, announce
from nst_helpers.plumbing.estimate import estimate_run
from nst_helpers.plumbing.notices import notify


@dataclass(frozen=True)
class Method:
    """One way to optimize: changes to the settings, and an optional coarse first stage."""

    name: str
    changes: dict[str, Any]
    coarse_size: int | None = None  # a first stage at this long side, its result enlarged
    coarse_steps: int = 0
    judge_every: int = 10


def methods(coarse_size: int, adam_coarse: int, lbfgs_coarse: int) -> list[Method]:
    """The reference first, then the package's compiled Adam, L-BFGS, coarse-to-fine with each (notebook 08)."""
    return [
        Method("Adam, eager (reference)", {"optimizer": "adam", "step_mode": "eager"}),
        Method("Adam, compiled", {"optimizer": "adam", "step_mode": "function"}),
        Method("L-BFGS", {"optimizer": "lbfgs", "step_mode": "function"}, judge_every=5),
        Method(
            f"Adam, coarse-to-fine ({coarse_size} px first)",
            {"optimizer": "adam", "step_mode": "function"},
            coarse_size,
            adam_coarse,
        ),
        Method(
            f"L-BFGS, coarse-to-fine ({coarse_size} px first)",
            {"optimizer": "lbfgs", "step_mode": "function"},
            coarse_size,
            lbfgs_coarse,
            judge_every=5,
        ),
    ]


@dataclass
class Attempt:
    """One method's run towards the bar."""

    method: Method
    seconds: float  # optimizer time until the bar was reached (math.inf if it was not)
    steps: int
    result: StyleTransferResult
    style_ratio: float
    content_ratio: float


def seconds_until(result: StyleTransferResult, step: int) -> float:
    """The optimizer's own time in a run up to and including ``step`` (its steps' or iterations')."""
    return float(sum(row["seconds"] for row in result.history if row["step"] <= step))


def attempt(
    method: Method,
    run: PreparedRun,
    content: Any,
    style: Any,
    reference: Reference,
    bar: tuple[float, float] | None,
    max_seconds: float | None = None,
) -> tuple[Attempt, list[tuple[int, float, float]]]:
    """Run ``method``, judged every ``judge_every`` steps, until its image is at or under the bar
    (style, content) or time is up; with no bar, run all its steps. Returns the attempt and the
    judged points (step, style ratio, content ratio)."""
    spent, start = 0.0, None
    if method.coarse_size:
        coarse = stylize_with_controls(
            content,
            style,
            run.updated(**method.changes, max_dim=method.coarse_size, steps=method.coarse_steps),
        )
        spent, start = seconds_until(coarse, method.coarse_steps), coarse.best_image
    reached: list[int] = []
    points: list[tuple[int, float, float]] = []

    def judge(step: int, image: Any, losses: Any) -> None:
        scores = reference.score(image.numpy())
        points.append((step, scores.style_ratio, scores.content_ratio))
        if bar and scores.style_ratio <= bar[0] and scores.content_ratio <= bar[1]:
            reached.append(step)

    steps = run.settings.steps if bar is None else 10 * run.settings.steps  # time decides
    result = stylize_with_controls(
        content,
        style,
        run.updated(**method.changes, max_dim=run.settings.max_dim, steps=steps),
        callback=Progress(method.name, None if bar else steps, judge, method.judge_every),
        callback_every=1,
        max_seconds=None if max_seconds is None else max(max_seconds - spent, 1.0),
        start_image=start,
        stop=lambda: bool(reached),
    )
    step = reached[0] if reached else None
    seconds = spent + seconds_until(result, step) if step is not None else math.inf
    last = points[-1] if points else (0, math.nan, math.nan)
    done = Attempt(
        method,
        seconds,
        (step or last[0]) + method.coarse_steps,
        result,
        last[1],
        last[2],
    )
    return done, points


def time_to_quality(
    content: Any,
    style: Any,
    settings: Settings,
    plan: Sequence[Method] | None = None,
    budget: float = 1.0,
    coarse_size: int = 256,
) -> tuple[pd.DataFrame, tuple[float, float], list[Attempt]]:
    """The table: each method's seconds to the bar and their ratio to the reference's (notebook 08).

    ``settings``: the reference run (``plan[0]``, its ``steps`` at ``max_dim``), whose last judged
    image sets the bar; its time is the first judged step at the bar. Other methods may take up to
    ``budget`` times the reference's whole run before they count as not reaching it (a method
    slower than the reference is not what the table looks for).
    """
    run = prepare_run(settings, upscale=True)
    notify(run.notice)
    photo = load_image(content, run.settings.max_dim, True)
    painting = load_image(style, run.settings.style_max_dim, True)
    reference = judge_pair(photo, painting, make_judge())
    plan = list(plan) if plan is not None else methods(coarse_size, 100, 30)
    estimate = estimate_run(run.extractor, *photo.shape[1:3])
    first_seconds = run_seconds(estimate, run.settings.steps) * EAGER_FACTOR
    others = [(m.name.split(" (")[0], budget * first_seconds) for m in plan[1:]]
    announce([(plan[0].name.split(" (")[0], first_seconds), *others], "at most")

    first, points = attempt(plan[0], run, photo, painting, reference, None)
    bar = (points[-1][1], points[-1][2])
    at_bar = next(step for step, s, c in points if s <= bar[0] and c <= bar[1])
    first.seconds, first.steps = seconds_until(first.result, at_bar), at_bar
    limit = budget * seconds_until(first.result, run.settings.steps)
    print(f"{plan[0].name}: the bar at step {at_bar}, {first.seconds:.1f} s", flush=True)
    attempts = [first]
    for method in plan[1:]:
        attempts.append(attempt(method, run, photo, painting, reference, bar, limit)[0])
        seconds = attempts[-1].seconds
        took = f"{seconds:.1f} s" if math.isfinite(seconds) else f"not reached in {limit:.0f} s"
        print(f"{method.name}: {took}", flush=True)
    base = first.seconds
    rows = [
        {
            "method": a.method.name,
            "seconds to the bar": a.seconds,
            "x reference": a.seconds / base,
            "steps or iterations": a.steps if math.isfinite(a.seconds) else None,
            "style ratio": a.style_ratio,
            "content ratio": a.content_ratio,
        }
        for a in attempts
    ]
    return pd.DataFrame(rows).set_index("method"), bar, attempts


def reference_settings(base: Settings, size: int, steps: int) -> Settings:
    """The reference run of the table: the course's defaults at ``size`` px for ``steps`` steps (notebook 08)."""
    return replace(base, max_dim=size, steps=steps, optimizer="adam", step_mode="eager")


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
