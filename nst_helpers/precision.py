"""Numeric precision of the network's computation (measured in notebook 05 and by ``make bench``).

``"float32"`` everywhere, or ``"mixed"``: the convolutions compute in bfloat16 (CPUs with AVX-512
BF16 or AMX) or float16 (GPUs with tensor cores) while their weights, the image variable, the Gram
matrices and the losses stay float32. ``"auto"`` picks mixed only where the hardware runs it
natively: on a CPU without bfloat16 instructions TensorFlow emulates it, many times slower.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from .errors import NSTError

PRECISIONS = ("float32", "mixed", "auto")
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags() -> set[str]:
    """The CPU's feature flags as Linux reports them (empty elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_native_bf16() -> bool:
    """True when the CPU has AVX-512 BF16 or AMX-BF16 instructions."""
    return bool(cpu_flags() & set(CPU_BF16_FLAGS))


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """Compute capability of each GPU TensorFlow sees."""
    import tensorflow as tf

    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        capabilities.append(tuple(details.get("compute_capability", (0, 0))))
    return capabilities


def choose_policy(precision: str) -> tuple[str, str]:
    """The Keras dtype policy for ``precision`` on this machine, and a sentence saying why."""
    if precision not in PRECISIONS:
        raise NSTError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "float32":
        return "float32", "float32 as asked"
    gpus = gpu_compute_capabilities()
    if gpus:
        if min(gpus) >= (7, 0):
            return "mixed_float16", f"GPU with tensor cores (compute capability {min(gpus)}): float16 compute"
        if precision == "mixed":
            return "mixed_float16", f"mixed as asked, but the GPU (compute capability {min(gpus)}) has no tensor cores"
        return "float32", f"GPU without tensor cores (compute capability {min(gpus)}): float32"
    if cpu_has_native_bf16():
        return "mixed_bfloat16", "CPU with AVX-512 BF16 or AMX: bfloat16 compute"
    if precision == "mixed":
        return "mixed_bfloat16", "mixed as asked, but this CPU has no bfloat16 instructions: it is emulated and slow"
    return "float32", "this CPU has no bfloat16 instructions (no AVX-512 BF16 or AMX): float32"


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
