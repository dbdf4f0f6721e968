"""Helpers for the neural style transfer course (Gatys, Ecker & Bethge, CVPR 2016).

The notebooks teach each piece, then use it from here: ``import nst_helpers as nst``, then
``nst.load_image``, ``nst.stylize``... Each name is imported from its module (:data:`PUBLIC`) on
first use, so importing the package does not import TensorFlow. ``core`` is what notebooks 01-05
build; ``plumbing``, ``controls``, ``experiments``, ``page`` and ``cli`` sit above it in that
order, each importing only the folders before it (README, "Layout").
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

PUBLIC = {
    "core.setup": "setup_course show_errors_in_one_line",
    "core.errors": "NSTError",
    "core.machine": "gpu_names",
    "core.sources": "PAINTINGS SHIPPED resolve_image",
    "core.images": "load_image open_image resize_long_side to_rgb to_uint8",
    "core.patches": "shuffle_patches",
    "core.drawing": "show_images show_histograms",
    "core.preprocessing": "preprocess deprocess",
    "core.losses": "gram_matrix content_loss style_loss style_terms total_variation_loss "
    "total_loss balanced_layer_weights",
    "core.architectures": "ARCHITECTURES get_architecture",
    "core.weights": "describe_weights side_by_side_weights",
    "core.models": "build_backbone build_extractor receptive_field describe_layers",
    "core.settings": "DEFAULTS OPTIONS Settings",
    "core.prepare": "prepare_run PreparedRun",
    "core.color": "match_color palette_distance",
    "core.optimize": "stylize adam_loop loss_targets make_optimizer initial_image",
    "core.precision": "choose_policy",
    "core.progress": "NotebookProgress ProgressBar",
    "plumbing.checks": "assignment_checks",
    "controls.stylize": "stylize_with_controls",
    "controls.presets": "PRESETS apply_preset",
    "experiments.judge": "make_judge judge_pair",
    "experiments.compare": "contenders compare_architectures judge_images quality_table costs_table "
    "curves_table entropy_table compare_sizes sizes_table fitted_exponent crop_region busiest_box "
    "coarse_to_fine",
    "experiments.baselines": "blend palette_transfer",
    "experiments.reproduce": "keep",
    "experiments.time_to_quality": "methods default_settings time_to_quality stop_rule_steps optimizers_compared",
    "experiments.figures": "scores_title readable curves_figure scaling_figure optimizers_figure",
    "experiments.waiting": "Progress announce step_seconds",
    "page.requests": "PlaygroundRequest stream_run weighted_terms",
    "page.app": "build_app launch_app stylize_page",
}
"""Each public name, under the module (below ``nst_helpers``) that defines it."""

_HOME = {name: module for module, names in PUBLIC.items() for name in names.split()}
__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """``nst.load_image`` and the others: imported from their module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module 'nst_helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nst_helpers.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
