"""The command line: ``python -m nst_helpers stylize CONTENT STYLE -o OUT.png``.

Inputs are checked before TensorFlow loads, so a mistake costs a second, not a model build.
Every problem is one line on stderr and a non-zero exit code; the image is written atomically,
with a JSON record of the run beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from .architectures import ARCHITECTURES
from .catalog import PAINTINGS, SHIPPED, resolve_image
from .errors import NSTError
from .files import write_text_atomically
from .images import SAVE_FORMATS, is_url, load_image, save_image
from .precision import PRECISIONS
from .settings import INITS, STEP_MODES, Settings

EXIT_ERROR = 2
EXIT_NOT_FINITE = 3
EXIT_INTERRUPTED = 130


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


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m nst_helpers", description="Neural style transfer (Gatys et al. 2016).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = commands.add_parser("stylize", help="stylize a content image with a style image")
    run.add_argument("content", help="content image: a path, a URL, or a name from `images`")
    run.add_argument("style", help="style image: a path, a URL, or a name from `images`")
    run.add_argument("-o", "--output", required=True, help="output image, .png or .jpg (a .json record goes beside it)")
    run.add_argument("--arch", default="vgg19", help=f"architecture: {', '.join(ARCHITECTURES)} (default vgg19)")
    run.add_argument(
        "--weights",
        default="auto",
        help="auto (ImageNet, or the offline VGG16 where it cannot be downloaded), imagenet, offline-vgg16, "
        "none, or a weights file (default auto)",
    )
    run.add_argument("--max-dim", type=int, default=512, help="long side in pixels (default 512)")
    run.add_argument("--steps", type=int, default=300, help="Adam steps (default 300)")
    run.add_argument("--lr", type=float, default=0.02, help="learning rate on [0, 1] pixels (default 0.02)")
    run.add_argument("--content-weight", type=float, help="default: the architecture's")
    run.add_argument("--style-weight", type=float, help="default: the architecture's")
    run.add_argument("--tv-weight", type=float, help="default: the architecture's")
    run.add_argument("--content-layers", type=layer_list, help="comma-separated layer names (default: the architecture's)")
    run.add_argument("--style-layers", type=layer_list, help="comma-separated layer names (default: the architecture's)")
    run.add_argument("--init", default="content", choices=INITS, help="starting image (default content)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument(
        "--step-mode", default="function", choices=STEP_MODES, help="eager, function (default) or xla"
    )
    run.add_argument(
        "--precision", default="auto", choices=PRECISIONS,
        help="float32, mixed (bfloat16 on CPUs with AVX-512 BF16/AMX, float16 on GPUs), or auto (default): "
        "mixed where the hardware runs it natively",
    )
    run.add_argument("--save-every", type=int, default=0, help="also save OUT-stepNNNN.png every N steps (0: off)")

    commands.add_parser("images", help="list the shipped images and the paintings known by URL")
    return parser


def check_output(output: Path, inputs: Sequence[Any]) -> Path:
    """The output must be .png/.jpg, in a writable place, and not one of the input images."""
    if output.suffix.lower() not in SAVE_FORMATS:
        raise NSTError(f"output {output} must end in .png, .jpg or .jpeg")
    if output.is_dir():
        raise NSTError(f"output {output} is a folder; give a file name such as {output / 'result.png'}")
    for source in inputs:
        if not is_url(source) and Path(source).exists() and output.exists() and output.samefile(source):
            raise NSTError(f"output {output} is an input image; choose another name so the input is not overwritten")
    output.parent.mkdir(parents=True, exist_ok=True)
    return output


def list_images() -> int:
    print("Shipped images (images/README.md has sources and licenses):")
    for name, path in SHIPPED.items():
        print(f"  {name:16s} images/{path}")
    print("Paintings downloaded on first use (need internet):")
    for name, painting in PAINTINGS.items():
        print(f"  {name:16s} {painting.artist}, {painting.title} ({painting.year})")
    return 0


def quiet_tensorflow() -> None:
    """Hide TensorFlow's start-up chatter (set before it is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def run_record(result: Any, args: argparse.Namespace, notice: str | None, seconds: float) -> dict[str, Any]:
    """The JSON record written beside the image."""
    from dataclasses import asdict

    from .environment import gpu_names, versions

    settings = asdict(result.settings)
    return {
        "content": str(args.content),
        "style": str(args.style),
        "output": str(args.output),
        "settings": settings,
        "weights_used": result.extras.get("weights"),
        "precision_used": result.extras.get("policy"),
        "precision_reason": result.extras.get("precision_reason"),
        "notice": notice,
        "stopped": result.stopped,
        "message": result.message,
        "steps_run": len(result.history),
        "best_step": result.best_step,
        "final_losses": result.final_losses,
        "median_step_seconds": result.median_step_seconds,
        "total_seconds": seconds,
        "image_size": list(result.image.shape[1:3]),
        "devices": gpu_names() or ["CPU"],
        "versions": versions(),
    }


def stylize_command(args: argparse.Namespace) -> int:
    requested = Settings(
        architecture=args.arch,
        weights=args.weights,
        max_dim=args.max_dim,
        steps=args.steps,
        learning_rate=args.lr,
        content_weight=args.content_weight,
        style_weight=args.style_weight,
        tv_weight=args.tv_weight,
        content_layers=args.content_layers,
        style_layers=args.style_layers,
        init=args.init,
        seed=args.seed,
        step_mode=args.step_mode,
        precision=args.precision,
    )
    settings = requested.checked()
    if args.save_every < 0:
        raise NSTError(f"--save-every {args.save_every} is negative; use 0 (off) or a number of steps")
    content_source, style_source = resolve_image(args.content), resolve_image(args.style)
    output = check_output(Path(args.output), [content_source, style_source])
    content = load_image(content_source, settings.max_dim)
    style = load_image(style_source, settings.max_dim)

    quiet_tensorflow()
    from .optimize import prepare_run, stylize
    from .progress import ProgressBar

    settings, extractor, notice = prepare_run(requested)
    if notice:
        print(f"NOTE: {notice}", flush=True)
    print(
        f"{settings.architecture} ({extractor.weights_description} weights), {content.shape[2]}x{content.shape[1]} px, "
        f"{settings.steps} steps, step mode {settings.step_mode}, "
        f"precision {extractor.policy_name} ({extractor.precision_reason})",
        flush=True,
    )
    bar = ProgressBar(settings.steps, description=output.name)

    def callback(step: int, image: Any, losses: dict[str, float]) -> None:
        bar(step, image, losses)
        if args.save_every and step % args.save_every == 0:
            save_image(image.numpy(), output.with_name(f"{output.stem}-step{step:04d}{output.suffix}"))

    callback.close = bar.close  # type: ignore[attr-defined]
    start = time.perf_counter()
    result = stylize(content, style, settings, extractor=extractor, callback=callback, callback_every=1)
    seconds = time.perf_counter() - start

    image = result.best_image if result.history else result.image
    save_image(image, output)
    record = output.with_suffix(".json")
    write_text_atomically(record, json.dumps(run_record(result, args, notice, seconds), indent=2) + "\n")
    losses = ", ".join(f"{k} {v:.4g}" for k, v in result.final_losses.items())
    print(f"wrote {output} (best step {result.best_step}) and {record}; {losses}; "
          f"median step {result.median_step_seconds:.3f} s")
    if result.stopped == "not finite":
        print(f"error: {result.message}", file=sys.stderr)
        return EXIT_NOT_FINITE
    if result.stopped == "interrupted":
        print(f"stopped: {result.message}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "images":
            return list_images()
        return stylize_command(args)
    except NSTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("stopped: interrupted before the optimisation started; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print(f"error: out of memory at --max-dim {args.max_dim}; try a smaller --max-dim", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # TensorFlow's out-of-memory error, without importing TensorFlow here
        if type(exc).__name__ != "ResourceExhaustedError":
            raise
        print(f"error: out of memory at --max-dim {args.max_dim}; try a smaller --max-dim", file=sys.stderr)
        return EXIT_ERROR
