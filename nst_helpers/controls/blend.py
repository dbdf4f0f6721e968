"""Several styles blended (taught in notebook 08): each style layer's target is the weighted mean of
the styles' Gram matrices, weighted by ``style_blend`` (equal by default). TensorFlow is imported
only to compute them, so the command line checks ``--blend`` before it loads."""

from __future__ import annotations

from typing import Any, Sequence

from nst_helpers.core.errors import NSTError
from nst_helpers.core.settings import Settings


def style_list(style: Any) -> list[Any]:
    """One style, or several given as a list or tuple of sources (notebook 08)."""
    if isinstance(style, (list, tuple)) and style and not isinstance(style[0], (int, float)):
        return list(style)
    return [style]


def blend_for(settings: Settings, count: int) -> list[float]:
    """The weights of ``count`` style images, summing to 1: ``style_blend`` or equal (notebook 08)."""
    if settings.style_blend is None:
        return [1.0 / count] * count
    if len(settings.style_blend) != count:
        raise NSTError(
            f"{len(settings.style_blend)} style weights for {count} style image(s); give one weight "
            "per style"
        )
    total = float(sum(settings.style_blend))
    return [float(w) / total for w in settings.style_blend]


def blended_grams(extractor: Any, settings: Settings, styles: Sequence[Any]) -> dict[str, Any]:
    """Each style layer's target: the styles' Gram matrices, averaged with :func:`blend_for`'s
    weights (one forward pass per style), as ``loss_targets`` takes them (notebook 08)."""
    import tensorflow as tf

    from nst_helpers.core.losses import gram_matrix

    blend = blend_for(settings, len(styles))
    features = [extractor(style, training=False) for style in styles]
    return {
        name: tf.add_n([w * gram_matrix(f[name]) for w, f in zip(blend, features)])
        for name in settings.style_layers
    }
