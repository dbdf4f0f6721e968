"""The settings of one stylization run, checked before anything heavy loads (used by notebook 05
and the command line)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from .architectures import get_architecture
from .errors import NSTError
from .precision import PRECISIONS
from .weights import normalize_weights

INITS = ("content", "style", "noise")
STEP_MODES = ("eager", "function", "xla")
MAX_DIM_RANGE = (32, 4096)
MAX_STEPS = 100_000


@dataclass
class Settings:
    """Everything that decides a run. Loss weights and layers left as None take the architecture's defaults."""

    architecture: str = "vgg19"
    weights: Any = "imagenet"
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
    init: str = "content"
    seed: int | None = 0
    step_mode: str = "eager"
    precision: str = "float32"

    def checked(self) -> "Settings":
        """Return a copy with names normalised and defaults filled in, or raise a one-line ``NSTError``."""
        arch = get_architecture(self.architecture)
        values = asdict(self)
        values["architecture"] = arch.name
        values["weights"] = normalize_weights(self.weights)
        _check_int("max_dim", self.max_dim, *MAX_DIM_RANGE, hint="the long side in pixels")
        _check_int("steps", self.steps, 1, MAX_STEPS)
        _check_float("learning_rate", self.learning_rate, 0.0, 1.0, lower_open=True, hint="try 0.02")
        for name in ("content_weight", "style_weight", "tv_weight"):
            value = values[name]
            if value is None:
                values[name] = getattr(arch, name)
            else:
                _check_float(name, value, 0.0, 1e12)
        if not any(values[name] for name in ("content_weight", "style_weight", "tv_weight")):
            raise NSTError(
                "content_weight, style_weight and tv_weight are all 0, so there is nothing to optimise; "
                f"give style_weight a positive value (the default is {arch.style_weight:g})"
            )
        if self.init not in INITS:
            raise NSTError(f"unknown init {self.init!r}; choose one of {', '.join(INITS)}")
        if self.step_mode not in STEP_MODES:
            raise NSTError(f"unknown step mode {self.step_mode!r}; choose one of {', '.join(STEP_MODES)}")
        if self.precision not in PRECISIONS:
            raise NSTError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)}")
        if self.seed is not None:
            _check_int("seed", self.seed, 0, 2**31 - 1)
        for name in ("content_layers", "style_layers"):  # the architecture's defaults where not given
            values[name] = tuple(values[name] or getattr(arch, name))
        return Settings(**values)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(name: str, value: Any, low: int, high: int, hint: str = "") -> None:
    if not _is_int(value) or not low <= value <= high:
        extra = f" ({hint})" if hint else ""
        raise NSTError(f"{name}={value!r} is out of range; use a whole number from {low} to {high}{extra}")


def _check_float(
    name: str, value: Any, low: float, high: float, lower_open: bool = False, hint: str = ""
) -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    too_low = number <= low if lower_open else number < low
    if math.isnan(number) or too_low or number > high:
        bracket = "(" if lower_open else "["
        extra = f"; {hint}" if hint else ""
        raise NSTError(f"{name}={value!r} is out of range; use a number in {bracket}{low:g}, {high:g}]{extra}")
