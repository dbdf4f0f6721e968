"""A common judge for stylized images, whatever network made them (for comparing networks and sizes).

Losses of different networks are on different scales, so results are judged by one fixed network,
the offline VGG16 (available everywhere, CI included), and by two measures that need no network:

- **style ratio**, layer by layer: the Gram distance between the output and the style image,
  divided by the same distance for the content image itself (1: no style transferred; 0: the
  painting's statistics). The headline is the *geometric* mean of the five layers' ratios: each
  ratio is relative, so halving any layer's ratio lowers the headline by the same factor, and no
  layer decides it alone. The *pooled* ratio (mean distance over mean distance) is kept beside it,
  never alone: the layers' distances differ by orders of magnitude, so it is decided by block1-2.
- **content ratio**: feature distance to the content image at ``block4_conv2``, divided by the same
  for the style image resized to the content (0: the photo's content intact; 1: no more than the
  painting has).
- **structure kept**: SSIM of the Sobel edge maps of output and content (1: the same edges).
- **palette distance**: half the L1 distance between the 8x8x8-bin color histograms of output and
  style (0: the painting's palette; 1: no color in common).

When the network being judged *is* the judge (the offline VGG16), its numbers flatter it: say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from nst_helpers.core.architectures import get_architecture
from nst_helpers.core.color import palette_distance
from nst_helpers.core.images import load_image
from nst_helpers.core.losses import gram_matrix
from nst_helpers.core.models import build_extractor
from nst_helpers.core.weights import OFFLINE_VGG16, describe_weights

JUDGE_ARCHITECTURE = "vgg16"
JUDGE_WEIGHTS = OFFLINE_VGG16
JUDGE_CONTENT_LAYER = "block4_conv2"
JUDGE_STYLE_LAYERS = get_architecture(JUDGE_ARCHITECTURE).style_layers


@dataclass(frozen=True)
class Judge:
    """The fixed network that judges every result: the offline VGG16, float32."""

    extractor: keras.Model
    label: str = field(default=describe_weights(JUDGE_WEIGHTS))


@dataclass(frozen=True)
class Scores:
    """How much style arrived and how much content stayed, judged the same way for every network."""

    style_ratio: float  # geometric mean of style_ratios: the headline
    style_ratios: dict[str, float]  # per judge layer
    pooled_style_ratio: float  # mean distance over mean distance: decided by the largest layers
    content_ratio: float
    structure: float
    palette_distance: float


def make_judge() -> Judge:
    """Build the judge (once per session; it is reused for every score) (notebook 06)."""
    layers = [JUDGE_CONTENT_LAYER, *JUDGE_STYLE_LAYERS]
    return Judge(build_extractor(JUDGE_ARCHITECTURE, layers, JUDGE_WEIGHTS, policy="float32"))


def gram_distances(
    features: dict[str, tf.Tensor], style_grams: dict[str, tf.Tensor]
) -> dict[str, float]:
    """Each judge layer's mean squared Gram difference between an image's features and the style."""
    return {
        name: float(tf.reduce_mean(tf.square(gram_matrix(features[name]) - style_grams[name])))
        for name in JUDGE_STYLE_LAYERS
    }


def edge_structure(output: np.ndarray, content: np.ndarray) -> float:
    """SSIM of the Sobel edge magnitudes of two same-sized images (gray): 1 for the same edges."""

    def edges(image: np.ndarray) -> tf.Tensor:
        gray = tf.image.rgb_to_grayscale(tf.constant(image, tf.float32))
        sobel = tf.image.sobel_edges(gray)  # (1, H, W, 1, 2)
        return tf.sqrt(tf.reduce_sum(tf.square(sobel), axis=-1))

    a, b = edges(output), edges(content)
    top = float(tf.maximum(tf.reduce_max(a), tf.reduce_max(b))) or 1.0
    return float(tf.image.ssim(a, b, max_val=top)[0])


def content_distance(features: dict[str, tf.Tensor], content_features: tf.Tensor) -> float:
    """Mean squared difference at the judge's content layer between an image's features and the
    content image's."""
    return float(tf.reduce_mean(tf.square(features[JUDGE_CONTENT_LAYER] - content_features)))


@dataclass(frozen=True)
class Reference:
    """A content/style pair made ready for judging, once: the style's Gram matrices, the content
    image's own distances and the content ratio's yardstick. :meth:`score` then judges any output."""

    judge: Judge
    content: tf.Tensor
    style: tf.Tensor
    style_grams: dict[str, tf.Tensor]
    content_distances: dict[str, float]
    content_features: tf.Tensor
    yardstick: float

    def score(self, output: object) -> Scores:
        """Judge ``output`` (resized to the content's size if it differs)."""
        output = tf.constant(load_image(output, None))
        if output.shape != self.content.shape:
            output = tf.image.resize(output, self.content.shape[1:3], antialias=True)
        features = self.judge.extractor(output, training=False)  # one forward pass per image
        by_output = gram_distances(features, self.style_grams)
        ratios = {
            name: by_output[name] / max(self.content_distances[name], 1e-12)
            for name in JUDGE_STYLE_LAYERS
        }
        headline = math.exp(sum(math.log(max(r, 1e-12)) for r in ratios.values()) / len(ratios))
        pooled = sum(by_output.values()) / max(sum(self.content_distances.values()), 1e-12)
        return Scores(
            style_ratio=headline,
            style_ratios=ratios,
            pooled_style_ratio=pooled,
            content_ratio=content_distance(features, self.content_features)
            / max(self.yardstick, 1e-12),
            structure=edge_structure(output.numpy(), self.content.numpy()),
            palette_distance=palette_distance(output.numpy(), self.style.numpy()),
        )


def judge_pair(content: object, style: object, judge: Judge | None = None) -> Reference:
    """Make a content/style pair ready for judging (notebook 06). Both are anything
    :func:`~nst_helpers.core.images.load_image` takes, used at their own size; the style image is resized
    to the content's only for the content ratio's yardstick."""
    judge = judge or make_judge()
    content, style = (tf.constant(load_image(x, None)) for x in (content, style))
    style_features = judge.extractor(style, training=False)
    style_grams = {name: gram_matrix(style_features[name]) for name in JUDGE_STYLE_LAYERS}
    by_content = judge.extractor(content, training=False)
    content_features = by_content[JUDGE_CONTENT_LAYER]
    style_resized = tf.image.resize(style, content.shape[1:3], antialias=True)
    return Reference(
        judge,
        content,
        style,
        style_grams,
        content_distances=gram_distances(by_content, style_grams),
        content_features=content_features,
        yardstick=content_distance(
            judge.extractor(style_resized, training=False), content_features
        ),
    )


def judge_result(
    output: object, content: object, style: object, judge: Judge | None = None
) -> Scores:
    """Score ``output`` (same size as ``content``) against ``content`` and ``style`` (any size) (notebook None).

    For many outputs of one pair, :func:`judge_pair` once and then ``reference.score(output)``.
    """
    return judge_pair(content, style, judge).score(output)
