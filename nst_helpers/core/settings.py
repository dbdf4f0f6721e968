"""The settings of one stylization run, each declared once (taught in notebook 05): :data:`OPTIONS`,
read from the fields, generates the command line's parser and the page's controls."""

from __future__ import annotations

import math
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from nst_helpers.core.architectures import ARCHITECTURES, Architecture, get_architecture
from nst_helpers.core.errors import NSTError, shown
from nst_helpers.core.precision import PRECISIONS
from nst_helpers.core.weights import normalize_weights

STYLE_BALANCES = ("relative", "equal")
LOSS_WEIGHTS = ("content_weight", "style_weight", "tv_weight")
FROM_ARCHITECTURE = (*LOSS_WEIGHTS, "content_layers", "style_layers")
_FROM_ARCH = "default: the architecture's"
_LOSS_WEIGHT = dict(help=_FROM_ARCH, kind=float, low=0.0, high=1e12)  # the three loss weights' spec
_LAYERS = dict(help=f"comma-separated layer names ({_FROM_ARCH})", kind="layers")


@dataclass(frozen=True)
class Option:
    """How one setting is given and checked."""

    name: str
    default: Any
    help: str
    kind: Any  # int, float, str, bool, "layers" (names) or "numbers" (a list)
    flag: str | None  # None keeps it off the command line
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    above_low: bool = False  # the range excludes ``low`` itself
    page: str | None = None  # the control's label on the playground page (None: not on it)
    advanced: bool = False  # on the page, under "Advanced"
    aliases: tuple[str, ...] = ()  # older flags that still work


def option(default: Any, help: str, **spec: Any) -> Any:
    """A :class:`Settings` field with its :class:`Option` spec (flag: ``--name-with-dashes``)."""
    return field(default=default, metadata={"option": {"help": help, **spec}})


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run (notebook 05). Loss weights and layers left as None take the architecture's."""

    architecture: str = option(
        "vgg19", "the network", choices=tuple(ARCHITECTURES), flag="--arch", page="Backbone"
    )
    weights: Any = option(
        "auto",
        "auto (ImageNet, or the offline VGG16 where it cannot be downloaded), imagenet, "
        "offline-vgg16, none, or a weights file",
        kind=str,
        page="Weights (auto: ImageNet, or the offline VGG16 without internet; none: random)",
        advanced=True,
    )
    max_dim: int = option(
        512, "long side in pixels", low=32, high=4096, page="Working size (long side, px)"
    )
    upscale: bool = option(False, "enlarge images smaller than --max-dim")
    steps: int = option(300, "Adam steps or L-BFGS iterations", low=1, high=100_000, page="Steps")
    plateau: float = option(0.0, "stop when 20 steps cut the loss < this (0: off)", low=0, high=1)
    learning_rate: float = option(
        0.02,
        "learning rate on [0, 1] pixels",
        low=0.0,
        high=1.0,
        above_low=True,
        flag="--lr",
        page="Learning rate (Adam)",
        advanced=True,
    )
    content_weight: float | None = option(None, **_LOSS_WEIGHT)
    style_weight: float | None = option(None, **_LOSS_WEIGHT)
    tv_weight: float | None = option(None, **_LOSS_WEIGHT)
    content_layers: tuple[str, ...] | None = option(None, **_LAYERS)
    style_layers: tuple[str, ...] | None = option(None, **_LAYERS)
    style_layer_weights: dict[str, float] | None = option(
        None, "each style layer's weight by name (default: balanced)", kind=dict, flag=None
    )
    style_balance: str = option(
        "relative",
        "relative: each style layer's error relative to its target, so all take part; equal: "
        "Gatys et al.'s 1/L weights, where the first layers dominate",
        choices=STYLE_BALANCES,
    )
    softmax_temperature: float | None = option(
        None,
        "a softmax over channels before the losses (Wang et al. 2021); 0: off",
        kind=float,
        low=0.0,
        high=1e3,
        flag=None,
    )
    style_scale: float = option(
        1.0,
        "the style image's long side as a multiple of --max-dim: larger makes the pattern larger",
        low=0.0,
        high=8.0,
        above_low=True,
    )
    style_blend: tuple[float, ...] | None = option(
        None,
        "one weight per style image, such as 0.7,0.3 (default: equal)",
        kind="numbers",
        low=0.0,
        high=1e6,
        flag="--blend",
        aliases=("--style-weights",),
    )
    color: str = option(
        "none",
        "keep the photo's colours: luminance (stylize brightness only) or histogram (the painting "
        "recoloured to the photo's first)",
        choices=("none", "luminance", "histogram"),
        page="Colours (luminance, histogram: keep the photo's; notebook 08)",
        advanced=True,
    )
    optimizer: str = option(
        "adam",
        "adam, or lbfgs (SciPy's L-BFGS-B within [0, 1])",
        choices=("adam", "lbfgs"),
        page="Optimizer (lbfgs: steps are L-BFGS iterations)",
        advanced=True,
    )
    init: str = option(
        "recolored",
        "starting image: the photo recoloured to the painting's palette, the photo, the painting "
        "or noise",
        choices=("recolored", "content", "style", "noise"),
    )
    lr_schedule: str = option(
        "cosine",
        "cosine: the learning rate falls to a third of --lr by the last step; constant: it stays",
        choices=("cosine", "constant"),
    )
    adam_beta_1: float = option(
        0.9, "Adam's momentum (TensorFlow's tutorial uses 0.99)", low=0.0, high=0.999
    )
    seed: int | None = option(
        0, "random seed", kind=int, low=0, high=2**31 - 1, page="Seed", advanced=True
    )
    step_mode: str = option(
        "function",
        "eager, function (the whole step compiled with tf.function) or xla",
        choices=("eager", "function", "xla"),
        page="Step mode",
        advanced=True,
    )
    precision: str = option(
        "auto",
        "float32, mixed (bfloat16 on CPUs, float16 on GPUs), or auto: mixed only on CPUs with AMX "
        "and GPUs with tensor cores, where it was measured faster",
        choices=PRECISIONS,
        page="Precision",
        advanced=True,
    )

    @property
    def is_checked(self) -> bool:
        """True for the copy :meth:`checked` returned (and the copies made from it by this class)."""
        return self.__dict__.get("_checked", False)

    def _marked(self) -> "Settings":
        object.__setattr__(self, "_checked", True)
        return self

    def checked(self) -> "Settings":
        """A checked copy with names normalized (itself if already checked), or a one-line ``NSTError``."""
        return self if self.is_checked else self._validated()._marked()

    def _validated(self) -> "Settings":
        """A copy with every option checked (:func:`check_option`), then the checks across options."""
        values = asdict(self)
        arch = get_architecture(self.architecture)
        values["architecture"], values["weights"] = arch.name, normalize_weights(self.weights)
        for spec in OPTIONS.values():
            if spec.name not in ("architecture", "weights"):
                values[spec.name] = check_option(spec, values[spec.name])
        checked = Settings(**values)
        if not any(getattr(arch, n) if values[n] is None else values[n] for n in LOSS_WEIGHTS):
            raise NSTError(
                "content_weight, style_weight and tv_weight are all 0, so there is nothing to optimize; "
                f"give style_weight a positive value (the default is {arch.style_weight:g})"
            )
        low, high = OPTIONS["max_dim"].low, OPTIONS["max_dim"].high
        if not low <= checked.style_max_dim <= high:
            raise NSTError(
                f"style_scale={checked.style_scale:g} at max_dim {checked.max_dim} makes the style image "
                f"{checked.style_max_dim} px; keep it from {low:g} to {high:g} px"
            )
        return checked

    @property
    def style_max_dim(self) -> int:
        """The long side the style image is brought to: ``style_scale`` times ``max_dim``."""
        return round(self.max_dim * self.style_scale)

    def for_architecture(self, arch: Architecture, weights: Any) -> "Settings":
        """This checked request on ``arch`` with ``weights``, the settings left as None taken from it."""
        if not self.is_checked:
            raise NSTError("check the settings first: settings.checked()")
        values = {n: getattr(arch, n) for n in FROM_ARCHITECTURE if getattr(self, n) is None}
        return replace(self, architecture=arch.name, weights=weights, **values)._marked()

    def updated(self, **changes: Any) -> "Settings":
        """A checked copy with ``changes`` (for example ``steps=50``), checked again."""
        return replace(self, **changes).checked()


def options_of(cls: type) -> dict[str, Option]:
    """The :class:`Option` of every field of a settings class, in the order they are declared."""
    table = {}
    for f in fields(cls):
        spec = dict(f.metadata["option"])
        default = None if f.default is MISSING else f.default
        spec.setdefault("kind", type(default))
        spec.setdefault("flag", "--" + f.name.replace("_", "-"))
        table[f.name] = Option(name=f.name, default=default, **spec)
    return table


OPTIONS = options_of(Settings)  # the command line's parser and the page's controls come from it
DEFAULTS = Settings()  # the command line's options and the notebooks' parameters start here


def check_option(spec: Option, value: Any, label: str | None = None) -> Any:
    """``value`` checked against ``spec`` (lists as tuples), or a one-line ``NSTError`` naming ``label``."""
    name = label or spec.name
    if value is None and spec.default is None:
        return None
    if spec.choices:
        if value not in spec.choices:
            raise NSTError(f"unknown {name} {value!r}; choose one of {', '.join(spec.choices)}")
    elif spec.kind is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise NSTError(f"{name}={value!r} is not True or False")
        return bool(value)
    elif spec.kind is int:
        whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        if not (whole and spec.low <= value <= spec.high):  # 1.5 and "3" are not whole numbers
            raise NSTError(
                f"{shown(name)}={shown(repr(value), 80)} is out of range; use a whole number from "
                f"{int(spec.low)} to {int(spec.high)}"
            )
        return int(value)
    elif spec.kind is float:
        return check_number(name, value, spec)
    elif spec.kind in ("layers", "numbers"):
        items = tuple(value) if isinstance(value, (list, tuple)) else ()
        if not items:
            raise NSTError(f"{name} is empty; give at least one, or None for the default")
        if spec.kind == "numbers":
            items = tuple(check_number(f"{name}[{i}]", v, spec) for i, v in enumerate(items))
            if sum(items) <= 0:
                raise NSTError(
                    f"{name} needs a positive weight for at least one, such as (0.7, 0.3)"
                )
        return items
    return value


def check_number(name: str, value: Any, spec: Option) -> float:
    """``value`` as a float within ``spec``'s range, or a one-line ``NSTError``."""
    numeric = isinstance(value, (int, float, np.integer, np.floating)) and type(value) is not bool
    number = float(value) if numeric else math.nan  # "0.1" is text, not a number
    too_low = number <= spec.low if spec.above_low else number < spec.low
    if math.isnan(number) or too_low or number > spec.high:
        bracket = "(" if spec.above_low else "["
        raise NSTError(
            f"{name}={value!r} is out of range; use a number in {bracket}{spec.low:g}, {spec.high:g}]"
        )
    return number
