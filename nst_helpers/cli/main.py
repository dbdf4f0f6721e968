"""The command line: ``python -m nst_helpers stylize CONTENT STYLE -o OUT.png``.

Inputs and the output place are checked before TensorFlow loads, so a mistake costs a second, not a
model build. Every problem is one line on stderr, naming the command-line flag, and a non-zero exit
code. Ctrl-C, SIGTERM and SIGHUP stop the run and still write the best image so far with its record.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from nst_helpers.controls.blend import blend_for
from nst_helpers.controls.presets import PRESETS, apply_preset
from nst_helpers.core.errors import NSTError, shown
from nst_helpers.core.images import load_image
from nst_helpers.core.settings import DEFAULTS, OPTIONS, Settings
from nst_helpers.core.sources import PAINTINGS, SHIPPED, is_url, resolve_image
from nst_helpers.page import HOST, PORT
from nst_helpers.plumbing.downloads import IMAGE_DOWNLOADS
from nst_helpers.plumbing.fetching import check_image_file, fetch_url, guarded
from nst_helpers.plumbing.files import rescue_path, save_image
from nst_helpers.plumbing.outputs import (
    check_output,
    claimed,
    run_record,
    snapshot_path,
    write_results,
)
from nst_helpers.plumbing.signals import exit_code, signal_of, signals_deferred, stop_on_signals

EXIT_ERROR = 2
EXIT_NOT_FINITE = 3

FLAGS = {name: spec.flag for name, spec in OPTIONS.items() if spec.flag}
"""Each setting's command-line flag (from the table of options), so that messages name what the
user typed."""


def in_flags(message: str) -> str:
    """Rewrite the Python names of settings in a message as their flags (``learning_rate=`` -> ``--lr=``)."""
    for field, flag in FLAGS.items():
        pattern = rf"\b{field}\b" if "_" in field else rf"\b{field}(?==)"
        message = re.sub(pattern, flag, message)
    return message


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line, not the usage block plus a line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_ERROR, f"error: {message}; see {self.prog} --help\n")


def layer_list(text: str) -> tuple[str, ...]:
    """'a,b' -> ('a', 'b')."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("give at least one layer name")
    return names


def number_list(text: str) -> tuple[float, ...]:
    """'0.7,0.3' -> (0.7, 0.3)."""
    try:
        numbers = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of numbers such as 0.7,0.3"
        ) from None
    if not numbers:
        raise argparse.ArgumentTypeError("give one number per style, such as 0.7,0.3")
    return numbers


ARGUMENT_TYPES = {int: int, float: float, str: str, "layers": layer_list, "numbers": number_list}


def add_options(parser: argparse.ArgumentParser, d: Settings, options: dict = OPTIONS) -> None:
    """One flag per option of the table, with its help, choices and default (taken from ``d``)."""
    for name, spec in options.items():
        if spec.flag is None:
            continue
        default = getattr(d, name)
        shown = "" if default is None else " (default %(default)s)"
        flags = (spec.flag, *spec.aliases)
        if spec.kind is bool:
            parser.add_argument(
                *flags, dest=name, action="store_true", default=default, help=spec.help
            )
            continue
        parser.add_argument(
            *flags,
            dest=name,
            type=ARGUMENT_TYPES[spec.kind],
            choices=spec.choices or None,
            default=default,
            help=spec.help + shown,
        )


def build_parser(d: Settings = DEFAULTS) -> argparse.ArgumentParser:
    """The options, with their defaults taken from ``d`` (``settings.DEFAULTS``, or a preset's)."""
    parser = OneLineParser(
        prog="python -m nst_helpers", description="Neural style transfer (Gatys et al. 2016)."
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = commands.add_parser("stylize", help="stylize a content image with a style image")
    run.add_argument("content", help="content image: a path, a URL, or a name from `images`")
    run.add_argument(
        "style",
        nargs="+",
        help="style image(s): a path, a URL, or a name from `images`; several are blended (--blend)",
    )
    run.add_argument(
        "-o",
        "--output",
        required=True,
        help="output image, .png or .jpg (a .json record goes beside it)",
    )
    run.add_argument(
        "--preset",
        choices=PRESETS,
        help="start from a known configuration: "
        + "; ".join(f"{p.name}: {p.source.split(':')[0]}" for p in PRESETS.values())
        + " (options given beside it win)",
    )
    add_options(run, d)
    run.add_argument(
        "--allow-private-urls",
        action="store_true",
        help="let image URLs reach this machine and its private network (localhost, 10.x, 192.168.x, "
        "...); without it only public addresses are fetched, as the playground always does",
    )
    run.add_argument(
        "--save-every",
        type=int,
        default=0,
        help="also save OUT-stepNNNN.png every N steps (0: off)",
    )

    commands.add_parser("images", help="list the shipped images and the paintings known by URL")
    app = commands.add_parser("app", help="serve the playground page (a Gradio app, notebook 09)")
    app.add_argument(
        "--host",
        default=HOST,
        help="address to listen on (default %(default)s: this machine only; 0.0.0.0 opens it to the network)",
    )
    app.add_argument("--port", type=int, default=PORT, help="port (default %(default)s)")
    app.add_argument(
        "--share",
        action="store_true",
        help="also open a public *.gradio.live link through Gradio's servers: anyone with the link "
        "can use the page (off by default)",
    )
    return parser


def list_images() -> int:
    print("Shipped images (images/README.md has sources and licenses):")
    for name, path in SHIPPED.items():
        print(f"  {name:16s} images/{path}")
    print("Paintings downloaded on first use (need internet):")
    for name, painting in PAINTINGS.items():
        print(f"  {name:16s} {painting.artist}, {painting.title} ({painting.year})")
    return 0


def settings_from(args: argparse.Namespace, base: Settings = DEFAULTS) -> Settings:
    """The run's settings: ``base`` (the defaults or a preset's) with every option as given."""
    return replace(base, **{name: getattr(args, name) for name in FLAGS})


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Settings]:
    """Parse the options; with ``--preset``, parse again with the preset's values as defaults, so
    that options given beside it win. Returns the options and the settings they start from."""
    args = build_parser().parse_args(argv)
    if getattr(args, "preset", None):
        base = apply_preset(args.preset)
        return build_parser(base).parse_args(argv), base
    return args, DEFAULTS


def stylize_command(args: argparse.Namespace, base: Settings = DEFAULTS) -> int:
    settings = settings_from(args, base).checked()
    blend_for(settings, len(args.style))  # one weight per style image
    if args.save_every < 0:
        raise NSTError(
            f"--save-every {args.save_every} is negative; use 0 (off) or a number of steps"
        )
    sources = [resolve_image(args.content), *(resolve_image(style) for style in args.style)]
    output = check_output(Path(args.output), sources, settings.steps, args.save_every)
    with claimed(output):
        return run_stylize(args, settings, sources, output)


def run_stylize(
    args: argparse.Namespace, settings: Settings, sources: list[Any], output: Path
) -> int:
    """The run itself, once its inputs and output are checked and the output is claimed."""
    policy = IMAGE_DOWNLOADS.allowing_private() if args.allow_private_urls else IMAGE_DOWNLOADS
    sources = [
        fetch_url(source, check_image_file, policy) if is_url(source) else source
        for source in sources
    ]
    content = load_image(sources[0], settings.max_dim, settings.upscale)
    styles = [
        load_image(source, settings.style_max_dim, settings.upscale) for source in sources[1:]
    ]
    from nst_helpers.plumbing.machine import import_tensorflow_quietly

    import_tensorflow_quietly()
    from nst_helpers.controls.stylize import stylize_with_controls
    from nst_helpers.core.prepare import prepare_run
    from nst_helpers.core.progress import ProgressBar
    from nst_helpers.plumbing.estimate import check_run_cost, estimate_run

    run = prepare_run(settings, guarded())
    settings = run.settings
    if run.notice:
        print(f"NOTE: {run.notice}", flush=True)
    height, width = content.shape[1:3]
    slow = check_run_cost(
        estimate_run(run.extractor, height, width), settings.steps, settings.max_dim
    )
    if slow:
        print(f"NOTE: {in_flags(slow)}", flush=True)
    print(
        f"{run.architecture.name} ({run.weights_label} weights), {width}x{height} px, {settings.steps} steps, "
        f"step mode {settings.step_mode}, precision {run.policy} ({run.precision_reason})",
        flush=True,
    )
    bar = ProgressBar(settings.steps, description=output.name)

    snapshots = Snapshots(output, args.save_every)

    def callback(step: int, image: Any, losses: dict[str, float]) -> None:
        bar(step, image, losses)
        snapshots(step, image)

    callback.close = bar.close  # type: ignore[attr-defined]
    start = time.perf_counter()
    result = stylize_with_controls(content, styles, run, callback=callback, callback_every=1)
    seconds = time.perf_counter() - start

    image = result.best_image if result.history else result.image
    with (
        signals_deferred() as received
    ):  # a signal now waits until the image and its record are written
        record = write_results(
            image,
            output,
            run_record(result, str(args.content), "+".join(args.style), str(args.output), seconds),
        )
        losses = ", ".join(f"{k} {v:.4g}" for k, v in result.final_losses.items() if ":" not in k)
        print(
            f"wrote {output} (best step {result.best_step}) and {record}; {losses}; "
            f"median step {result.median_step_seconds:.3f} s"
        )
    if result.stopped == "flattened":
        print(f"note: {in_flags(result.message or '')}")
    if result.stopped == "not finite":
        print(f"error: {in_flags(result.message or '')}", file=sys.stderr)
        return EXIT_NOT_FINITE
    if result.interrupted_by is not None:
        print(f"stopped: {result.message}", file=sys.stderr)
        return exit_code(result.interrupted_by)
    if received:
        print(
            "stopped: a signal arrived while the results were written; they are complete",
            file=sys.stderr,
        )
        return exit_code(received[0])
    return 0


class Snapshots:
    """``--save-every N``: the image every N steps beside the output. A snapshot that cannot be
    written (a full disk) goes to the temporary folder instead, as the final image would; if that
    fails too, snapshots stop with one note and the run goes on, so the final image is never lost."""

    def __init__(self, output: Path, every: int) -> None:
        self.output, self.every = output, every

    def __call__(self, step: int, image: Any) -> None:
        if not self.every or step % self.every:
            return
        array = image.numpy()
        target = snapshot_path(self.output, step)
        try:
            save_image(array, target)
        except NSTError as failure:
            try:
                kept = save_image(array, rescue_path(target.name))
                print(f"\nNOTE: {failure}; this snapshot was kept at {kept}", flush=True)
            except NSTError:
                self.every = 0
                print(
                    f"\nNOTE: {failure}; snapshots are off for the rest of the run, which goes on",
                    flush=True,
                )


def app_command(args: argparse.Namespace) -> int:
    """Serve the playground, or say in one line why it cannot start."""
    if not 1 <= args.port <= 65535:
        raise NSTError(f"--port {args.port} is not a port; use a number from 1 to 65535")
    try:
        from nst_helpers.page.app import serve
    except ModuleNotFoundError as exc:
        if exc.name != "gradio":
            raise
        raise NSTError(
            "the playground needs Gradio: pip install gradio (make app installs it)"
        ) from None
    try:
        return serve(args.host, args.port, args.share)
    except OSError as exc:
        raise NSTError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); is the playground already "
            "running? Choose another --port"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args, base = parse(argv)
    try:
        with stop_on_signals():
            if args.command == "images":
                return list_images()
            if args.command == "app":
                return app_command(args)
            return stylize_command(args, base)
    except NSTError as exc:
        print(f"error: {in_flags(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP before the optimization started
        print(
            "stopped: interrupted before the optimization started; nothing was written",
            file=sys.stderr,
        )
        return exit_code(signal_of(exc))
    except PermissionError as exc:
        where = f" {shown(exc.filename)}" if exc.filename else ""
        print(
            f"error: permission denied:{where}; check the permissions of the file and its folders",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except MemoryError:
        print(
            f"error: out of memory at --max-dim {args.max_dim}; try a smaller --max-dim",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("NST_DEBUG"):
            raise
        if type(exc).__name__ == "ResourceExhaustedError":  # TensorFlow's out-of-memory error
            print(
                f"error: out of memory at --max-dim {args.max_dim}; try a smaller --max-dim",
                file=sys.stderr,
            )
        else:
            first_line = (str(exc).strip().splitlines() or [""])[0][:300]
            print(
                f"error: unexpected {type(exc).__name__}: {first_line}; rerun with NST_DEBUG=1 for the traceback "
                "and please report it",
                file=sys.stderr,
            )
        return EXIT_ERROR
