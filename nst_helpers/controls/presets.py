"""Named settings that reproduce well-known configurations, so that a comparison with another
implementation starts from the same choices (taught in notebook 08; ``--preset`` on the command line).

A preset fixes the network, the layers, the per-layer style weights, the balance of the loss terms
and the optimizer. Where the other implementation normalizes its sums differently (the paper's
unnormalized Gram sums, ``tf.image.total_variation``'s sum over pixels), the loss weights keep the
course's scale and the preset's description says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nst_helpers.core.architectures import VGG_STYLE_LAYERS
from nst_helpers.core.errors import NSTError
from nst_helpers.core.settings import DEFAULTS, Settings


@dataclass(frozen=True)
class Preset:
    """A named configuration and where it comes from."""

    name: str
    source: str
    changes: dict[str, Any]


PRESETS: dict[str, Preset] = {
    "course": Preset("course", "this course's defaults (notebook 05)", {}),
    "course_2026_11": Preset(
        "course_2026_11",
        "this course's defaults until December 2026: Adam from the photo itself with beta_1 0.99 at "
        "a constant learning rate (rainbow specks on many pairs; notebook 05 says why they changed)",
        {"init": "content", "lr_schedule": "constant", "adam_beta_1": 0.99},
    ),
    "gatys2016": Preset(
        "gatys2016",
        "Gatys, Ecker and Bethge, CVPR 2016: VGG19, content conv4_2, conv1_1 ... conv5_1 weighted "
        "equally, no total variation, L-BFGS from white noise (loss weights: TensorFlow's tutorial's "
        "1e4 and 1e-2 for these normalized losses; the paper's alpha/beta applies to unnormalized sums)",
        {
            "architecture": "vgg19",
            "content_layers": ("block4_conv2",),
            "style_layers": VGG_STYLE_LAYERS,
            "style_balance": "equal",
            "style_layer_weights": None,
            "content_weight": 1e4,
            "style_weight": 1e-2,
            "tv_weight": 0.0,
            "optimizer": "lbfgs",
            "init": "noise",
        },
    ),
    "tf_tutorial": Preset(
        "tf_tutorial",
        "TensorFlow's style transfer tutorial: VGG19, content block5_conv2, the five blockN_conv1 "
        "weighted equally, style 1e-2 and content 1e4 (the same normalized losses as here), Adam at "
        "0.02 from the photo (its total variation weight 30 multiplies a sum over pixels: the course "
        "keeps its own mean-based weight)",
        {
            "architecture": "vgg19",
            "content_layers": ("block5_conv2",),
            "style_layers": VGG_STYLE_LAYERS,
            "style_balance": "equal",
            "style_layer_weights": None,
            "content_weight": 1e4,
            "style_weight": 1e-2,
            "optimizer": "adam",
            "learning_rate": 0.02,
            "init": "content",
            "lr_schedule": "constant",
            "adam_beta_1": 0.99,
        },
    ),
    "pytorch": Preset(
        "pytorch",
        "well-known PyTorch versions (the Udacity and PyTorch-tutorial lineage): VGG19, content "
        "conv4_2, style layers conv1_1 ... conv5_1 weighted 1, 0.8, 0.5, 0.3, 0.1, Adam from the photo "
        "(loss weights: TensorFlow's tutorial's 1e4 and 1e-2, their Gram sums being normalized otherwise)",
        {
            "architecture": "vgg19",
            "content_layers": ("block4_conv2",),
            "style_layers": VGG_STYLE_LAYERS,
            "style_balance": "equal",
            "style_layer_weights": dict(zip(VGG_STYLE_LAYERS, (1.0, 0.8, 0.5, 0.3, 0.1))),
            "content_weight": 1e4,
            "style_weight": 1e-2,
            "optimizer": "adam",
            "init": "content",
            "lr_schedule": "constant",
        },
    ),
}


def apply_preset(name: str, settings: Settings = DEFAULTS, **changes: Any) -> Settings:
    """``settings`` with the preset's choices, then ``changes`` on top, checked (notebook 08)."""
    preset = PRESETS.get(str(name).lower())
    if preset is None:
        raise NSTError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(settings, **{**preset.changes, **changes}).checked()
