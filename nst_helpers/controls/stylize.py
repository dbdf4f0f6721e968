"""A run with every control beyond the paper: colour preservation and L-BFGS (notebook 08), the
softmax over channels (notebook 06).
The command line, the page and the experiments run through here; notebook 05's
:func:`~nst_helpers.core.optimize.stylize` is the same pipeline without the controls."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import tensorflow as tf

from nst_helpers.controls.blend import blended_grams, style_list
from nst_helpers.controls.colors import colored_inputs, grey, recolor
from nst_helpers.controls.lbfgs import lbfgs_loop, make_loss
from nst_helpers.controls.smoothing import smoothed_extractor
from nst_helpers.core.images import load_image
from nst_helpers.core.optimize import (
    Callback,
    StyleTransferResult,
    adam_loop,
    initial_image,
    load_inputs,
    loss_targets,
    prepared,
)
from nst_helpers.core.prepare import PreparedRun
from nst_helpers.core.settings import Settings
from nst_helpers.plumbing.signals import StopRules, stop_between_steps


def stylize_with_controls(
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
    """:func:`~nst_helpers.core.optimize.stylize` with ``settings.color`` and ``settings.optimizer``
    applied (notebook 08); SIGTERM and SIGHUP, where the command line catches them, stop the run
    between two steps, keeping its image."""
    run = prepared(run, changes)
    settings = run.settings
    original, styles = load_inputs(content, style_list(style), run)
    photo, styles = colored_inputs(original, styles, settings.color)
    if settings.softmax_temperature:  # notebook 06: residual networks' peaky features, spread
        smooth = smoothed_extractor(
            run.extractor, tf.constant(styles[0]), settings.softmax_temperature
        )
        run = replace(run, extractor=smooth)  # the run's result says which extractor it used
    extractor = run.extractor
    grams = blended_grams(extractor, settings, [tf.constant(s) for s in styles])
    targets = loss_targets(extractor, settings, tf.constant(photo), grams)
    if start_image is None:
        start = initial_image(
            tf.constant(photo), tf.constant(styles[0]), settings.init, settings.seed
        )
    else:  # anything load_image takes, such as a smaller run's result (coarse-to-fine, notebook 07)
        start = tf.image.resize(load_image(start_image, None), photo.shape[1:3], antialias=True)
        if settings.color == "luminance":
            start = tf.constant(grey(start.numpy()))
    with stop_between_steps() as signal_received:
        rules = StopRules(
            signal_received, stop, max_seconds, total=settings.steps, plateau=settings.plateau
        )
        if settings.optimizer == "lbfgs":
            loss = make_loss(extractor, settings, tf.constant(photo), grams)
            result = lbfgs_loop(loss, start, run, callback, callback_every, rules)
        else:
            result = adam_loop(targets, start, run, callback, callback_every, rules)
    finish = recolor(settings.color, original)
    image, best = finish(result.image), finish(result.best_image)
    return replace(
        result, image=image, best_image=best, interrupted_by=result.interrupted_by or rules.signum
    )
