"""L-BFGS on the pixels, the paper's optimizer, with SciPy (taught in notebook 08).

SciPy's L-BFGS-B gets the run's loss and its gradient from one compiled TensorFlow function (float64
on SciPy's side, float32 on TensorFlow's) and the [0, 1] bounds of every pixel, so no clipping is
needed. One *iteration* may evaluate the function more than once (its line search); the history
counts both. Stopping (the Stop button, Ctrl-C, a time limit) ends the run after the current
iteration, keeping the best image seen.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import tensorflow as tf

from nst_helpers.core.losses import total_loss
from nst_helpers.core.optimize import Callback, StyleTransferResult, loss_targets
from nst_helpers.core.prepare import PreparedRun
from nst_helpers.core.settings import Settings
from nst_helpers.plumbing.signals import StopRules

LossFunction = Callable[[tf.Tensor], dict[str, tf.Tensor]]
"""The loss of a run as a function of the image: ``{"content", "style", "tv", "total", "style:<layer>"}``."""


def make_loss(extractor: Any, settings: Settings, content: tf.Tensor, style: Any) -> LossFunction:
    """The run's loss as a function of the image, its targets computed once (notebook 05)."""
    targets = loss_targets(extractor, settings, content, style)
    return lambda image: total_loss(extractor(image, training=False), image, **targets)


@dataclass
class Outcome:
    """What an L-BFGS run leaves: the same fields the Adam loop fills in ``optimize.stylize``."""

    image: np.ndarray
    best_image: np.ndarray
    best_step: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    stopped: str = "finished"
    message: str | None = None
    interrupted_by: int | None = None


class _NotFinite(Exception):
    """The loss or its gradient became NaN or infinite."""


def value_and_gradient(
    loss: Callable[[tf.Tensor], dict[str, tf.Tensor]], compiled: bool = True
) -> Callable[[tf.Tensor], tuple[dict[str, tf.Tensor], tf.Tensor]]:
    """``image -> (loss terms, gradient of the total)``, compiled with ``tf.function`` by default."""

    def evaluate(image: tf.Tensor) -> tuple[dict[str, tf.Tensor], tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(image)
            losses = loss(image)
        return losses, tape.gradient(losses["total"], image)

    return tf.function(evaluate) if compiled else evaluate


def minimize_lbfgs(
    loss: Callable[[tf.Tensor], dict[str, tf.Tensor]],
    start: tf.Tensor,
    iterations: int,
    callback: Callable[[int, Any, dict[str, float]], None] | None = None,
    callback_every: int = 10,
    should_stop: Callable[[list], str | None] | None = None,
    compiled: bool = True,
) -> Outcome:
    """Run up to ``iterations`` L-BFGS-B iterations from ``start`` within [0, 1].

    ``should_stop(history)`` is asked after each iteration; a non-empty answer ("stopped",
    "interrupted", "time limit", "flattened") ends the run with that as ``Outcome.stopped``.
    """
    from scipy.optimize import Bounds, minimize

    shape = tuple(start.shape)
    evaluate = value_and_gradient(loss, compiled)
    best = {"total": math.inf, "x": np.asarray(start, np.float64).ravel(), "iteration": 0}
    last: dict[str, Any] = {}
    outcome = Outcome(image=np.asarray(start), best_image=np.asarray(start))
    state = {"evaluations": 0, "clock": time.perf_counter()}

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        image = tf.constant(x.reshape(shape), tf.float32)
        losses, gradient = evaluate(image)
        values = {name: float(value) for name, value in losses.items()}
        gradient = np.asarray(gradient, np.float64).ravel()
        state["evaluations"] += 1
        if not (math.isfinite(values["total"]) and np.isfinite(gradient).all()):
            raise _NotFinite
        last.update(values=values, x=x)
        if values["total"] < best["total"]:
            best.update(total=values["total"], x=x.copy(), iteration=len(outcome.history) + 1)
        return values["total"], gradient

    def on_iteration(intermediate_result: Any) -> None:
        row = {
            "step": len(outcome.history) + 1,
            **last["values"],
            "evaluations": state["evaluations"],
            "seconds": time.perf_counter() - state["clock"],  # the iteration's own time
        }
        outcome.history.append(row)
        step = row["step"]
        if callback is not None and (step % callback_every == 0 or step == iterations):
            image = tf.constant(intermediate_result.x.reshape(shape), tf.float32)
            callback(step, image, last["values"])
        reason = should_stop(outcome.history) if should_stop is not None else None
        if reason:
            outcome.stopped = reason
            raise StopIteration
        state["clock"] = time.perf_counter()  # the callback's time is not the optimizer's

    x0 = np.asarray(start, np.float64).ravel()
    try:
        result = minimize(
            fun,
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=Bounds(0.0, 1.0),
            callback=on_iteration,
            options={
                "maxiter": iterations,
                "maxfun": 20 * iterations + 20,
                "ftol": 0.0,
                "gtol": 0.0,
            },
        )
        final = result.x
    except _NotFinite:
        outcome.stopped = "not finite"
        final = best["x"]
    except KeyboardInterrupt:  # Ctrl-C where no signal handler could be installed
        outcome.stopped = "interrupted"
        final = best["x"]
    outcome.image = final.reshape(shape).astype(np.float32)
    outcome.best_image = best["x"].reshape(shape).astype(np.float32)
    outcome.best_step = int(best["iteration"])
    return outcome


def lbfgs_loop(
    loss: LossFunction,
    start: tf.Tensor,
    run: PreparedRun,
    callback: Callback | None = None,
    callback_every: int = 10,
    rules: StopRules | None = None,
) -> StyleTransferResult:
    """:func:`~nst_helpers.core.optimize.adam_loop`'s counterpart with SciPy's L-BFGS-B: ``steps``
    counts iterations; stopping, time limits, Ctrl-C and NaN behave as in the Adam loop."""
    settings, rules = run.settings, rules or StopRules()
    try:
        outcome = minimize_lbfgs(
            loss,
            start,
            settings.steps,
            callback,
            callback_every,
            rules.reason,
            compiled=settings.step_mode != "eager",
        )
    finally:
        close = getattr(callback, "close", None)
        if close is not None:
            close()
    done = len(outcome.history)
    message = None
    if outcome.stopped == "not finite":
        message = (
            f"the loss or its gradient became NaN or infinite at iteration {done + 1}; kept the best "
            "image; lower the loss weights"
        )
    elif outcome.stopped != "finished":
        message = rules.message(outcome.stopped, done, settings.steps, "iterations")
    return StyleTransferResult(
        outcome.image,
        outcome.best_image,
        outcome.best_step,
        outcome.history,
        run,
        outcome.stopped,
        message,
        rules.signum,
    )
