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
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from nst_helpers.core.color import match_color
from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import MIN_SIDE, load_image
from nst_helpers.core.losses import (
    balanced_layer_weights,
    gram_matrix,
    layer_temperatures,
    smooth_features,
    total_loss,
)
from nst_helpers.core.prepare import PreparedRun, prepare_run
from nst_helpers.core.settings import Settings

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

    def finished_with(self, finish: Callable[[np.ndarray], np.ndarray]) -> "StyleTransferResult":
        """The same run with ``finish`` applied to its images (notebook 08's colour controls)."""
        return replace(self, image=finish(self.image), best_image=finish(self.best_image))

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
    layer_weights = balanced_layer_weights(
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
    """Why a run ends before its last step, asked between steps: a signal (``signal_received``
    returns its number; the command line defers SIGTERM to between steps), the caller's ``stop``
    (the playground's Stop button) or the time limit."""

    signal_received: Callable[[], int | None] = lambda: None
    stop: Callable[[], bool] | None = None
    max_seconds: float | None = None
    signum: int | None = None  # the signal that stopped the run
    started: float = field(default_factory=time.perf_counter)

    def reason(self, done: int = 1) -> str | None:
        """ "interrupted", "stopped", "time limit", or None to go on (after at least one step)."""
        received = self.signal_received()
        if received is not None:
            self.signum = received
            return "interrupted"
        if self.stop is not None and self.stop():
            return "stopped"
        if self.max_seconds is not None and done:
            return "time limit" if time.perf_counter() - self.started > self.max_seconds else None
        return None

    def message(self, reason: str, done: int, total: int, unit: str = "steps") -> str:
        """The one line that says why a run ended early and what was kept."""
        if reason == "interrupted":
            signum = self.signum or signal.SIGINT
            by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
            return f"interrupted{by} after {done} of {total} {unit}; kept the image so far"
        if reason == "time limit":
            return f"stopped after {done} of {total} {unit}: the {self.max_seconds or 0:g} s limit"
        return f"stopped after {done} of {total} {unit}; kept the best image so far"


def style_list(style: Any) -> list[Any]:
    """One style, or several given as a list or tuple of sources (notebook 08)."""
    if isinstance(style, (list, tuple)) and style and not isinstance(style[0], (int, float)):
        return list(style)
    return [style]


def prepared(run: PreparedRun | Settings | None, changes: Mapping[str, Any]) -> PreparedRun:
    """``run`` with ``changes`` applied, or a run prepared from settings (its notice printed)."""
    if isinstance(run, PreparedRun):
        return run.updated(**changes) if changes else run
    run = prepare_run(run, **changes)
    if run.notice:
        print(f"NOTE: {run.notice}")
    return run


def load_inputs(content: Any, style: Any, run: PreparedRun) -> tuple[np.ndarray, list[np.ndarray]]:
    """The photo at ``max_dim`` and each painting at ``style_max_dim``: each source read once."""
    settings = run.settings
    min_side = max(MIN_SIDE, run.architecture.min_side)
    photo = load_image(content, settings.max_dim, settings.upscale, min_side)
    sizes = (settings.style_max_dim, settings.upscale, min_side)
    return photo, [load_image(source, *sizes) for source in style_list(style)]


def starting_image(
    content: np.ndarray, style: np.ndarray, settings: Settings, start_image: Any = None
) -> tf.Tensor:
    """``settings.init``'s start, or ``start_image`` (anything ``load_image`` takes, for example a
    smaller run's result: coarse-to-fine, notebook 07) resized to the content."""
    if start_image is None:
        return initial_image(tf.constant(content), tf.constant(style), settings.init, settings.seed)
    return tf.image.resize(load_image(start_image, None), content.shape[1:3], antialias=True)


def adam_loop(
    loss: LossFunction,
    start: tf.Tensor,
    run: PreparedRun,
    callback: Callback | None = None,
    callback_every: int = 10,
    rules: StopRules | None = None,
) -> StyleTransferResult:
    """The loop notebook 05 writes out: Adam steps on the pixels, keeping the image of the lowest
    loss. Ctrl-C (or a signal) returns what it has; a NaN or Inf loss undoes its step and stops."""
    settings, rules = run.settings, rules or StopRules()
    image = tf.Variable(start, name="image")
    optimizer = make_optimizer(settings)
    optimizer.build([image])  # its slots exist before a compiled step first runs
    train_step = make_train_step(loss, optimizer, settings.step_mode)
    history: list[dict[str, float]] = []
    best_total, best_image, best_step = math.inf, tf.identity(image), 0
    stopped, message = "finished", None
    try:
        for step in range(1, settings.steps + 1):
            reason = rules.reason(len(history))
            if reason is not None:
                stopped, message = reason, rules.message(reason, len(history), settings.steps)
                break
            began = time.perf_counter()
            losses, finite, previous = train_step(image)
            fetched = tf.stack([*losses.values(), tf.cast(finite, tf.float32)]).numpy()
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
            history.append({"step": step, **values, "seconds": time.perf_counter() - began})
            if callback is not None and (step % callback_every == 0 or step == settings.steps):
                callback(step, image, values)
    except KeyboardInterrupt as exc:  # Ctrl-C in a notebook, or a signal turned into one
        stopped, rules.signum = "interrupted", getattr(exc, "signum", int(signal.SIGINT))
        message = rules.message(stopped, len(history), settings.steps)
    finally:
        close = getattr(callback, "close", None)
        if close is not None:
            close()
    return StyleTransferResult(
        image.numpy(), best_image.numpy(), best_step, history, run, stopped, message, rules.signum
    )


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
    """Optimize an image so its features match ``content``'s and its Gram matrices match ``style``'s
    (notebook 05): the inputs read once, the loss built once, then :func:`adam_loop`.

    ``content`` and ``style`` are anything :func:`~nst_helpers.core.images.load_image` takes; a bad
    one is a one-line ``NSTError``. ``run`` is a :class:`PreparedRun` (reused, with ``changes`` such
    as ``steps=50`` applied) or settings to prepare one from. ``max_seconds`` and ``stop()`` end the
    run early, keeping the best image. The controls of notebook 08 (colour, L-BFGS) run through
    :func:`nst_helpers.controls.stylize.stylize_with_controls`.
    """
    run = prepared(run, changes)
    if run.settings.color != "none" or run.settings.optimizer != "adam":
        raise NSTError(
            "color and optimizer are controls of notebook 08: run them with nst.stylize_with_controls"
        )
    content, styles = load_inputs(content, style, run)
    loss = make_loss(
        run.extractor, run.settings, tf.constant(content), [tf.constant(s) for s in styles]
    )
    start = starting_image(content, styles[0], run.settings, start_image)
    rules = StopRules(stop=stop, max_seconds=max_seconds)
    return adam_loop(loss, start, run, callback, callback_every, rules)
