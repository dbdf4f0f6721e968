"""Adam on the pixels (taught in notebook 05): a step records the forward pass on a ``tf.GradientTape``,
hands the image's gradient to Adam, clips the pixels to [0, 1]; compiled with ``tf.function``."""

from __future__ import annotations

import math
import signal
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from nst_helpers.core.color import match_color
from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import MIN_SIDE, load_image
from nst_helpers.core.losses import balanced_layer_weights, gram_matrix, total_loss
from nst_helpers.core.prepare import PreparedRun, prepare_run
from nst_helpers.core.settings import LOSS_WEIGHTS, Settings

Callback = Callable[[int, Any, Mapping[str, float]], None]  # callback(step, image, losses)
StepOutput = tuple[dict[str, tf.Tensor], tf.Tensor, tf.Tensor]  # losses, finite?, image before


@dataclass
class StyleTransferResult:
    """What a run returns: the last and the best image, and a per-step history."""

    image: np.ndarray
    best_image: np.ndarray
    best_step: int
    history: list[dict[str, float]]
    run: PreparedRun
    # or "interrupted" (Ctrl-C or a signal), "not finite" (NaN), "time limit", "stopped", "flattened"
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
        last = self.history[-1] if self.history else {}
        return {k: v for k, v in last.items() if k not in ("step", "seconds")}

    @property
    def median_step_seconds(self) -> float:
        """Median wall time of a step, leaving out the first (which traces or warms up)."""
        times = [row["seconds"] for row in self.history[1:] or self.history]
        return float(np.median(times)) if times else math.nan


def initial_image(content: tf.Tensor, style: tf.Tensor, init: str, seed: int | None) -> tf.Tensor:
    """The start (notebook 05): the photo recoloured to the painting's mean colour and covariance (the
    style loss then spends its steps on strokes), the photo, the painting resized to it, or noise."""
    if init == "recolored":
        return tf.constant(match_color(content.numpy(), style.numpy()))
    if init == "content":
        return tf.identity(content)
    if init == "style":
        return tf.image.resize(style, tf.shape(content)[1:3], method="bilinear", antialias=True)
    return tf.random.stateless_uniform(tf.shape(content), seed=[seed or 0, 0], dtype=tf.float32)


def loss_targets(extractor: Any, settings: Settings, content: tf.Tensor, style: Any) -> dict:
    """What a run's loss compares with, as tensors for ``total_loss`` (notebook 05): the content
    feature maps, the style image's Gram matrices (or ``style`` given as those matrices by layer:
    several styles blended, notebook 08), the style layers' weights and the three loss weights."""
    style_targets = style
    if not isinstance(style, dict):
        features = extractor(style, training=False)
        style_targets = {name: gram_matrix(features[name]) for name in settings.style_layers}
    content_features = extractor(content, training=False)
    layer_weights = balanced_layer_weights(
        style_targets, settings.style_balance, settings.style_layer_weights
    )
    content_targets = {n: tf.cast(content_features[n], tf.float32) for n in settings.content_layers}
    return {
        "content_targets": content_targets,
        "style_targets": style_targets,
        **{name: tf.constant(float(getattr(settings, name))) for name in LOSS_WEIGHTS},
        "layer_weights": {name: tf.constant(float(w)) for name, w in layer_weights.items() if w},
    }


KEPT_STEPS = 4  # compiled steps a prepared run keeps (each holds an image and Adam's state)


def compiled_step(run: PreparedRun, start: tf.Tensor, targets: dict[str, Any]) -> tuple:
    """``(image variable, step)``: one Adam step, built once per network, image size and layers (in
    ``run.compiled``) and traced once: runs bring their targets as tensors. Image: ``start``; Adam: 0."""
    extractor = run.extractor
    layers = (tuple(targets["content_targets"]), tuple(targets["style_targets"]))
    settings = run.settings
    key = (extractor, tuple(start.shape), layers, settings.step_mode, settings.adam_beta_1)
    key += (settings.lr_schedule,)
    if key not in run.compiled:
        while len(run.compiled) >= KEPT_STEPS:  # the oldest goes: a page's sizes are many
            del run.compiled[next(iter(run.compiled))]
        image = tf.Variable(start, name="image")
        optimizer = make_optimizer(settings)
        optimizer.build([image])  # its slots exist before a compiled step first runs

        def train_step(targets: dict[str, Any]) -> StepOutput:
            with tf.GradientTape() as tape:
                losses = total_loss(extractor(image, training=False), image, **targets)
            gradient = tape.gradient(losses["total"], image)
            finite = tf.math.logical_and(
                tf.math.is_finite(losses["total"]), tf.reduce_all(tf.math.is_finite(gradient))
            )
            previous = tf.identity(image)
            optimizer.apply_gradients([(gradient, image)])
            image.assign(tf.clip_by_value(image, 0.0, 1.0))
            return losses, finite, previous

        mode = run.settings.step_mode
        step = train_step if mode == "eager" else tf.function(train_step, jit_compile=mode == "xla")
        run.compiled[key] = (image, optimizer, step)
    image, optimizer, step = run.compiled[key]
    image.assign(start)
    restart(optimizer, settings)
    return image, step


LR_FLOOR = 1 / 3  # the cosine schedule's last learning rate, as a fraction of the first


def make_optimizer(settings: Settings) -> keras.optimizers.Optimizer:
    """Adam on the pixels (notebook 05): beta_1 0.9 (the tutorial's 0.99 overshoots), epsilon 0.1 (flat
    areas stay clean), the rate held or cosine-lowered to a third (:func:`restart` sets it per run)."""
    rate: Any = settings.learning_rate  # Keras keeps it in a variable
    if settings.lr_schedule == "cosine":
        first = tf.Variable(settings.learning_rate, trainable=False)
        steps = tf.Variable(float(max(settings.steps - 1, 1)), trainable=False)
        rate = keras.optimizers.schedules.CosineDecay(first, steps, alpha=LR_FLOOR)
    return keras.optimizers.Adam(learning_rate=rate, beta_1=settings.adam_beta_1, epsilon=1e-1)


def restart(optimizer: keras.optimizers.Optimizer, settings: Settings) -> None:
    """A fresh Adam for a new run: no momentum, step count 0, the run's rate and steps."""
    for variable in optimizer.variables:
        variable.assign(tf.zeros_like(variable))
    schedule = optimizer._learning_rate  # the schedule, or the rate itself
    if isinstance(schedule, keras.optimizers.schedules.CosineDecay):
        schedule.decay_steps.assign(float(max(settings.steps - 1, 1)))
        schedule = schedule.initial_learning_rate
    schedule.assign(settings.learning_rate)


def prepared(run: PreparedRun | Settings | None, changes: Mapping[str, Any]) -> PreparedRun:
    """``run`` with ``changes`` applied, or a run prepared from settings (its notice printed)."""
    if isinstance(run, PreparedRun):
        return run.updated(**changes) if changes else run
    run = prepare_run(run, **changes)
    if run.notice:
        print(f"NOTE: {run.notice}")
    return run


def load_inputs(content: Any, styles: Sequence[Any], run: PreparedRun) -> tuple:
    """The photo at ``max_dim`` and each painting at ``style_max_dim``: each source read once."""
    settings = run.settings
    min_side = max(MIN_SIDE, run.architecture.min_side)
    photo = load_image(content, settings.max_dim, settings.upscale, min_side)
    sizes = (settings.style_max_dim, settings.upscale, min_side)
    return photo, [load_image(source, *sizes) for source in styles]


def adam_loop(
    targets: dict[str, Any],
    start: tf.Tensor,
    run: PreparedRun,
    callback: Callback | None = None,
    callback_every: int = 10,
    should_stop: Callable[[list], tuple[str, str] | None] | None = None,
) -> StyleTransferResult:
    """The loop notebook 05 writes out: Adam steps on the pixels (``targets``: :func:`loss_targets`'),
    keeping the image of the lowest loss. Ctrl-C (or a signal) returns what it has; a NaN or Inf loss
    undoes its step and stops; ``should_stop(history so far)`` may end the run with (reason, message)."""
    settings, signum = run.settings, None
    image, train_step = compiled_step(run, start, targets)
    history: list[dict[str, float]] = []
    best_total, best_image, best_step = math.inf, tf.identity(image), 0
    stopped, message = "finished", None
    try:
        for step in range(1, settings.steps + 1):
            ended = should_stop(history) if should_stop is not None else None
            if ended is not None:
                stopped, message = ended
                break
            began = time.perf_counter()
            losses, finite, previous = train_step(targets)
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
        stopped, signum = "interrupted", getattr(exc, "signum", int(signal.SIGINT))
        by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
        done = f"after {len(history)} of {settings.steps} steps"
        message = f"interrupted{by} {done}; kept the image so far"
    finally:
        getattr(callback, "close", lambda: None)()  # a progress bar's
    return StyleTransferResult(
        image.numpy(), best_image.numpy(), best_step, history, run, stopped, message, signum
    )


def stylize(
    content: Any,
    style: Any,
    run: PreparedRun | Settings | None = None,
    callback: Callback | None = None,
    callback_every: int = 10,
    **changes: Any,
) -> StyleTransferResult:
    """Optimize an image so its features match ``content``'s and its Gram matrices ``style``'s
    (notebook 05): inputs (anything ``load_image`` takes) read once, loss built once, :func:`adam_loop`.
    ``run``: a :class:`PreparedRun` (``changes`` such as ``steps=50`` applied) or settings for one."""
    run = prepared(run, changes)
    settings = run.settings
    on = [settings.color != "none", settings.optimizer != "adam", settings.softmax_temperature]
    if any(on) or settings.plateau or settings.style_blend or isinstance(style, (list, tuple)):
        raise NSTError(
            "color, optimizer, softmax_temperature, plateau and several styles (style_blend) are controls "
            "beyond the paper (notebooks 06 and 08): run them with nst.stylize_with_controls"
        )
    photo, (painting,) = load_inputs(content, [style], run)
    content, style = tf.constant(photo), tf.constant(painting)
    targets = loss_targets(run.extractor, settings, content, style)
    start = initial_image(content, style, settings.init, settings.seed)
    return adam_loop(targets, start, run, callback, callback_every)
