"""What the playground does, without its page: one request, checked once, run in a thread that
streams updates and stops when asked (taught in notebook 09; ``nst_helpers.page.app`` is the page).

A :class:`PlaygroundRequest` is everything the page sends. :func:`stream_run` checks it, reads the
images (an upload or a webcam snapshot wins over a URL, a URL over a shipped image), reuses the
network of an earlier run when it can, and yields :class:`Update` values while the optimization runs;
the last one carries the best image and the paths of that image and its JSON record.
"""

from __future__ import annotations

import functools
import math
import queue
import re
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from nst_helpers.core.architectures import ARCHITECTURES, get_architecture
from nst_helpers.core.color import COLOR_MODES
from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import MIN_SIDE, check_image_file, load_image, to_uint8
from nst_helpers.core.precision import PRECISIONS
from nst_helpers.core.settings import (
    DEFAULTS,
    OPTIMIZERS,
    STEP_MODES,
    Settings,
    check_float,
    check_int,
)
from nst_helpers.core.sources import PAINTINGS, SHIPPED, fetch_url, is_url, resolve_image
from nst_helpers.plumbing.downloads import IMAGE_DOWNLOADS

CONTENT_CHOICES = ("chelsea", "astronaut", "coffee", "rocket", "china", "flower")
STYLE_CHOICES = ("swirls", "hubble", "ihc", *PAINTINGS)
"""Shipped content photos; shipped style images, then famous paintings downloaded on first use."""

WEIGHT_CHOICES = ("auto", "imagenet", "offline-vgg16", "none")
SIZE_RANGE = (64, 1000)  # the page's slider; small sizes for quick previews on a slow machine
STEPS_RANGE = (1, 10_000)
STRENGTH_RANGE = (-3.0, 3.0)  # log10 of the style weight over the network's default
TV_RANGE = (0.0, 10.0)  # the total variation weight as a multiple of the network's default
MAX_PREVIEWS = 60  # live images per run, at most
HOST, PORT = "127.0.0.1", 7860
"""Where ``make app`` serves the page: this machine only, Gradio's usual port."""

MAX_RUN_SECONDS = 600.0
"""The longest a run of the page may go on (it then ends as if Stop were pressed, keeping the best
image): one visitor holds the page's one worker for ten minutes at most. A default run takes 30 s
to a few minutes on a 2-core CPU."""

MAX_UPLOAD_BYTES = IMAGE_DOWNLOADS.max_bytes
"""The largest photo the page takes, uploaded, pasted, from the webcam or by URL: the download limit."""

MAX_UPLOAD_PIXELS = 40 * SIZE_RANGE[1] ** 2
"""The largest photo the page decodes: 40 times its largest working image (1000 x 1000 px), so a
24-megapixel phone photo fits and is brought down to the working size as it is read, while a
100-megapixel file, which would cost seconds and gigabytes for pixels the page throws away, is
refused from its header, before it is decoded."""

PLAYGROUND_DEFAULTS = replace(DEFAULTS, architecture="vgg16", max_dim=256, steps=300)
"""The page's starting values: VGG16 (ImageNet weights, or the offline VGG16 without internet) at
256 px for 300 steps, a good picture in well under a minute on a 2-core CPU (see the README)."""


@dataclass(frozen=True)
class PlaygroundRequest:
    """One run as the page asks for it. Sources: a path or an uploaded file for ``*_upload``, a URL,
    or the name of a shipped image or painting."""

    content: str = CONTENT_CHOICES[0]
    style: str = STYLE_CHOICES[0]
    content_upload: str | None = None
    content_url: str = ""
    style_upload: str | None = None
    architecture: str = PLAYGROUND_DEFAULTS.architecture
    weights: str = "auto"
    steps: int = PLAYGROUND_DEFAULTS.steps
    size: int = PLAYGROUND_DEFAULTS.max_dim
    style_strength: float = 0.0
    tv_strength: float = 1.0
    learning_rate: float = PLAYGROUND_DEFAULTS.learning_rate
    step_mode: str = PLAYGROUND_DEFAULTS.step_mode
    precision: str = PLAYGROUND_DEFAULTS.precision
    seed: int = 0
    color: str = PLAYGROUND_DEFAULTS.color
    optimizer: str = PLAYGROUND_DEFAULTS.optimizer

    @property
    def content_source(self) -> str:
        """The upload (or webcam snapshot) if there is one, else the URL, else the shipped image."""
        if self.content_upload:
            return self.content_upload
        if self.content_url.strip():
            url = self.content_url.strip()
            if not is_url(url):
                raise NSTError(
                    f"{url[:80]!r} is not a web address; give one that starts with https://"
                )
            return url
        return self.content

    @property
    def style_source(self) -> str:
        """The uploaded style image if there is one, else the shipped image or painting."""
        return self.style_upload or self.style

    def settings(self) -> Settings:
        """The run's checked settings, or a one-line ``NSTError`` naming the control that is wrong.
        Menus take only their own entries: a path or an address in a menu is refused."""
        one_of("content", self.content, CONTENT_CHOICES)
        one_of("style", self.style, STYLE_CHOICES)
        one_of("weights option", self.weights, WEIGHT_CHOICES)
        for name, value, choices in (
            ("architecture", self.architecture, tuple(ARCHITECTURES)),
            ("step mode", self.step_mode, STEP_MODES),
            ("precision", self.precision, PRECISIONS),
            ("colour mode", self.color, COLOR_MODES),
            ("optimizer", self.optimizer, OPTIMIZERS),
        ):
            one_of(name, value, choices)
        if not isinstance(self.content_url, str):
            raise NSTError("the web address must be text; give one that starts with https://")
        arch = get_architecture(self.architecture)
        check_int("steps", _whole(self.steps), *STEPS_RANGE)
        check_int("size", _whole(self.size), *SIZE_RANGE, hint="the long side in pixels")
        check_float("style strength", self.style_strength, *STRENGTH_RANGE)
        check_float("total variation", self.tv_strength, *TV_RANGE)
        return Settings(
            architecture=arch.name,
            weights=self.weights,
            max_dim=_whole(self.size),
            upscale=True,  # the size asked for is the size run, small photos included
            steps=_whole(self.steps),
            learning_rate=self.learning_rate,
            style_weight=arch.style_weight * 10 ** float(self.style_strength),
            tv_weight=arch.tv_weight * float(self.tv_strength),
            seed=_whole(self.seed),
            step_mode=self.step_mode,
            precision=self.precision,
            color=self.color,
            optimizer=self.optimizer,
        ).checked()


def one_of(name: str, value: Any, choices: tuple[str, ...]) -> None:
    """Raise a one-line ``NSTError`` unless ``value`` is one of a menu's ``choices``; the line is the
    same whatever the value names (a path that exists or not), so it tells a visitor nothing."""
    if not isinstance(value, str) or value not in choices:
        raise NSTError(
            f"the {name} is not one of the page's choices; choose one of {', '.join(choices)}"
        )


def _whole(value: Any) -> Any:
    """Sliders send floats: 300.0 is the whole number 300; anything else is left to the checks."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Update:
    """One message from a run to the page."""

    step: int
    steps: int
    seconds: float
    image: np.ndarray | None = None  # (H, W, 3) uint8: the image now, or the best one when done
    history: tuple[dict[str, float], ...] = ()
    notice: str | None = None
    done: bool = False
    message: str | None = None  # how the run ended (finished, stopped, ...) when done
    files: tuple[str, ...] = ()  # the best image and its JSON record, when done


def short_source(source: str) -> str:
    """How a source is named in the record: an upload by its file name, anything else as given."""
    return Path(source).name if Path(source).is_absolute() else source


PER_RUN_SETTINGS = (
    "max_dim",
    "upscale",
    "steps",
    "learning_rate",
    "style_weight",
    "tv_weight",
    "seed",
    "step_mode",
    "color",
    "optimizer",
)
"""The settings the page changes from run to run without building the network again."""

_RUNS: dict[tuple[str, Any, str], Any] = {}
_RUNS_LOCK = threading.Lock()


def prepared(settings: Settings, stop: threading.Event | None = None) -> Any:
    """The network for these settings, built once and kept for the next run with the same one;
    ``stop`` interrupts a weights download."""
    from nst_helpers.core.prepare import prepare_run

    key = (settings.architecture, settings.weights, settings.precision)
    with _RUNS_LOCK:
        run = _RUNS.get(key)
        if run is None:
            _RUNS.clear()  # one network in memory at a time
            run = _RUNS[key] = prepare_run(settings, stop.is_set if stop else None)
    changes = {name: getattr(settings, name) for name in PER_RUN_SETTINGS}
    return run.updated(**changes)


def weighted_terms(losses: dict[str, float], settings: Settings) -> dict[str, float]:
    """The loss terms times their weights: what the optimizer balances, as the page plots them."""
    return {
        "total": losses["total"],
        "content": settings.content_weight * losses["content"],
        "style": settings.style_weight * losses["style"],
        "tv": settings.tv_weight * losses["tv"],
    }


def preview_every(steps: int) -> int:
    """Steps between live images: every step for short runs, at most :data:`MAX_PREVIEWS` in all."""
    return max(1, math.ceil(steps / MAX_PREVIEWS))


def stream_run(
    request: PlaygroundRequest, stop: threading.Event, out_dir: str | Path | None = None
) -> Iterator[Update]:
    """Run ``request`` in a thread and yield its progress; Stop (``stop.set()``) ends it between steps.

    Everything is checked before anything heavy: a bad request is a one-line ``NSTError`` raised by
    the first ``next()``. Web addresses are fetched under the public-only policy into ``out_dir``
    (a new temporary folder by default), and Stop interrupts the download; images over
    :data:`MAX_UPLOAD_PIXELS` are refused before decoding, others brought to the requested size as
    they are read. The last update has ``done=True``, the best image, and its PNG and JSON record
    written to ``out_dir``.
    """
    settings = request.settings()
    folder = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="nst-"))
    arch = get_architecture(settings.architecture)
    min_side = max(MIN_SIDE, arch.min_side)
    content_source, style_source = request.content_source, request.style_source
    content, style = (
        load_image(
            local_image(source, folder, stop),
            size,
            settings.upscale,
            min_side,
            MAX_UPLOAD_PIXELS,
        )
        for source, size in (
            (content_source, settings.max_dim),
            (style_source, settings.style_max_dim),
        )
    )
    run = prepared(settings, stop)
    yield Update(0, settings.steps, 0.0, to_uint8(content), notice=run.notice)

    from nst_helpers.core.optimize import stylize

    updates: queue.Queue[Any] = queue.Queue()
    history: list[dict[str, float]] = []
    start = time.perf_counter()

    def callback(step: int, image: Any, losses: dict[str, float]) -> None:
        history.append({"step": step, **weighted_terms(losses, run.settings)})
        updates.put(
            Update(step, settings.steps, time.perf_counter() - start, to_uint8(image.numpy()))
        )

    def work() -> None:
        try:
            result = stylize(
                content,
                style,
                run,
                callback=callback,
                callback_every=preview_every(settings.steps),
                stop=stop.is_set,
                max_seconds=MAX_RUN_SECONDS,
            )
            updates.put(result)
        except BaseException as exc:  # handed to the page's thread, which says it in one line
            updates.put(exc)

    worker = threading.Thread(target=work, name="nst-playground-run", daemon=True)
    worker.start()
    try:
        while True:
            item = updates.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, Update):
                yield replace(item, history=tuple(history))
                continue
            yield finished(item, content_source, style_source, time.perf_counter() - start, folder)
            return
    finally:
        stop.set()  # the page went away or an error came: end the run too
        worker.join()


def local_image(source: str, folder: Path, stop: threading.Event) -> str | Path:
    """A source as a local file: a shipped image's path, an upload as it is, a painting from the
    cache, or a web address downloaded into ``folder`` (not cached: the visitor's run folder) under
    the public-only policy, which Stop interrupts."""
    location = resolve_image(source)
    if not is_url(location):
        return location
    return fetch_url(
        str(location),
        functools.partial(check_image_file, max_pixels=MAX_UPLOAD_PIXELS),
        IMAGE_DOWNLOADS,
        stop.is_set,
        folder=None if source in PAINTINGS else folder,
    )


def finished(result: Any, content: str, style: str, seconds: float, folder: Path) -> Update:
    """The last update: the best image, written with its JSON record, and how the run ended."""
    from nst_helpers.plumbing.outputs import run_record, write_results

    stem = re.sub(
        r"[^A-Za-z0-9_-]+",
        "_",
        f"{Path(short_source(content)).stem}_in_{Path(short_source(style)).stem}",
    )
    output = folder / f"{stem[:80]}.png"
    best = result.best_image if result.history else result.image
    record = visitors_record(
        run_record(result, short_source(content), short_source(style), output.name, seconds)
    )
    record_file = write_results(best, output, record)
    steps_run = len(result.history)
    message = result.message or f"finished {steps_run} steps in {seconds:.1f} s"
    return Update(
        steps_run,
        result.settings.steps,
        seconds,
        to_uint8(best),
        history=tuple(
            {"step": row["step"], **weighted_terms(row, result.settings)} for row in result.history
        ),
        done=True,
        message=f"{message}; best image at step {result.best_step}",
        files=(str(output), str(record_file)),
    )


SERVER_DETAILS = ("devices", "precision_reason")
"""What a page's record leaves out: the server's hardware (its GPUs, its processor's flags)."""


def visitors_record(record: dict[str, Any]) -> dict[str, Any]:
    """The run's record as a visitor downloads it: the settings, losses, times and package versions
    that reproduce it, without the server's folders, machine or operating system."""
    versions = {k: v for k, v in record.get("versions", {}).items() if k != "platform"}
    kept = {k: v for k, v in record.items() if k not in SERVER_DETAILS}
    return {**kept, "versions": versions}


def architecture_choices() -> list[str]:
    """Every entry of the registry, for the backbone menu."""
    return list(ARCHITECTURES)


def style_label(name: str) -> str:
    """A style menu entry: shipped images by name, paintings by title and artist."""
    painting = PAINTINGS.get(name)
    if painting is None:
        return f"{name} (shipped)"
    return f"{painting.title}, {painting.artist} (downloaded on first use)"


def content_label(name: str) -> str:
    """A content menu entry."""
    return f"{name} (shipped)" if name in SHIPPED else name
