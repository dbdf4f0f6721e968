"""The playground's page: a Gradio app to stylize your own photo, webcam included, with live
progress (``make app``, ``python -m nst_helpers app``; shown inline in notebook 09).

The page only gathers the controls and shows what :func:`nst_helpers.playground.stream_run` yields.
It runs one stylization at a time (two cores cannot run two well); other visitors wait in Gradio's
queue and see their place. Gradio's analytics are off, its fonts are the system's, and it listens
on 127.0.0.1 unless told otherwise, so nothing leaves the machine.
"""

from __future__ import annotations

import base64
import math
import os
import tempfile
import threading
from typing import Any, Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before Gradio is imported
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402

from .color import COLOR_MODES  # noqa: E402
from .errors import NSTError  # noqa: E402
from .playground import (  # noqa: E402
    CONTENT_CHOICES,
    HOST,
    PLAYGROUND_DEFAULTS,
    PORT,
    SIZE_RANGE,
    STEPS_RANGE,
    STRENGTH_RANGE,
    STYLE_CHOICES,
    TV_RANGE,
    WEIGHT_CHOICES,
    PlaygroundRequest,
    Update,
    architecture_choices,
    content_label,
    stream_run,
    style_label,
)
from .precision import PRECISIONS  # noqa: E402
from .settings import OPTIMIZERS, STEP_MODES  # noqa: E402

MAX_UPLOAD = "40mb"  # larger files are refused by the page before they are sent
LOSS_TERMS = ("total", "content", "style", "tv")
CSS = """
.nst-progress progress { width: 100%; height: 1.1em; }
.nst-progress { font-size: 0.95em; }
"""

_STOPS: dict[str, threading.Event] = {}
"""The Stop button's flag of each visitor's current run, by Gradio session."""


def upload_path(value: Any) -> str | None:
    """The server-side file of an image input as Gradio sends it unprocessed (a path, or a data URL
    from a webcam snapshot, written to a temporary file), or None when the input is empty."""
    if not value:
        return None
    if isinstance(value, str):
        return value
    path, url = value.get("path"), value.get("url") or ""
    if path:
        return str(path)
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        suffix = ".png" if "png" in header else ".jpg"
        with tempfile.NamedTemporaryFile(prefix="nst-upload-", suffix=suffix, delete=False) as f:
            f.write(base64.b64decode(data))
        return f.name
    return None


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


def error_line(exc: BaseException, size: Any) -> str:
    """Any failure as the one line the command line would print."""
    if isinstance(exc, NSTError):
        return str(exc)
    if isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError":
        return f"out of memory at size {size}; try a smaller size"
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"unexpected {type(exc).__name__}: {first}; please report it"


def stylize_page(
    content: str,
    content_upload: Any,
    content_url: str,
    style: str,
    style_upload: Any,
    architecture: str,
    steps: float,
    size: float,
    style_strength: float,
    tv_strength: float,
    learning_rate: float,
    step_mode: str,
    precision: str,
    seed: float,
    weights: str,
    color: str = PLAYGROUND_DEFAULTS.color,
    optimizer: str = PLAYGROUND_DEFAULTS.optimizer,
    request: gr.Request = None,  # type: ignore[assignment]  # Gradio passes the visitor's
) -> Iterator[tuple[Any, str, str, pd.DataFrame | None, list[str] | None]]:
    """The Start button: yields (image, progress, status, loss plot, files) as the run goes."""
    session = getattr(request, "session_hash", None) or "local"
    stop = threading.Event()
    _STOPS[session] = stop
    image, progress, plot, files = None, "", loss_frame(()), None
    status = "preparing the network and the images..."
    try:
        yield image, progress, status, plot, files
        new = PlaygroundRequest(
            content=content,
            style=style,
            content_upload=upload_path(content_upload),
            content_url=content_url or "",
            style_upload=upload_path(style_upload),
            architecture=architecture,
            weights=weights,
            steps=steps,
            size=size,
            style_strength=style_strength,
            tv_strength=tv_strength,
            learning_rate=learning_rate,
            step_mode=step_mode,
            precision=precision,
            seed=seed,
            color=color,
            optimizer=optimizer,
        )
        note = ""
        for update in stream_run(new, stop):
            image, progress = update.image, progress_html(update)
            plot = loss_frame(update.history)
            if update.notice:  # what "auto" substituted stays in sight for the whole run
                note = f"\n\nNote: {update.notice}"
            if update.done:
                status, files = update.message or "", list(update.files)
            else:
                status = "running; Stop keeps the best image so far"
            yield image, progress, status + note, plot, files
    except Exception as exc:
        yield image, progress, f"Error: {error_line(exc, size)}", plot, files
    finally:
        if _STOPS.get(session) is stop:
            del _STOPS[session]


def stop_page(request: gr.Request = None) -> str:  # type: ignore[assignment]
    """The Stop button: asks the visitor's current run to end after its step."""
    stop = _STOPS.get(getattr(request, "session_hash", None) or "local")
    if stop is None:
        return "nothing is running"
    stop.set()
    return "stopping after this step; the best image so far will be kept"


def build_app() -> gr.Blocks:
    """The page, as a ``gradio.Blocks`` (launch it with :func:`launch_app`)."""
    d = PLAYGROUND_DEFAULTS
    with gr.Blocks(title="Neural style transfer playground", analytics_enabled=False) as page:
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
                architecture = gr.Dropdown(
                    architecture_choices(), value=d.architecture, label="Backbone"
                )
                steps = gr.Slider(*STEPS_RANGE, value=d.steps, step=1, label="Steps")
                size = gr.Slider(
                    *SIZE_RANGE, value=d.max_dim, step=1, label="Working size (long side, px)"
                )
                style_strength = gr.Slider(
                    *STRENGTH_RANGE,
                    value=0.0,
                    step=0.1,
                    label="Style strength (log10: +1 is ten times more style than the default)",
                )
                tv_strength = gr.Slider(
                    *TV_RANGE, value=1.0, step=0.1, label="Smoothing (total variation, x default)"
                )
                with gr.Accordion("Advanced", open=False):
                    learning_rate = gr.Number(
                        value=d.learning_rate, label="Learning rate (Adam)", minimum=0.0001
                    )
                    step_mode = gr.Radio(list(STEP_MODES), value=d.step_mode, label="Step mode")
                    precision = gr.Radio(list(PRECISIONS), value=d.precision, label="Precision")
                    seed = gr.Number(value=d.seed or 0, precision=0, label="Seed")
                    color = gr.Radio(
                        list(COLOR_MODES),
                        value=d.color,
                        label="Colours (luminance, histogram: keep the photo's; notebook 08)",
                    )
                    optimizer = gr.Radio(
                        list(OPTIMIZERS),
                        value=d.optimizer,
                        label="Optimizer (lbfgs: steps are L-BFGS iterations)",
                    )
                    weights = gr.Radio(
                        list(WEIGHT_CHOICES),
                        value="auto",
                        label="Weights (auto: ImageNet, or the offline VGG16 without internet; none: random)",
                        elem_id="weights",
                    )
            with gr.Column(scale=1, min_width=300):
                with gr.Row():
                    start = gr.Button("Start", variant="primary", elem_id="start")
                    stop = gr.Button("Stop", variant="stop", elem_id="stop")
                progress = gr.HTML(elem_id="progress")
                status = gr.Markdown(elem_id="status")
                result = gr.Image(
                    label="Result (updates as it forms)",
                    interactive=False,
                    format="png",
                    height=340,
                    elem_id="result",
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
        start.click(
            stylize_page,
            inputs=[
                content,
                content_upload,
                content_url,
                style,
                style_upload,
                architecture,
                steps,
                size,
                style_strength,
                tv_strength,
                learning_rate,
                step_mode,
                precision,
                seed,
                weights,
                color,
                optimizer,
            ],
            outputs=[result, progress, status, plot, files],
            api_name="stylize",
            preprocess=False,  # uploads reach stream_run unopened, so bad files get its one line
            show_progress="hidden",
        )
        stop.click(stop_page, outputs=status, api_name="stop", queue=False)
    return page


def launch_app(page: Any = None, host: str = HOST, port: int | None = PORT, **options: Any) -> Any:
    """Serve the page (queue: one run at a time) on ``host:port``; ``options`` go to Gradio's launch."""
    page = page if page is not None else build_app()
    theme = gr.themes.Default(
        font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]
    )  # system fonts: the page fetches nothing from the internet
    page.queue(default_concurrency_limit=1, max_size=32)
    return page.launch(
        server_name=host,
        server_port=port,
        max_file_size=MAX_UPLOAD,
        ssr_mode=False,
        theme=theme,
        css=CSS,
        **options,
    )


def serve(host: str = HOST, port: int = PORT) -> int:
    """``python -m nst_helpers app``: serve until Ctrl-C."""
    from .environment import import_tensorflow_quietly

    import_tensorflow_quietly()
    print(f"the playground: http://{host}:{port} (Ctrl-C stops it)", flush=True)
    launch_app(host=host, port=port, quiet=True)
    return 0


__all__ = ["build_app", "launch_app", "serve", "stylize_page", "stop_page"]
