"""The settings of one stylization run: the course's defaults, in one place, and their checks
(used by notebook 05, the command line and every notebook's parameters).

``DEFAULTS`` is the one place where a default lives: the command line's options and the notebooks'
parameter cells take theirs from it. :meth:`Settings.checked` validates a request once, before
anything heavy loads; :func:`nst_helpers.core.prepare.prepare_run` then fills in what the architecture
decides (loss weights, layers).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from nst_helpers.core.architectures import Architecture, get_architecture
from nst_helpers.core.color import check_color
from nst_helpers.core.errors import NSTError
from nst_helpers.core.precision import PRECISIONS
from nst_helpers.core.weights import normalize_weights

INITS = ("recolored", "content", "style", "noise")
"""Starting images: the photo recoloured to the painting's mean colour and colour covariance (the
default, notebook 05), the photo itself, the painting, or noise."""
LR_SCHEDULES = ("cosine", "constant")
"""Adam's learning rate over a run: a cosine from ``learning_rate`` down to a third of it (the default,
notebook 05), or the same for every step."""
OPTIMIZERS = ("adam", "lbfgs")
"""Adam on the pixels (notebook 05) or SciPy's L-BFGS-B with the [0, 1] bounds (notebook 08)."""
STYLE_BALANCES = ("relative", "equal")
"""How the style layers are weighted against each other (see ``losses.style_layer_weights``)."""
STEP_MODES = ("eager", "function", "xla")
MAX_DIM_RANGE = (32, 4096)
MAX_STEPS = 100_000


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run. Loss weights and layers left as None take the architecture's."""

    architecture: str = "vgg19"
    weights: Any = "auto"  # ImageNet where it can be had, else the offline VGG16 (see weights.py)
    max_dim: int = 512
    upscale: bool = False
    steps: int = 300
    learning_rate: float = 0.02
    content_weight: float | None = None
    style_weight: float | None = None
    tv_weight: float | None = None
    content_layers: tuple[str, ...] | None = None
    style_layers: tuple[str, ...] | None = None
    style_layer_weights: dict[str, float] | None = None
    style_balance: str = "relative"  # each style layer's error relative to its target (losses.py)
    softmax_temperature: float | None = (
        None  # None: the architecture's; 0: off (losses.smooth_features)
    )
    style_scale: float = 1.0  # the style image's long side, as a multiple of max_dim
    style_blend: tuple[float, ...] | None = (
        None  # several styles' weights; None: equal (notebook 08)
    )
    color: str = "none"  # "luminance" or "histogram" keep the photo's colours (color.py)
    optimizer: str = "adam"  # or "lbfgs": then steps counts L-BFGS iterations
    init: str = "recolored"  # start in the painting's palette (notebook 05)
    lr_schedule: str = "cosine"  # the step shrinks over the run, so the loss settles (notebook 05)
    adam_beta_1: float = 0.9  # Adam's momentum; 0.99 (TensorFlow's tutorial) overshoots
    seed: int | None = 0
    step_mode: str = (
        "function"  # the whole step compiled with tf.function; notebook 05 teaches it eager
    )
    precision: str = "auto"  # 16-bit only where it was measured faster (see precision.py)

    @property
    def is_checked(self) -> bool:
        """True for the copy :meth:`checked` returned (and the copies made from it by this class)."""
        return self.__dict__.get("_checked", False)

    def _marked(self) -> "Settings":
        object.__setattr__(self, "_checked", True)
        return self

    def checked(self) -> "Settings":
        """Return a checked copy with names normalized, or raise a one-line ``NSTError``.

        A copy that was already checked is returned as it is, so a run is checked once.
        """
        if self.is_checked:
            return self
        return self._validated()._marked()

    def _validated(self) -> "Settings":
        arch = get_architecture(self.architecture)
        values = asdict(self)
        values["architecture"] = arch.name
        values["weights"] = normalize_weights(self.weights)
        check_int("max_dim", self.max_dim, *MAX_DIM_RANGE, hint="the long side in pixels")
        check_int("steps", self.steps, 1, MAX_STEPS)
        check_float("learning_rate", self.learning_rate, 0.0, 1.0, lower_open=True, hint="try 0.02")
        values["learning_rate"] = float(self.learning_rate)
        for name in ("content_weight", "style_weight", "tv_weight"):
            if values[name] is not None:
                check_float(name, values[name], 0.0, 1e12)
                values[name] = float(values[name])
        if not any(
            getattr(arch, name) if values[name] is None else values[name] for name in _LOSS_WEIGHTS
        ):
            raise NSTError(
                "content_weight, style_weight and tv_weight are all 0, so there is nothing to optimize; "
                f"give style_weight a positive value (the default is {arch.style_weight:g})"
            )
        if values["softmax_temperature"] is not None:
            check_float(
                "softmax_temperature", values["softmax_temperature"], 0.0, 1e3, hint="0 for off"
            )
            values["softmax_temperature"] = float(values["softmax_temperature"])
        check_float(
            "style_scale",
            self.style_scale,
            0.0,
            8.0,
            lower_open=True,
            hint="1 for the content's size",
        )
        values["style_scale"] = float(self.style_scale)
        if not MAX_DIM_RANGE[0] <= self.style_max_dim <= MAX_DIM_RANGE[1]:
            raise NSTError(
                f"style_scale={self.style_scale:g} at max_dim {self.max_dim} makes the style image "
                f"{self.style_max_dim} px; keep it from {MAX_DIM_RANGE[0]} to {MAX_DIM_RANGE[1]} px"
            )
        if values["style_blend"] is not None:
            blend = tuple(values["style_blend"])
            for index, weight in enumerate(blend):
                check_float(f"style_blend[{index}]", weight, 0.0, 1e6)
            if not blend or sum(float(w) for w in blend) <= 0:
                raise NSTError(
                    "style_blend needs a positive weight for at least one style, for example (0.7, 0.3)"
                )
            values["style_blend"] = tuple(float(w) for w in blend)
        check_color(self.color)
        if self.optimizer not in OPTIMIZERS:
            raise NSTError(
                f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}"
            )
        if self.style_balance not in STYLE_BALANCES:
            raise NSTError(
                f"unknown style balance {self.style_balance!r}; choose one of {', '.join(STYLE_BALANCES)}"
            )
        if self.init not in INITS:
            raise NSTError(f"unknown init {self.init!r}; choose one of {', '.join(INITS)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise NSTError(
                f"unknown lr_schedule {self.lr_schedule!r}; choose one of {', '.join(LR_SCHEDULES)}"
            )
        check_float("adam_beta_1", self.adam_beta_1, 0.0, 0.999, hint="0.9 is usual")
        values["adam_beta_1"] = float(self.adam_beta_1)
        if self.step_mode not in STEP_MODES:
            raise NSTError(
                f"unknown step mode {self.step_mode!r}; choose one of {', '.join(STEP_MODES)}"
            )
        if self.precision not in PRECISIONS:
            raise NSTError(
                f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}"
            )
        if self.seed is not None:
            check_int("seed", self.seed, 0, 2**31 - 1)
        for name in ("content_layers", "style_layers"):
            if values[name] is not None:
                values[name] = tuple(values[name])
                if not values[name]:
                    raise NSTError(
                        f"{name} is empty; name at least one layer, or None for the architecture's"
                    )
        return Settings(**values)

    def blend_for(self, count: int) -> list[float]:
        """The weights of ``count`` style images, summing to 1: ``style_blend`` normalized, or equal;
        a count that does not match is a one-line ``NSTError`` (notebook 08)."""
        if self.style_blend is None:
            return [1.0 / count] * count
        if len(self.style_blend) != count:
            raise NSTError(
                f"{len(self.style_blend)} style weights for {count} style image(s); give one weight "
                "per style"
            )
        total = float(sum(self.style_blend))
        return [float(w) / total for w in self.style_blend]

    @property
    def style_max_dim(self) -> int:
        """The long side the style image is brought to: ``style_scale`` times ``max_dim``."""
        return round(self.max_dim * self.style_scale)

    def for_architecture(self, arch: Architecture, weights: Any) -> "Settings":
        """This checked request run on ``arch`` with ``weights``, its loss weights and layers filled in
        from the architecture where they were left as None."""
        if not self.is_checked:
            raise NSTError("check the settings first: settings.checked()")
        values = {
            name: getattr(arch, name) for name in _FROM_ARCHITECTURE if getattr(self, name) is None
        }
        return replace(self, architecture=arch.name, weights=weights, **values)._marked()

    def updated(self, **changes: Any) -> "Settings":
        """A checked copy with ``changes`` (for example ``steps=50``), checked again."""
        return replace(self, **changes).checked()


DEFAULTS = Settings()
"""The course's defaults: the command line's options and the notebooks' parameters start here."""

_LOSS_WEIGHTS = ("content_weight", "style_weight", "tv_weight")
_LAYERS = ("content_layers", "style_layers")
_FROM_ARCHITECTURE = (*_LOSS_WEIGHTS, *_LAYERS, "softmax_temperature")


def _is_number(value: Any) -> bool:
    """True for ints and floats (NumPy's too), not for text or booleans."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_int(name: str, value: Any, low: int, high: int, hint: str = "") -> None:
    if not _is_int(value) or not low <= value <= high:
        extra = f" ({hint})" if hint else ""
        raise NSTError(
            f"{name}={value!r} is out of range; use a whole number from {low} to {high}{extra}"
        )


def check_float(
    name: str, value: Any, low: float, high: float, lower_open: bool = False, hint: str = ""
) -> None:
    number = float(value) if _is_number(value) else math.nan  # "0.1" is text, not a number
    too_low = number <= low if lower_open else number < low
    if math.isnan(number) or too_low or number > high:
        bracket = "(" if lower_open else "["
        extra = f"; {hint}" if hint else ""
        raise NSTError(
            f"{name}={value!r} is out of range; use a number in {bracket}{low:g}, {high:g}]{extra}"
        )
