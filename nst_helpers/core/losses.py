"""Gram matrix, content, style and total variation losses (taught in notebook 03), normalized so
that they do not grow with the image size, in float32 whatever the network's compute dtype:

- ``gram_matrix``: G = F^T F / (H W) for a feature map F reshaped to (H W, C): the channel
  correlations averaged over positions, not summed.
- content loss: mean over positions and channels of (F - P)^2.
- style loss of one layer: mean over the C x C entries of (G - A)^2; with Gatys et al.'s
  unnormalized Gram matrices and their 1 / (4 N^2 M^2) factor, this equals 4 E_l.
- total variation loss: mean absolute difference between neighboring pixels, across and down.
"""

from __future__ import annotations

from typing import Mapping

import tensorflow as tf

from nst_helpers.core.errors import NSTError
from nst_helpers.core.settings import STYLE_BALANCES


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """(batch, H, W, C) feature maps -> (batch, C, C) Gram matrices, averaged over the H W positions (notebook 03)."""
    features = tf.cast(features, tf.float32)
    shape = tf.shape(features)
    positions = tf.cast(shape[1] * shape[2], tf.float32)
    return tf.einsum("bijc,bijd->bcd", features, features) / positions


def content_loss(features: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Mean squared difference between a feature map and the content target's (notebook 03)."""
    return tf.reduce_mean(tf.square(tf.cast(features, tf.float32) - tf.cast(target, tf.float32)))


def balanced_layer_weights(
    targets: Mapping[str, tf.Tensor],
    balance: str = "relative",
    layer_weights: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Each style layer's weight in the style loss (notebook 03). ``"equal"``: ``layer_weights`` as
    given (default 1 / number of layers), as in Gatys et al.; the layers' Gram matrices differ by orders
    of magnitude, so the deep layers then hardly take part. ``"relative"``: each weight is also divided
    by the mean square of the layer's target Gram matrix: each term is a relative error, all take part."""
    if balance not in STYLE_BALANCES:
        raise NSTError(
            f"unknown style balance {balance!r}; choose one of {', '.join(STYLE_BALANCES)}"
        )
    equal = {name: 1.0 / len(targets) for name in targets}
    weights = dict(layer_weights) if layer_weights is not None else equal
    unknown = set(weights) - set(targets)
    if unknown:
        raise NSTError(
            f"style layer weights name unknown layers {sorted(unknown)}; use {sorted(targets)}"
        )
    if balance == "relative":
        for name in weights:
            magnitude = float(tf.reduce_mean(tf.square(tf.cast(targets[name], tf.float32))))
            weights[name] = weights[name] / max(magnitude, 1e-12)
    return weights


def style_terms(
    grams: Mapping[str, tf.Tensor],
    targets: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float],
) -> dict[str, tf.Tensor]:
    """Each style layer's weighted term: weight times the mean squared difference of Gram matrices (notebook 03)."""
    return {
        name: weight * tf.reduce_mean(tf.square(grams[name] - targets[name]))
        for name, weight in layer_weights.items()
        if tf.is_tensor(weight) or weight  # a layer weighted 0 costs nothing
    }


def style_loss(
    grams: Mapping[str, tf.Tensor],
    targets: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float] | None = None,
) -> tf.Tensor:
    """Weighted sum over layers of the mean squared difference between Gram matrices (notebook 03);
    ``layer_weights`` default to 1 / number of layers."""
    if not targets:
        raise NSTError("no style layers; name at least one style layer")
    terms = style_terms(grams, targets, balanced_layer_weights(targets, "equal", layer_weights))
    return tf.add_n(list(terms.values())) if terms else tf.constant(0.0)


def total_variation_loss(image: tf.Tensor) -> tf.Tensor:
    """Mean absolute difference between neighboring pixels (across plus down): high for noise (notebook 03)."""
    image = tf.cast(image, tf.float32)
    across = tf.reduce_mean(tf.abs(image[:, :, 1:, :] - image[:, :, :-1, :]))
    down = tf.reduce_mean(tf.abs(image[:, 1:, :, :] - image[:, :-1, :, :]))
    return across + down


def total_loss(
    features: Mapping[str, tf.Tensor],
    image: tf.Tensor,
    content_targets: Mapping[str, tf.Tensor],
    style_targets: Mapping[str, tf.Tensor],
    content_weight: float,
    style_weight: float,
    tv_weight: float,
    layer_weights: Mapping[str, float] | None = None,
) -> dict[str, tf.Tensor]:
    """The terms (notebook 03): ``{"content", "style", "tv", "total"}``, the first three unweighted,
    and each style layer's weighted term as ``"style:<layer>"`` (they sum to ``"style"``). By layer:
    ``features``, the current image's feature maps; ``content_targets``, the content image's;
    ``style_targets``, the style image's Gram matrices; ``layer_weights`` (default 1 / their number)."""
    contents = [content_loss(features[name], t) for name, t in content_targets.items()]
    content = tf.add_n(contents) / len(contents)
    if layer_weights is None:
        layer_weights = {name: 1.0 / len(style_targets) for name in style_targets}
    grams = {name: gram_matrix(features[name]) for name in layer_weights}
    terms = style_terms(grams, style_targets, layer_weights)
    style = tf.add_n(list(terms.values())) if terms else tf.constant(0.0)
    tv = total_variation_loss(image)
    total = content_weight * content + style_weight * style + tv_weight * tv
    losses = {"content": content, "style": style, "tv": tv, "total": total}
    return {**losses, **{f"style:{n}": t for n, t in terms.items()}}
