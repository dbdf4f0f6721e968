"""A run with every control of notebook 08: colour preservation, L-BFGS, several styles blended.
The command line, the page and the experiments run through here; notebook 05's
:func:`~nst_helpers.core.optimize.stylize` is the same pipeline without the controls."""

from __future__ import annotations

from typing import Any, Callable

import tensorflow as tf

from nst_helpers.controls.colors import colored_inputs, grey, recolor
from nst_helpers.controls.lbfgs import lbfgs_loop
from nst_helpers.core.optimize import (
    Callback,
    StopRules,
    StyleTransferResult,
    adam_loop,
    load_inputs,
    make_loss,
    prepared,
    starting_image,
)
from nst_helpers.core.prepare import PreparedRun
from nst_helpers.core.settings import Settings
from nst_helpers.plumbing.signals import stop_between_steps


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
    original, styles = load_inputs(content, style, run)
    photo, styles = colored_inputs(original, styles, settings.color)
    loss = make_loss(run.extractor, settings, tf.constant(photo), [tf.constant(s) for s in styles])
    start = starting_image(photo, styles[0], settings, start_image)
    if start_image is not None and settings.color == "luminance":
        start = tf.constant(grey(start.numpy()))
    loop = lbfgs_loop if settings.optimizer == "lbfgs" else adam_loop
    with stop_between_steps() as signal_received:
        rules = StopRules(signal_received, stop, max_seconds)
        result = loop(loss, start, run, callback, callback_every, rules)
    return result.finished_with(recolor(settings.color, original))
