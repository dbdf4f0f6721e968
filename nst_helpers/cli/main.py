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

from nst_helpers.controls.presets import PRESETS, apply_preset
from nst_helpers.core.architectures import ARCHITECTURES
from nst_helpers.core.color import COLOR_MODES
from nst_helpers.core.errors import NSTError, shown
from nst_helpers.core.images import check_image_file, load_image, save_image
from nst_helpers.core.precision import PRECISIONS
from nst_helpers.core.settings import (
    DEFAULTS,
    INITS,
    LR_SCHEDULES,
    OPTIMIZERS,
    STEP_MODES,
    STYLE_BALANCES,
    Settings,
)
from nst_helpers.core.sources import PAINTINGS, SHIPPED, fetch_url, is_url, resolve_image
from nst_helpers.page.requests import HOST, PORT
from nst_helpers.plumbing.downloads import IMAGE_DOWNLOADS
from nst_helpers.plumbing.files import rescue_path
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

FLAGS = {
    "architecture": "--arch",
    "weights": "--weights",
    "max_dim": "--max-dim",
    "upscale": "--upscale",
    "steps": "--steps",
    "learning_rate": "--lr",
    "content_weight": "--content-weight",
    "style_weight": "--style-weight",
    "tv_weight": "--tv-weight",
    "content_layers": "--content-layers",
    "style_layers": "--style-layers",
    "style_balance": "--style-balance",
    "init": "--init",
    "lr_schedule": "--lr-schedule",
    "adam_beta_1": "--adam-beta1",
    "seed": "--seed",
    "step_mode": "--step-mode",
    "precision": "--precision",
    "style_scale": "--style-scale",
    "style_blend": "--style-weights",
    "color": "--color",
    "optimizer": "--optimizer",
}
"""Each setting's command-line flag, so that messages name what the user typed."""


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
        help="style image(s): a path, a URL, or a name from `images`; several are blended (--style-weights)",
    )
    run.add_argument(
        "-o",
        "--output",
        required=True,
        help="output image, .png or .jpg (a .json record goes beside it)",
    )
    run.add_argument(
        "--arch",
        default=d.architecture,
        help=f"architecture: {', '.join(ARCHITECTURES)} (default %(default)s)",
    )
    run.add_argument(
        "--weights",
        default=d.weights,
        help="auto (ImageNet, or the offline VGG16 where it cannot be downloaded), imagenet, offline-vgg16, "
        "none, or a weights file (default %(default)s)",
    )
    run.add_argument(
        "--max-dim", type=int, default=d.max_dim, help="long side in pixels (default %(default)s)"
    )
    run.add_argument(
        "--upscale",
        action="store_true",
        default=d.upscale,
        help="enlarge images smaller than --max-dim",
    )
    run.add_argument(
        "--preset",
        choices=PRESETS,
        help="start from a known configuration: "
        + "; ".join(f"{p.name}: {p.source.split(':')[0]}" for p in PRESETS.values())
        + " (options given beside it win)",
    )
    run.add_argument(
        "--steps",
        type=int,
        default=d.steps,
        help="Adam steps or L-BFGS iterations (default %(default)s)",
    )
    run.add_argument(
        "--optimizer",
        default=d.optimizer,
        choices=OPTIMIZERS,
        help="adam, or lbfgs (SciPy's L-BFGS-B within [0, 1]) (default %(default)s)",
    )
    run.add_argument(
        "--color",
        default=d.color,
        choices=COLOR_MODES,
        help="keep the photo's colours: luminance (stylize brightness only) or histogram (the painting "
        "recoloured to the photo's first) (default %(default)s)",
    )
    run.add_argument(
        "--style-weights",
        type=number_list,
        default=d.style_blend,
        help="one weight per style image, such as 0.7,0.3 (default: equal)",
    )
    run.add_argument(
        "--style-scale",
        type=float,
        default=d.style_scale,
        help="the style image's long side as a multiple of --max-dim: larger makes the pattern larger "
        "(default %(default)s)",
    )
    run.add_argument(
        "--lr",
        type=float,
        default=d.learning_rate,
        help="learning rate on [0, 1] pixels (default %(default)s)",
    )
    run.add_argument(
        "--content-weight", type=float, default=d.content_weight, help="default: the architecture's"
    )
    run.add_argument(
        "--style-weight", type=float, default=d.style_weight, help="default: the architecture's"
    )
    run.add_argument(
        "--tv-weight", type=float, default=d.tv_weight, help="default: the architecture's"
    )
    run.add_argument(
        "--content-layers",
        type=layer_list,
        default=d.content_layers,
        help="comma-separated layer names (default: the architecture's)",
    )
    run.add_argument(
        "--style-layers",
        type=layer_list,
        default=d.style_layers,
        help="comma-separated layer names (default: the architecture's)",
    )
    run.add_argument(
        "--style-balance",
        default=d.style_balance,
        choices=STYLE_BALANCES,
        help="relative: each style layer's error relative to its target, so all take part; equal: Gatys et "
        "al.'s 1/L weights, where the first layers dominate (default %(default)s)",
    )
    run.add_argument(
        "--init",
        default=d.init,
        choices=INITS,
        help="starting image: the photo recoloured to the painting's palette, the photo, the painting "
        "or noise (default %(default)s)",
    )
    run.add_argument(
        "--lr-schedule",
        default=d.lr_schedule,
        choices=LR_SCHEDULES,
        help="cosine: the learning rate falls to a third of --lr by the last step; constant: it stays "
        "(default %(default)s)",
    )
    run.add_argument(
        "--adam-beta1",
        type=float,
        default=d.adam_beta_1,
        help="Adam's momentum (default %(default)s; TensorFlow's tutorial uses 0.99)",
    )
    run.add_argument("--seed", type=int, default=d.seed, help="random seed (default %(default)s)")
    run.add_argument(
        "--step-mode",
        default=d.step_mode,
        choices=STEP_MODES,
        help="eager, function (the whole step compiled with tf.function) or xla (default %(default)s)",
    )
    run.add_argument(
        "--precision",
        default=d.precision,
        choices=PRECISIONS,
        help="float32, mixed (bfloat16 on CPUs, float16 on GPUs), or auto: mixed only on CPUs with AMX and GPUs "
        "with tensor cores, where it was measured faster (default %(default)s)",
    )
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
    return replace(
        base,
        architecture=args.arch,
        weights=args.weights,
        max_dim=args.max_dim,
        upscale=args.upscale,
        steps=args.steps,
        learning_rate=args.lr,
        content_weight=args.content_weight,
        style_weight=args.style_weight,
        tv_weight=args.tv_weight,
        content_layers=args.content_layers,
        style_layers=args.style_layers,
        style_balance=args.style_balance,
        init=args.init,
        lr_schedule=args.lr_schedule,
        adam_beta_1=args.adam_beta1,
        seed=args.seed,
        step_mode=args.step_mode,
        precision=args.precision,
        optimizer=args.optimizer,
        color=args.color,
        style_blend=args.style_weights,
        style_scale=args.style_scale,
    )


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
    settings.blend_for(len(args.style))  # one weight per style image
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
    from nst_helpers.core.setup import import_tensorflow_quietly

    import_tensorflow_quietly()
    from nst_helpers.core.optimize import stylize
    from nst_helpers.core.prepare import prepare_run
    from nst_helpers.core.progress import ProgressBar
    from nst_helpers.plumbing.estimate import check_run_cost, estimate_run

    run = prepare_run(settings)
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
    result = stylize(content, styles, run, callback=callback, callback_every=1)
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
