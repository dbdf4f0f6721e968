"""What this machine is: ``/proc`` read (empty answers elsewhere than Linux) and TensorFlow asked for
its GPUs (notebook 05's precision; ``plumbing.machine`` builds on it for the estimates and reports)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def proc_fields(name: str) -> dict[str, str]:
    """``/proc/<name>``'s ``key: value`` lines (``cpuinfo``'s first CPU, ``meminfo``, ``self/status``)."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError):  # not Linux: no answers
        for line in Path("/proc", name).read_text().splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() not in found:
                found[key.strip()] = value.strip()
    return found


def cpu_flags() -> set[str]:
    """The CPU's feature flags as Linux reports them (empty elsewhere)."""
    return set(proc_fields("cpuinfo").get("flags", "").split())


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can use (empty on a CPU-only machine) (notebook 05)."""
    import tensorflow as tf

    return [gpu.name for gpu in tf.config.list_physical_devices("GPU")]


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """Compute capability of each GPU TensorFlow sees."""
    import tensorflow as tf

    details = map(tf.config.experimental.get_device_details, tf.config.list_physical_devices("GPU"))
    return [tuple(d.get("compute_capability", (0, 0))) for d in details]
