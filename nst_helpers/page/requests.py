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
from dataclasses import dataclass, field, make_dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image

from nst_helpers.core import images
from nst_helpers.core.architectures import get_architecture
from nst_helpers.core.errors import NSTError, shown
from nst_helpers.core.images import MIN_SIDE, load_image, to_uint8
from nst_helpers.core.settings import DEFAULTS, OPTIONS, Option, Settings, check_option
from nst_helpers.core.sources import PAINTINGS, SHIPPED, is_url, resolve_image
from nst_helpers.core.weights import NAMED_WEIGHTS
from nst_helpers.plumbing.downloads import IMAGE_DOWNLOADS
from nst_helpers.plumbing.fetching import check_image_file, fetch_url, guarded

CONTENT_CHOICES = ("chelsea", "astronaut", "coffee", "rocket", "china", "flower")
STYLE_CHOICES = ("swirls", "hubble", "ihc", *PAINTINGS)
"""Shipped content photos; shipped style images, then famous paintings downloaded on first use."""

MAX_PREVIEWS = 60  # live images per run, at most

MAX_RUN_SECONDS = 600.0
"""The longest a run of the page may go on (it then ends as if Stop were pressed, keeping the best
image): one visitor holds the page's one worker for ten minutes at most. A default run takes 30 s
to a few minutes on a 2-core CPU."""

MAX_UPLOAD_BYTES = IMAGE_DOWNLOADS.max_bytes
"""The largest photo the page takes, uploaded, pasted, from the webcam or by URL: the download limit."""

PAGE_DEFAULTS = replace(DEFAULTS, architecture="vgg16", max_dim=256, steps=300)
"""The page's starting values: ``DEFAULTS`` but VGG16 (ImageNet weights, or the offline VGG16
without internet) at 256 px for 300 steps, a good picture in well under a minute on a 2-core CPU."""

PAGE_LIMITS = {"max_dim": (64, 1000), "steps": (1, 10_000)}
"""Where the page's ranges are narrower than the table's: small sizes for quick previews on a slow
machine, and no run longer than the time limit allows."""

MAX_UPLOAD_PIXELS = 40 * PAGE_LIMITS["max_dim"][1] ** 2
"""The largest photo the page decodes: 40 times its largest working image (1000 x 1000 px), so a
24-megapixel phone photo fits and is brought down to the working size as it is read, while a
100-megapixel file, which would cost seconds and gigabytes for pixels the page throws away, is
refused from its header, before it is decoded."""


def page_option(spec: Option) -> Option:
    """A setting as the page offers it: the page's default, its narrower range, and for the weights
    only the named ones (a visitor never names a file of the server)."""
    low, high = PAGE_LIMITS.get(spec.name, (spec.low, spec.high))
    choices = NAMED_WEIGHTS if spec.name == "weights" else spec.choices
    default = getattr(PAGE_DEFAULTS, spec.name, spec.default)
    return replace(spec, default=default, low=low, high=high, choices=choices)


def page_options(options: dict[str, Option] = OPTIONS) -> dict[str, Option]:
    """The settings the page has a control for: those with a ``page`` label in the table."""
    return {name: page_option(spec) for name, spec in options.items() if spec.page}


SOURCES = {"content": CONTENT_CHOICES[0], "content_upload": None, "content_url": ""}
SOURCES |= {"style": STYLE_CHOICES[0], "style_upload": None}
"""The images a request names, with their defaults: a menu entry, an upload, a web address."""
KNOBS = {
    "style_strength": Option(
        "style_strength",
        0.0,
        "",
        float,
        None,
        low=-3.0,
        high=3.0,
        page="Style strength (log10: +1 is ten times more style than the default)",
    ),
    "tv_strength": Option(
        "tv_strength",
        1.0,
        "",
        float,
        None,
        low=0.0,
        high=10.0,
        page="Smoothing (total variation, x default)",
    ),
}
"""The page's own controls, which scale the network's loss weights (``style_weight`` by a power of
ten, ``tv_weight`` by a factor) instead of asking for raw weights."""
PAGE_OPTIONS = page_options()
CONTROLS = (*SOURCES, *PAGE_OPTIONS, *KNOBS)
"""Every control of the page, in the order of its API (``/stylize``'s inputs)."""

_Controls = make_dataclass(
    "_Controls",
    [(name, Any, field(default=default)) for name, default in SOURCES.items()]
    + [
        (name, Any, field(default=spec.default)) for name, spec in {**PAGE_OPTIONS, **KNOBS}.items()
    ],
    frozen=True,
)


class PlaygroundRequest(_Controls):  # type: ignore[misc, valid-type]
    """One run as the page asks for it (notebook 09): one field per name of :data:`CONTROLS`
    (generated from the table of options), each with the page's default. Sources: a path or an uploaded file for
    ``*_upload``, a URL, or the name of a shipped image or painting."""

    @property
    def content_source(self) -> str:
        """The upload (or webcam snapshot) if there is one, else the URL, else the shipped image (notebook 09)."""
        if self.content_upload:
            return self.content_upload
        if not isinstance(self.content_url, str):
            raise NSTError("the web address must be text; give one that starts with https://")
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

    def values(self) -> list[Any]:
        """The controls' values in the order of :data:`CONTROLS` (the API's, ``stylize_page``'s)."""
        return [getattr(self, name) for name in CONTROLS]

    def settings(self) -> Settings:
        """The run's checked settings, or a one-line ``NSTError`` naming the control that is wrong.
        Menus take only their own entries: a path or an address in a menu is refused."""
        one_of("content", self.content, CONTENT_CHOICES)
        one_of("style", self.style, STYLE_CHOICES)
        self.content_source  # noqa: B018  (a web address that is not one is refused here)
        values = {}
        for name, spec in PAGE_OPTIONS.items():
            label = spec.page.split(" (")[0].lower()
            if spec.choices:
                one_of(f"{label} setting", getattr(self, name), spec.choices)
            values[name] = check_option(spec, _whole(getattr(self, name)), label)
        strength, smoothing = (
            check_option(spec, getattr(self, name), spec.page.split(" (")[0].lower())
            for name, spec in KNOBS.items()
        )
        arch = get_architecture(values["architecture"])
        return replace(
            PAGE_DEFAULTS,
            **values,
            upscale=True,  # the size asked for is the size run, small photos included
            style_weight=arch.style_weight * 10**strength,
            tv_weight=arch.tv_weight * smoothing,
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
            run = _RUNS[key] = prepare_run(settings, guarded(stop=stop.is_set if stop else None))
    # the checked request on the kept network: its loss weights filled in, not checked again
    return replace(run, settings=settings.for_architecture(run.architecture, run.settings.weights))


def weighted_terms(losses: dict[str, float], settings: Settings) -> dict[str, float]:
    """The loss terms times their weights: what the optimizer balances, as the page plots them (notebook 09)."""
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
    """Run ``request`` in a thread and yield its progress; Stop (``stop.set()``) ends it between steps (notebook 09).

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
            within_limit(local_image(source, folder, stop)), size, settings.upscale, min_side
        )
        for source, size in (
            (content_source, settings.max_dim),
            (style_source, settings.style_max_dim),
        )
    )
    run = prepared(settings, stop)
    yield Update(0, settings.steps, 0.0, to_uint8(content), notice=run.notice)

    from nst_helpers.controls.stylize import stylize_with_controls

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
            result = stylize_with_controls(
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


def within_limit(location: str | Path) -> str | Path:
    """``location`` if its header says at most :data:`MAX_UPLOAD_PIXELS`, before anything is decoded."""
    path = images.regular_file(Path(location))  # a FIFO would hang Pillow
    try:
        with images.project_pixel_limit(), Image.open(path) as image:
            width, height = image.size
    except (OSError, SyntaxError, ValueError):
        return location  # not an image: load_image says so in its own words
    if width * height > MAX_UPLOAD_PIXELS:
        raise NSTError(
            f"{shown(path)} is {width}x{height} px ({width * height / 1e6:.0f} megapixels), over the "
            f"{MAX_UPLOAD_PIXELS / 1e6:g}-megapixel limit; shrink it first"
        )
    return location


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


def style_label(name: str) -> str:
    """A style menu entry: shipped images by name, paintings by title and artist."""
    painting = PAINTINGS.get(name)
    if painting is None:
        return f"{name} (shipped)"
    return f"{painting.title}, {painting.artist} (downloaded on first use)"


def content_label(name: str) -> str:
    """A content menu entry."""
    return f"{name} (shipped)" if name in SHIPPED else name
