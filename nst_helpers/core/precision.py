"""Numeric precision (measured in notebook 05 and ``make bench``): ``"auto"`` picks mixed only on CPUs
with AMX and GPUs with tensor cores; AVX-512 BF16 alone was slower (VGG19, 512 px: 1.82 s vs 1.27 s)."""

from __future__ import annotations

import contextlib
from typing import Iterator

from nst_helpers.core.errors import NSTError
from nst_helpers.core.machine import cpu_flags, gpu_compute_capabilities

PRECISIONS = ("float32", "mixed", "auto")


def cpu_bf16_flags() -> list[str]:
    """The CPU's bfloat16-related flags (``avx512_bf16``, ``amx_bf16``, ...), for reports."""
    return sorted(flag for flag in cpu_flags() if "bf16" in flag or flag.startswith("amx"))


def choose_policy(precision: str) -> tuple[str, str]:
    """The Keras dtype policy for ``precision`` on this machine, and a sentence saying why (notebook 05)."""
    if precision not in PRECISIONS:
        raise NSTError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "float32":
        return "float32", "float32 as asked"
    gpus = gpu_compute_capabilities()
    if gpus:
        cc = f"compute capability {min(gpus)}"
        if min(gpus) >= (7, 0):
            return "mixed_float16", f"GPU with tensor cores ({cc}): float16 compute"
        if precision == "mixed":
            return "mixed_float16", f"mixed as asked, but the GPU ({cc}) has no tensor cores"
        return "float32", f"GPU without tensor cores ({cc}): float32"
    if "amx_bf16" in cpu_flags():  # Intel AMX: where bfloat16 was measured faster than float32
        return "mixed_bfloat16", "CPU with AMX (amx_bf16): bfloat16 compute"
    slower = "where bfloat16 was measured slower"
    if precision == "mixed":
        return "mixed_bfloat16", f"mixed as asked, though this CPU has no AMX, {slower}"
    flags = ", ".join(cpu_bf16_flags()) or "none"
    return "float32", f"this CPU has no AMX (bfloat16 flags: {flags}), {slower}: float32"


@contextlib.contextmanager
def dtype_policy(policy: str) -> Iterator[None]:
    """Build layers under ``policy`` (Keras' global policy), then restore the previous one."""
    import keras

    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
