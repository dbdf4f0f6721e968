"""Adam on the pixels under eager execution, the loop of Gatys-style transfer (taught in notebook 05).

The loop is plain eager TensorFlow: a ``tf.GradientTape`` records one forward pass, the gradient of
the total loss with respect to the image goes to Adam, and the pixels are clipped back to [0, 1].
``step_mode="function"`` compiles the same step with ``tf.function`` (``"xla"`` adds
``jit_compile=True``); the Python loop around it stays the same.
"""

from __future__ import annotations

import math
import signal
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from nst_helpers.controls.lbfgs import minimize_lbfgs
from nst_helpers.core.color import grey, luminance_pair, match_color, with_content_colors
from nst_helpers.core.images import MIN_SIDE, load_image
from nst_helpers.core.losses import (
    gram_matrix,
    layer_temperatures,
    smooth_features,
    style_layer_weights,
    total_loss,
)
from nst_helpers.core.prepare import PreparedRun, prepare_run
from nst_helpers.core.settings import Settings
from nst_helpers.plumbing.signals import signal_of, stop_between_steps

Callback = Callable[[int, Any, Mapping[str, float]], None]
"""Called as ``callback(step, image, losses)`` every N steps and after the last one."""


@dataclass
class StyleTransferResult:
    """What a run returns: the last and the best image, and a per-step history."""

    image: np.ndarray
    best_image: np.ndarray
    best_step: int
    history: list[dict[str, float]]
    run: PreparedRun
    # or "interrupted" (Ctrl-C or a signal), "not finite" (NaN or Inf loss), "time limit", "stopped"
    stopped: str = "finished"
    message: str | None = None
    interrupted_by: int | None = None  # the signal that stopped the run (SIGINT for Ctrl-C)

    @property
    def settings(self) -> Settings:
        """The checked settings the run used."""
        return self.run.settings

    @property
    def final_losses(self) -> dict[str, float]:
        """The loss terms of the last step that was evaluated."""
        return (
            {k: v for k, v in self.history[-1].items() if k not in ("step", "seconds")}
            if self.history
            else {}
        )

    @property
    def median_step_seconds(self) -> float:
        """Median wall time of a step, leaving out the first (which traces or warms up)."""
        times = [row["seconds"] for row in self.history[1:]] or [
            row["seconds"] for row in self.history
        ]
        return float(np.median(times)) if times else math.nan


def initial_image(content: tf.Tensor, style: tf.Tensor, init: str, seed: int | None) -> tf.Tensor:
    """The starting image: the content image recoloured to the style's mean colour and colour
    covariance (``"recolored"``), the content image, the style image resized to it, or uniform noise.

    Starting in the painting's palette lets the style loss spend its steps on strokes instead of
    repainting every pixel's colour, which Adam does pixel by pixel and unevenly (rainbow noise).
    """
    if init == "recolored":
        return tf.constant(match_color(content.numpy(), style.numpy()))
    if init == "content":
        return tf.identity(content)
    if init == "style":
        return tf.image.resize(style, tf.shape(content)[1:3], method="bilinear", antialias=True)
    return tf.random.stateless_uniform(tf.shape(content), seed=[seed or 0, 0], dtype=tf.float32)


LossFunction = Callable[[tf.Tensor], dict[str, tf.Tensor]]
"""The loss of a run as a function of the image: ``{"content", "style", "tv", "total", "style:<layer>"}``."""


def make_loss(
    extractor: keras.Model,
    settings: Settings,
    content: tf.Tensor,
    style: tf.Tensor | Sequence[tf.Tensor],
) -> LossFunction:
    """The run's loss as a function of the image. The targets (content feature maps, style Gram
    matrices, one forward pass each) and the style layers' weights are computed once, here. With a
    ``softmax_temperature``, every feature map is smoothed first (``losses.smooth_features``).
    Several styles give one Gram target per layer, their weighted mean (``settings.style_blend``,
    equal weights by default; notebook 08)."""
    styles = list(style) if isinstance(style, (list, tuple)) else [style]
    blend = settings.blend_for(len(styles))
    raw_styles = [extractor(s, training=False) for s in styles]  # one forward pass each
    raw_style = raw_styles[0]
    temperatures = (
        layer_temperatures(raw_style, settings.softmax_temperature)
        if settings.softmax_temperature
        else {}
    )

    def smoothed(features: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        if temperatures:
            return {name: smooth_features(f, temperatures[name]) for name, f in features.items()}
        return features

    def features_of(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return smoothed(extractor(image, training=False))

    content_features = features_of(content)
    style_features = [smoothed(raw) for raw in raw_styles]
    content_targets = {
        name: tf.cast(content_features[name], tf.float32) for name in settings.content_layers
    }
    style_targets = {
        name: tf.add_n([w * gram_matrix(f[name]) for w, f in zip(blend, style_features)])
        for name in settings.style_layers
    }
    layer_weights = style_layer_weights(
        style_targets, settings.style_balance, settings.style_layer_weights
    )

    def loss(image: tf.Tensor) -> dict[str, tf.Tensor]:
        return total_loss(
            features_of(image),
            image,
            content_targets,
            style_targets,
            settings.content_weight,
            settings.style_weight,
            settings.tv_weight,
            layer_weights,
        )

    return loss


def make_train_step(
    loss: LossFunction, optimizer: keras.optimizers.Optimizer, step_mode: str
) -> Callable[[tf.Variable], tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]]:
    """One whole step: losses, gradient, Adam update and clipping, eager or compiled as a unit.

    Returns ``(losses, finite, previous)``: the loss terms of the image *before* the update, whether
    the loss and the gradient were finite, and that image itself (so the loop can keep the best one,
    or put it back when the step went wrong).
    """

    def train_step(image: tf.Variable) -> tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            losses = loss(image)
        gradient = tape.gradient(losses["total"], image)
        finite = tf.math.logical_and(
            tf.math.is_finite(losses["total"]), tf.reduce_all(tf.math.is_finite(gradient))
        )
        previous = tf.identity(image)
        optimizer.apply_gradients([(gradient, image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return losses, finite, previous

    if step_mode == "eager":
        return train_step
    return tf.function(train_step, jit_compile=step_mode == "xla")


LR_FLOOR = 1 / 3
"""The cosine schedule's last learning rate, as a fraction of the first."""


def make_optimizer(settings: Settings) -> keras.optimizers.Optimizer:
    """Adam on the pixels (notebook 05): ``adam_beta_1`` (0.9 by default; TensorFlow's tutorial's
    0.99 carries so much momentum that the loss overshoots and rises again), the tutorial's large
    epsilon (0.1: pixels whose gradient is tiny move little, which keeps flat areas clean), and
    ``learning_rate`` held (``lr_schedule="constant"``) or lowered along a cosine to a third of it
    by the last step (``"cosine"``), so the last steps refine instead of oscillating."""
    rate: Any = settings.learning_rate
    if settings.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            settings.learning_rate, max(settings.steps - 1, 1), alpha=LR_FLOOR
        )
    return keras.optimizers.Adam(learning_rate=rate, beta_1=settings.adam_beta_1, epsilon=1e-1)


@dataclass
class StopRules:
    """Why a run ends before its last step, asked between Adam steps or L-BFGS iterations: a signal
    (Ctrl-C, SIGTERM), the caller's ``stop`` (the playground's Stop button) or the time limit."""

    stop_requested: Callable[[], int | None] = lambda: None
    stop: Callable[[], bool] | None = None
    max_seconds: float | None = None
    signum: int | None = None  # the signal that stopped the run
    started: float = field(default_factory=time.perf_counter)

    def reason(self, done: int = 1) -> str | None:
        """ "interrupted", "stopped", "time limit", or None to go on (after at least one step)."""
        received = self.stop_requested()
        if received is not None:
            self.signum = received
            return "interrupted"
        if self.stop is not None and self.stop():
            return "stopped"
        if (
            self.max_seconds is not None
            and done
            and time.perf_counter() - self.started > self.max_seconds
        ):
            return "time limit"
        return None


def stop_message(reason: str, done: int, total: int, unit: str, rules: StopRules) -> str:
    """The one line that says why a run ended early and what was kept."""
    if reason == "interrupted":
        signum = rules.signum or signal.SIGINT
        by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
        return f"interrupted{by} after {done} of {total} {unit}; kept the image so far"
    if reason == "time limit":
        return f"stopped after {done} of {total} {unit}: the {rules.max_seconds or 0:g} s limit"
    return f"stopped after {done} of {total} {unit}; kept the best image so far"


def style_list(style: Any) -> list[Any]:
    """One style, or several given as a list or tuple of sources (notebook 08)."""
    if isinstance(style, (list, tuple)) and style and not isinstance(style[0], (int, float)):
        return list(style)
    return [style]


def colored_inputs(
    content: np.ndarray, styles: list[np.ndarray], color: str
) -> tuple[np.ndarray, list[np.ndarray]]:
    """What the network sees under ``color`` (``color.py``): the painting in the photo's colours
    ("histogram"), both in grey with matched brightness ("luminance"), or both as they are."""
    if color == "histogram":
        return content, [match_color(s, content) for s in styles]
    if color == "luminance":
        pairs = [luminance_pair(content, s) for s in styles]
        return pairs[0][0], [style for _, style in pairs]
    return content, styles


def recolor(color: str, original: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """What turns an optimized image into the result: the photo's colours put back ("luminance")."""
    if color == "luminance":
        return lambda image: with_content_colors(image, original)
    return lambda image: image


def stylize(
    content: Any,
    style: Any,
    run: PreparedRun | Settings | None = None,
    callback: Callback | None = None,
    callback_every: int = 10,
    max_seconds: float | None = None,
    start_image: Any = None,
    stop: Callable[[], bool] | None = None,
    **changes: Any,
) -> StyleTransferResult:
    """Optimize an image so its features match ``content``'s and its Gram matrices match ``style``'s.

    ``content`` and ``style`` are anything :func:`~nst_helpers.core.images.load_image` takes (paths, names,
    URLs, PIL images, arrays in [0, 1] or uint8, with or without the batch axis), brought to
    ``max_dim``; a bad one is a one-line ``NSTError``. ``run`` is a :class:`PreparedRun` (reused as it
    is, with ``changes`` such as ``steps=50`` applied), or settings to prepare one from. Ctrl-C stops
    the run and returns what it has; a NaN or Inf loss stops it and keeps the last good image;
    ``max_seconds`` stops it after that much time in the loop (at least one step runs).
    ``start_image`` (anything ``load_image`` takes, resized to the content) replaces ``settings.init``:
    for example a smaller run's result, upsampled (coarse-to-fine, notebook 07). ``stop``, asked
    between steps, ends the run when it returns True (the playground's Stop button, notebook 09).
    """
    if isinstance(run, PreparedRun):
        run = run.updated(**changes) if changes else run
    else:
        run = prepare_run(run, **changes)
        if run.notice:
            print(f"NOTE: {run.notice}")
    settings, extractor = run.settings, run.extractor

    min_side = max(MIN_SIDE, run.architecture.min_side)
    original = load_image(content, settings.max_dim, settings.upscale, min_side)
    styles = [
        load_image(s, settings.style_max_dim, settings.upscale, min_side) for s in style_list(style)
    ]
    photo, styles = colored_inputs(original, styles, settings.color)
    content = tf.constant(photo)
    style_tensors = [tf.constant(s) for s in styles]
    style = style_tensors[0]
    loss = make_loss(extractor, settings, content, style_tensors)
    if start_image is None:
        start = initial_image(content, style, settings.init, settings.seed)
    else:
        start = tf.image.resize(
            load_image(start_image, None), tf.shape(content)[1:3], antialias=True
        )
        if settings.color == "luminance":
            start = tf.constant(grey(start.numpy()))
    finish = recolor(settings.color, original)
    if settings.optimizer == "lbfgs":
        return lbfgs_run(loss, start, run, callback, callback_every, max_seconds, stop, finish)
    image = tf.Variable(start, name="image")
    optimizer = make_optimizer(settings)
    optimizer.build([image])  # its slots exist before a compiled step first runs
    train_step = make_train_step(loss, optimizer, settings.step_mode)

    history: list[dict[str, float]] = []
    best_total, best_image, best_step = math.inf, tf.identity(image), 0
    stopped, message, interrupted_by = "finished", None, None

    try:
        with stop_between_steps() as stop_requested:
            rules = StopRules(stop_requested, stop, max_seconds)
            for step in range(1, settings.steps + 1):
                reason = rules.reason(len(history))
                if reason is not None:
                    stopped, interrupted_by = reason, rules.signum
                    message = stop_message(reason, len(history), settings.steps, "steps", rules)
                    break
                start = time.perf_counter()
                losses, finite, previous = train_step(image)
                finite_flag = tf.cast(finite, tf.float32)
                fetched = tf.stack([*losses.values(), finite_flag]).numpy()  # one copy to the host
                values = {name: float(value) for name, value in zip(losses, fetched)}
                if not fetched[-1]:
                    image.assign(previous)  # undo the step that went wrong
                    stopped = "not finite"
                    message = (
                        f"the loss or its gradient became NaN or infinite at step {step}; kept the image of "
                        f"step {step - 1}; lower the learning rate (now {settings.learning_rate:g}) or the loss weights"
                    )
                    break
                if values["total"] < best_total:
                    best_total, best_image, best_step = values["total"], previous, step
                values["seconds"] = time.perf_counter() - start
                history.append({"step": step, **values})
                if callback is not None and (step % callback_every == 0 or step == settings.steps):
                    callback(step, image, values)
    except KeyboardInterrupt as exc:  # Ctrl-C in a notebook or a script
        stopped, interrupted_by = "interrupted", signal_of(exc)
        message = stop_message(
            stopped, len(history), settings.steps, "steps", StopRules(signum=interrupted_by)
        )
    finally:
        close = getattr(callback, "close", None)
        if close is not None:
            close()

    return StyleTransferResult(
        image=finish(image.numpy()),
        best_image=finish(best_image.numpy()),
        best_step=best_step,
        history=history,
        run=run,
        stopped=stopped,
        message=message,
        interrupted_by=interrupted_by,
    )


def lbfgs_run(
    loss: LossFunction,
    start: tf.Tensor,
    run: PreparedRun,
    callback: Callback | None,
    callback_every: int,
    max_seconds: float | None,
    stop: Callable[[], bool] | None,
    finish: Callable[[np.ndarray], np.ndarray],
) -> StyleTransferResult:
    """:func:`stylize` with SciPy's L-BFGS-B (``settings.optimizer == "lbfgs"``): ``steps`` counts
    iterations; stopping, time limits, Ctrl-C and NaN behave as in the Adam loop."""
    settings = run.settings
    try:
        with stop_between_steps() as stop_requested:
            rules = StopRules(stop_requested, stop, max_seconds)
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
    if outcome.stopped == "not finite":
        message = (
            f"the loss or its gradient became NaN or infinite at iteration {done + 1}; kept the best "
            "image; lower the loss weights"
        )
    elif outcome.stopped == "finished":
        message = None
    else:
        message = stop_message(outcome.stopped, done, settings.steps, "iterations", rules)
    return StyleTransferResult(
        image=finish(outcome.image),
        best_image=finish(outcome.best_image),
        best_step=outcome.best_step,
        history=outcome.history,
        run=run,
        stopped=outcome.stopped,
        message=message,
        interrupted_by=rules.signum,
    )
