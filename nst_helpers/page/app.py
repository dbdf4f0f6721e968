"""The playground's page: a Gradio app to stylize your own photo, webcam included, with live
progress (``make app``, ``python -m nst_helpers app``; shown inline in notebook 09).

The page only gathers the controls and shows what :func:`nst_helpers.page.requests.stream_run` yields.
It runs one stylization at a time (two cores cannot run two well); other visitors wait in Gradio's
queue and see their place. Gradio's analytics are off, its fonts are the system's, and it listens
on 127.0.0.1 unless told otherwise, so nothing leaves the machine.
"""

from __future__ import annotations

import base64
import functools
import inspect
import io
import math
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from gradio import utils as gr_utils  # noqa: E402
from PIL import Image  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from nst_helpers.core.errors import NSTError  # noqa: E402
from nst_helpers.core.settings import Option  # noqa: E402
from nst_helpers.page import HOST, PORT  # noqa: E402
from nst_helpers.page.requests import (  # noqa: E402
    CONTENT_CHOICES,
    CONTROLS,
    KNOBS,
    MAX_UPLOAD_BYTES,
    PAGE_OPTIONS,
    STYLE_CHOICES,
    PlaygroundRequest,
    Update,
    content_label,
    stream_run,
    style_label,
)
from nst_helpers.plumbing.downloads import MB  # noqa: E402

LOSS_TERMS = ("total", "content", "style", "tv")
CSS = """
.nst-progress progress { width: 100%; height: 1.1em; }
.nst-progress { font-size: 0.95em; }
.nst-result { min-height: 120px; display: flex; justify-content: center; align-items: center; }
.nst-result img { max-width: 100%; max-height: 340px; height: auto; object-fit: contain; }
.nst-empty { color: #888; border: 1px dashed #ccc; border-radius: 8px; }
"""
GRADIO_MAJOR = int(gr.__version__.split(".")[0])
"""Gradio 6 takes the theme and CSS in ``launch()``, Gradio 5 (Colab's until mid-2026) in ``Blocks()``."""
if GRADIO_MAJOR < 5:
    raise NSTError(
        f"the playground needs Gradio 5 or 6, not {gr.__version__}: pip install --upgrade 'gradio>=5'"
    )

RESULT_LIFETIME = 1800.0
"""Seconds a visitor's last results stay on the server (their run's folder) when no new run of theirs
replaces them; Gradio's own copies of uploads are deleted on the same schedule (``delete_cache``)."""

QUEUE_MARK_LIFETIME = 900.0
"""Seconds after which a visitor's place in the queue that never started (a tab closed while
waiting) no longer counts against them."""

UPLOAD_QUOTA_BYTES = 200 * MB
"""What one visitor may upload in :data:`RESULT_LIFETIME` (five photos at the limit): uploads are
kept that long, so a visitor cannot fill the disk by uploading without end."""

MIN_FREE_BYTES = 1_000 * MB
"""Uploads are refused while the upload folder's disk has less free space than this."""

SHARE_WARNING = (
    "WARNING: a public link: anyone who has it can use this page, upload images and run this "
    "machine's processor or GPU until you stop it. It shows them the page and their own results, "
    "nothing else of this machine. Without share=True the page is visible only to you."
)

_STOPS: dict[str, threading.Event] = {}
"""The Stop button's flag of each visitor's current run, by Gradio session."""


class RunFolders:
    """Where the page keeps each visitor's files: one folder per run, inside Gradio's upload folder
    (so Gradio serves them without copying them), under an unguessable name. A visitor's previous
    run's folder is removed when their next run starts, and any run's folder after
    :data:`RESULT_LIFETIME`."""

    def __init__(self) -> None:
        self._current: dict[str, Path] = {}
        self._lock = threading.Lock()

    @property
    def root(self) -> Path:
        return Path(os.path.realpath(gr_utils.get_upload_folder())) / "nst-playground"

    def new_run(self, session: str) -> Path:
        """A fresh folder for ``session``'s run; its previous one and expired ones are removed."""
        with self._lock:
            previous = self._current.pop(session, None)
            if previous is not None:
                shutil.rmtree(previous, ignore_errors=True)
            self.sweep()
            self.root.mkdir(parents=True, exist_ok=True)
            folder = self.root / secrets.token_hex(16)
            folder.mkdir()
            self._current[session] = folder
            return folder

    def sweep(self, lifetime: float = RESULT_LIFETIME) -> None:
        """Remove the run folders not touched for ``lifetime`` seconds."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            try:
                if time.time() - folder.stat().st_mtime > lifetime:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass


RUNS = RunFolders()


def sweep_on_schedule(every: float = 60.0) -> None:
    """Remove expired run folders every ``every`` seconds, in a daemon thread (started by
    :func:`launch_app`)."""

    def loop() -> None:
        while True:
            time.sleep(every)
            RUNS.sweep()

    threading.Thread(target=loop, name="nst-playground-sweep", daemon=True).start()


def received_upload(value: Any, what: str, folder: Path) -> str | None:
    """The server-side file of an image input as Gradio sends it unprocessed, or None when empty.

    Only a file that Gradio received for this page (in its upload folder, not another visitor's
    results) is taken; a webcam snapshot or pasted image sent as a ``data:`` URL is written to
    ``folder`` within the upload limit. Anything else is one line, the same whether or not the
    named file exists.
    """
    if value is None or value == "":
        return None
    refused = NSTError(f"the {what} is not a file this page received; upload it again")
    if isinstance(value, dict):
        path, url = value.get("path"), value.get("url")
        value = path if path else url
    if not isinstance(value, str) or "\0" in value:
        raise refused
    if value.startswith("data:"):
        return data_url_file(value, what, folder)
    real = Path(os.path.realpath(value))
    uploads = Path(os.path.realpath(gr_utils.get_upload_folder()))
    if not real.is_relative_to(uploads) or real.is_relative_to(RUNS.root) or not real.is_file():
        raise refused
    if real.stat().st_size > MAX_UPLOAD_BYTES:
        raise too_large(what)
    return str(real)


def too_large(what: str) -> NSTError:
    """The one line for an upload over the limit."""
    return NSTError(f"the {what} is over the {MAX_UPLOAD_BYTES // MB} MB limit; use a smaller one")


def data_url_file(url: str, what: str, folder: Path) -> str:
    """A ``data:image/...;base64,`` URL (a webcam snapshot) written to ``folder``, within the limit."""
    header, _, data = url.partition(",")
    match = re.fullmatch(r"data:image/(png|jpeg|jpg|webp|gif|bmp);base64", header.strip().lower())
    if match is None:
        raise NSTError(f"the {what} is not a base64 image; take the snapshot again")
    if len(data) * 3 // 4 > MAX_UPLOAD_BYTES:
        raise too_large(what)
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise NSTError(f"the {what} is not valid base64; take the snapshot again") from None
    target = folder / f"{what.split()[0]}-snapshot.{match.group(1)}"
    target.write_bytes(raw)
    return str(target)


def result_html(image: np.ndarray | None, final: bool = False) -> str:
    """The result box: the image as it forms, sent inside the page (a JPEG while the run goes on, the
    final PNG at the end), so that no preview is ever a file on the server."""
    if image is None:
        return '<div class="nst-result nst-empty">the result appears here as it forms</div>'
    buffer = io.BytesIO()
    if final:
        Image.fromarray(image).save(buffer, format="PNG")
    else:
        Image.fromarray(image).save(buffer, format="JPEG", quality=90)
    kind = "png" if final else "jpeg"
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = "the best image" if final else "the image as it forms"
    return (
        f'<div class="nst-result"><img src="data:image/{kind};base64,{data}" alt="{alt}" '
        f'width="{image.shape[1]}" height="{image.shape[0]}"></div>'
    )


@dataclass(frozen=True)
class Mark:
    """A visitor's place: since when, whether its run is going, and the Gradio session that queued it."""

    since: float
    running: bool
    session: str


class Places:
    """One place per visitor: a visitor (an address) with a run waiting or going cannot queue
    another. Marked when a run is queued (where Gradio checks requests before queueing them) or
    starts, cleared when it ends. A queued place whose request has left Gradio's queue (its tab was
    closed while it waited) no longer counts: ``waiting(session)`` says whether a session still has
    a request in the queue (:func:`build_app` asks the page's queue)."""

    def __init__(self) -> None:
        self._marks: dict[str, Mark] = {}
        self._lock = threading.Lock()
        self.waiting: Callable[[str], bool] = lambda session: True

    def take(self, visitor: str, running: bool, session: str = "") -> bool:
        """Mark ``visitor``; False if they already hold a place (a queued mark of their own, made
        for this very run, is taken over when it starts)."""
        with self._lock:
            mark = self._marks.get(visitor)
            held = mark is not None and (
                mark.running
                or (time.time() - mark.since < QUEUE_MARK_LIFETIME and self.waiting(mark.session))
            )
            if held and (mark.running or not running):
                return False
            self._marks[visitor] = Mark(time.time(), running, session)
            return True

    def release(self, visitor: str) -> None:
        with self._lock:
            self._marks.pop(visitor, None)


PLACES = Places()
ONE_PLACE = "you already have a run waiting or going; wait for it to end or press Stop"


class UploadQuota:
    """Gradio's upload route with limits (an ASGI middleware): each upload must say its length, a
    visitor may upload :data:`UPLOAD_QUOTA_BYTES` per :data:`RESULT_LIFETIME`, and nobody may while
    the disk has less than :data:`MIN_FREE_BYTES` free. A refusal is a one-line answer."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sent: dict[str, list[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        is_upload = (
            scope.get("type") == "http"
            and scope.get("method") == "POST"
            and scope.get("path", "").rstrip("/").endswith("/upload")
        )
        refusal = self.refusal(scope) if is_upload else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, message = refusal
        body = ('{"detail": "%s"}' % message).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def refusal(self, scope: dict) -> tuple[int, str] | None:
        """(status, one line) when this upload may not go on, else None (and it is counted)."""
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"").decode("latin-1")
        if not length.isdigit():
            return 411, "uploads must say their length; upload the file again"
        visitor = str((scope.get("client") or ("local",))[0])
        try:
            free = shutil.disk_usage(gr_utils.get_upload_folder()).free
        except OSError:
            free = MIN_FREE_BYTES
        if free < MIN_FREE_BYTES:
            return 507, "the server is short of disk space; try again later"
        now = time.time()
        with self._lock:
            recent = [(t, n) for t, n in self.sent.get(visitor, []) if now - t < RESULT_LIFETIME]
            if sum(n for _, n in recent) + int(length) > UPLOAD_QUOTA_BYTES:
                self.sent[visitor] = recent
                return 429, (
                    f"you have uploaded {UPLOAD_QUOTA_BYTES // MB} MB in the last "
                    f"{RESULT_LIFETIME / 60:g} minutes, the most one visitor may; try again later"
                )
            self.sent[visitor] = [*recent, (now, int(length))]
        return None


def visitor_of(request: Any) -> str:
    """Who is asking: the visitor's address as the server sees it (one per machine on a classroom
    network; the server trusts a forwarded address only from a proxy on its own machine)."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", None) or "local")


def queue_holds(page: gr.Blocks) -> Callable[[str], bool]:
    """Whether a session still has a request waiting in ``page``'s queue (Gradio removes a closed
    tab's requests); True where this Gradio keeps no such record, so that only time expires a place."""

    def holds(session: str) -> bool:
        pending = getattr(getattr(page, "_queue", None), "pending_event_ids_session", None)
        return True if not isinstance(pending, dict) else session in pending

    return holds


def admit(request: gr.Request | None, *controls: Any) -> list[dict[str, Any]]:
    """Gradio's check before it queues a run: one place per visitor. It takes Start's parameters
    (see :func:`build_app`): the visitor's request, then the controls."""
    session = getattr(request, "session_hash", None) or ""
    if PLACES.take(visitor_of(request), running=False, session=session):
        return [gr.validate(True, "") for _ in controls]
    return [gr.validate(False, ONE_PLACE), *(gr.validate(True, "") for _ in controls[1:])]


def progress_html(update: Update) -> str:
    """A progress bar with the step, the time so far and an estimate of the time left."""
    text = f"step {update.step} of {update.steps}, {update.seconds:.1f} s"
    if 0 < update.step < update.steps and not update.done:
        left = update.seconds / update.step * (update.steps - update.step)
        text += f", about {math.ceil(left)} s left"
    return (
        f'<div class="nst-progress"><progress value="{update.step}" max="{update.steps}"></progress>'
        f"<br>{text}</div>"
    )


def loss_frame(history: tuple[dict[str, float], ...]) -> pd.DataFrame | None:
    """The weighted loss terms by step, as log10, in the long form Gradio's line plot takes (a term
    that is 0, such as the content loss of the first step, has no point). None before the first
    step: a plot that starts from an empty table draws no lines later (Gradio 6.31)."""
    rows = [
        {"step": row["step"], "term": term, "log10_loss": round(math.log10(row[term]), 3)}
        for row in history
        for term in LOSS_TERMS
        if row.get(term, 0) > 0
    ]
    if not rows:
        return None
    return pd.DataFrame(rows).astype({"step": "int64", "term": "str", "log10_loss": "float64"})


SERVER_PATH = re.compile(r"(?<![\w:/.])/(?:[^\s/;,'\"()]+/)+([^\s/;,'\"()]+)")
"""An absolute path in a message (not the path of a web address): its folders are the server's."""


def without_server_paths(message: str) -> str:
    """A message as a visitor sees it: each absolute path reduced to its file name, so that no
    folder of the server (its upload folder, its caches, its home) is shown."""
    return SERVER_PATH.sub(r"\1", message)


def error_line(exc: BaseException, size: int | float | str) -> str:
    """Any failure as the one line the command line would print, without the server's folders."""
    if isinstance(exc, NSTError):
        return without_server_paths(str(exc))
    if isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError":
        return f"out of memory at size {size}; try a smaller size"
    first = without_server_paths((str(exc).strip().splitlines() or [""])[0][:300])
    return f"unexpected {type(exc).__name__}: {first}; please report it"


def stylize_page(
    request: gr.Request | None,  # Gradio passes the visitor's (it looks for it before *values)
    *values: Any,
) -> Iterator[tuple[Any, str, str, pd.DataFrame | None, list[str] | None]]:
    """The Start button: yields (image, progress, status, loss plot, files) as the run goes (notebook 09).

    Everything a visitor sends is checked here, at the edge: menus take only their entries, uploads
    only files Gradio received for the page, addresses only public ones. A visitor holds one place;
    their previous run's files are removed as this one starts.
    """
    session = getattr(request, "session_hash", None) or "local"
    visitor = visitor_of(request)
    image, progress, plot, files = result_html(None), "", loss_frame(()), None
    if not PLACES.take(visitor, running=True, session=session):
        yield image, progress, f"Error: {ONE_PLACE}", plot, files
        return
    stop = threading.Event()
    _STOPS[session] = stop
    folder = RUNS.new_run(session)
    status = "preparing the network and the images..."
    try:
        yield image, progress, status, plot, files
        controls = dict(zip(CONTROLS, values))
        for name in ("content_upload", "style_upload"):
            controls[name] = received_upload(controls.get(name), name.replace("_", " "), folder)
        new = PlaygroundRequest(**controls)
        note = ""
        for update in stream_run(new, stop, folder):
            image = result_html(update.image, final=update.done)
            progress, plot = progress_html(update), loss_frame(update.history)
            if update.notice:  # what "auto" substituted stays in sight for the whole run
                note = f"\n\nNote: {update.notice}"
            if update.done:
                status, files = update.message or "", list(update.files)
            else:
                status = "running; Stop keeps the best image so far"
            yield image, progress, status + note, plot, files
    except Exception as exc:
        size = dict(zip(CONTROLS, values)).get("max_dim", "?")
        yield image, progress, f"Error: {error_line(exc, size)}", plot, files
    finally:
        stop.set()  # a closed tab ends its run too
        PLACES.release(visitor)
        if _STOPS.get(session) is stop:
            del _STOPS[session]


def stop_page(request: gr.Request = None) -> str:  # type: ignore[assignment]
    """The Stop button: asks the visitor's current run to end after its step."""
    stop = _STOPS.get(getattr(request, "session_hash", None) or "local")
    if stop is None:
        return "nothing is running"
    stop.set()
    return "stopping after this step; the best image so far will be kept"


def control(spec: Option) -> Any:
    """The page's widget for one option of the table: a menu for choices, a slider for a bounded
    range, a number box otherwise."""
    common = {"value": spec.default, "label": spec.page, "elem_id": spec.name.replace("_", "-")}
    if spec.choices:
        menu = gr.Dropdown if len(spec.choices) > 4 else gr.Radio
        return menu(list(spec.choices), **common)
    if spec.name in KNOBS:
        return gr.Slider(spec.low, spec.high, step=0.1, **common)
    if spec.kind is int and spec.high - spec.low <= 10_000:
        return gr.Slider(spec.low, spec.high, step=1, **common)
    if spec.kind is int:
        return gr.Number(precision=0, minimum=spec.low, maximum=spec.high, **common)
    return gr.Number(minimum=spec.low, maximum=spec.high, **common)


def main_controls() -> dict[str, Option]:
    """The controls in sight: the table's page options that are not advanced, then the knobs."""
    main = {name: spec for name, spec in PAGE_OPTIONS.items() if not spec.advanced}
    return {**main, **KNOBS}


def advanced_controls() -> dict[str, Option]:
    """The controls under "Advanced"."""
    return {name: spec for name, spec in PAGE_OPTIONS.items() if spec.advanced}


def build_app() -> gr.Blocks:
    """The page, as a ``gradio.Blocks`` (launch it with :func:`launch_app`) (notebook 09)."""
    with gr.Blocks(
        title="Neural style transfer playground",
        analytics_enabled=False,
        delete_cache=(300, int(RESULT_LIFETIME)),  # Gradio's copies of uploads
        **(look() if GRADIO_MAJOR < 6 else {}),
    ) as page:
        gr.Markdown(
            "# Neural style transfer playground\n"
            "Pick a photo and a style, press **Start** and watch the picture form (Gatys, Ecker "
            "and Bethge 2016). Your upload or webcam snapshot wins over a web address, which wins "
            "over the shipped photo."
        )
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                with gr.Row():
                    content = gr.Dropdown(
                        [(content_label(n), n) for n in CONTENT_CHOICES],
                        value=CONTENT_CHOICES[0],
                        label="Content: a shipped photo",
                    )
                    style = gr.Dropdown(
                        [(style_label(n), n) for n in STYLE_CHOICES],
                        value=STYLE_CHOICES[0],
                        label="Style: shipped or a famous painting",
                    )
                with gr.Row():
                    content_upload = gr.Image(
                        label="...or your photo (upload, webcam, paste)",
                        sources=["upload", "webcam", "clipboard"],
                        type="filepath",
                        height=180,
                        elem_id="content-upload",
                    )
                    style_upload = gr.Image(
                        label="...or your style image",
                        sources=["upload", "clipboard"],
                        type="filepath",
                        height=180,
                        elem_id="style-upload",
                    )
                content_url = gr.Textbox(
                    label="...or a photo's web address", placeholder="https://...", max_lines=1
                )
                sources = {
                    "content": content,
                    "content_upload": content_upload,
                    "content_url": content_url,
                    "style": style,
                    "style_upload": style_upload,
                }
                widgets = {name: control(spec) for name, spec in main_controls().items()}
                with gr.Accordion("Advanced", open=False):
                    widgets |= {name: control(spec) for name, spec in advanced_controls().items()}
            with gr.Column(scale=1, min_width=300):
                with gr.Row():
                    start = gr.Button("Start", variant="primary", elem_id="start")
                    stop = gr.Button("Stop", variant="stop", elem_id="stop")
                progress = gr.HTML(elem_id="progress")
                status = gr.Markdown(elem_id="status")
                result = gr.HTML(
                    result_html(None), label="Result (updates as it forms)", elem_id="result"
                )
                plot = gr.LinePlot(
                    None,
                    x="step",
                    y="log10_loss",
                    y_title="log10 of the weighted loss",
                    color="term",
                    label="Losses",
                    height=220,
                )
                files = gr.File(
                    label="Best image and its record", file_count="multiple", elem_id="files"
                )
        admission = {}
        PLACES.waiting = queue_holds(page)
        if "validator" in inspect.signature(start.click).parameters:  # Gradio 5.4x and 6
            # Start's parameters, so that Gradio passes the visitor's request to it too
            admission["validator"] = functools.wraps(stylize_page)(admit)
        start.click(
            stylize_page,
            inputs=[{**sources, **widgets}[name] for name in CONTROLS],
            outputs=[result, progress, status, plot, files],
            api_name="stylize",
            preprocess=False,  # uploads reach stream_run unopened, so bad files get its one line
            show_progress="hidden",
            trigger_mode="once",  # a second click while a run waits or goes is ignored
            **admission,  # Gradio 6: one place per visitor is checked before queueing
        )
        stop.click(stop_page, outputs=status, api_name="stop", queue=False)
    return page


def look() -> dict[str, Any]:
    """The page's theme (the system's fonts: the page fetches nothing from the internet) and CSS."""
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )
    return {"theme": theme, "css": CSS}


def launch_app(
    page: Any = None,
    host: str = HOST,
    port: int | None = PORT,
    share: bool = False,
    **options: Any,
) -> Any:
    """Serve the page (queue: one run at a time) on ``host:port``; ``options`` go to Gradio's launch (notebook 09).

    No public link unless ``share=True``, which prints what it exposes: on Colab the page shows
    through Colab's own proxy, visible only to the notebook's user.
    """
    page = page if page is not None else build_app()
    if share:
        print(SHARE_WARNING, flush=True)
    page.queue(default_concurrency_limit=1, max_size=32)
    sweep_on_schedule()
    return page.launch(
        server_name=host,
        server_port=port,
        share=share,
        max_file_size=MAX_UPLOAD_BYTES,
        app_kwargs={"middleware": [Middleware(UploadQuota)]},
        ssr_mode=False,
        **(look() if GRADIO_MAJOR >= 6 else {}),
        **options,
    )


def serve(host: str = HOST, port: int = PORT, share: bool = False) -> int:
    """``python -m nst_helpers app``: serve until Ctrl-C."""
    from nst_helpers.plumbing.machine import import_tensorflow_quietly

    import_tensorflow_quietly()
    print(f"the playground: http://{host}:{port} (Ctrl-C stops it)", flush=True)
    launch_app(host=host, port=port, share=share, quiet=True)
    return 0


__all__ = ["build_app", "launch_app", "serve", "stylize_page", "stop_page"]
