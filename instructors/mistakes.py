"""``make mistakes``: what students' usual mistakes look like in the picture, for the instructor's guide.

One photo and painting, the course's defaults, and one mistake per panel: the network fed pixels it
was not trained on (no preprocessing), a learning rate twenty times too high, content from the last
layer (from the course's start, and from noise beside the right layer from noise), Gram matrices
not divided by the positions (under Gatys' equal layer weights, beside the same without the
mistake). Writes ``docs/mistakes.png`` and prints each picture's
judged ratios (``nst.judge_pair``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tensorflow as tf  # noqa: E402

import nst_helpers as nst  # noqa: E402


class Unpreprocessed:
    """The extractor fed [0, 1] RGB as it is: what a network without its preprocessing receives."""

    def __init__(self, extractor):
        self.extractor = extractor

    def __call__(self, image, training=False):
        return self.extractor(
            nst.deprocess(image), training=training
        )  # its preprocessing undoes this


def unnormalized(run: nst.PreparedRun, content) -> nst.PreparedRun:
    """Equal layer weights with Gram matrices summed over positions, not averaged: each layer's
    term is then (H W)^2 times larger, exactly as if its weight were."""
    features, layers = run.extractor(content), run.settings.style_layers
    weights = {
        n: float(features[n].shape[1] * features[n].shape[2]) ** 2 / len(layers) for n in layers
    }
    return run.updated(style_balance="equal", style_layer_weights=weights)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", default="chelsea")
    parser.add_argument("--style", default="swirls")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument(
        "--weights", default="offline-vgg16", help="offline-vgg16 (default) or auto"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mistakes.png")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    run = nst.prepare_run(
        architecture="vgg16", weights=args.weights, max_dim=args.size, steps=args.steps
    )
    content = nst.load_image(args.content, args.size)
    # the painting at the photo's size: then a Gram matrix summed over positions is exactly the
    # averaged one times H W, for the image and the painting alike
    style = tf.image.resize(nst.load_image(args.style, args.size), content.shape[1:3]).numpy()
    deepest = nst.prepare_run(run.settings, content_layers=("block5_pool",))
    cases = {
        "the course's defaults": run,
        "no preprocessing": dataclasses.replace(
            run, extractor=Unpreprocessed(run.extractor), compiled={}
        ),
        f"learning rate x 20 ({run.settings.learning_rate * 20:g})": run.updated(
            learning_rate=run.settings.learning_rate * 20
        ),
        "content from the last layer\n(block5_pool)": deepest,
        "from noise (Gatys et al.),\ncontent from block5_conv2": run.updated(init="noise"),
        "from noise, content from\nthe last layer (block5_pool)": deepest.updated(init="noise"),
        "equal layer weights (Gatys),\nGram divided by H W": run.updated(style_balance="equal"),
        "equal layer weights,\nGram NOT divided by H W": unnormalized(run, content),
    }
    reference = nst.judge_pair(content, style, nst.make_judge())
    images = []
    for label, case in cases.items():
        image = nst.stylize(content, style, case).best_image
        scores = reference.score(image)
        images.append(image)
        print(
            f"{label.replace(chr(10), ' ')}: style ratio {scores.style_ratio:.3f}, content ratio "
            f"{scores.content_ratio:.3f}, structure {scores.structure:.3f}, palette distance "
            f"{scores.palette_distance:.3f}"
        )
    figure = nst.show_images(images, list(cases), ncols=4, size=3.4)
    figure.suptitle(
        f"{args.content} + {args.style}, VGG16 ({run.weights_label}), {args.size} px, {args.steps} steps"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=80, bbox_inches="tight")
    print(f"{args.out} in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
