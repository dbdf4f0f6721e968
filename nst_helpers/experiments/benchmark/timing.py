"""Timing one configuration for ``make bench`` (architecture, size, step mode, precision), each in a
fresh process so that its first step really traces and compiles and its peak memory is its own.

Random weights are used for timing: the speed does not depend on their values. The quality check
runs 200 steps in float32 and in mixed precision with the offline VGG16 and compares their final
losses, evaluated in float32.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from nst_helpers.experiments.benchmark.reference import bench_images, reference_times
from nst_helpers.plumbing.machine import kib_field

TIMED_STEPS = ("reference", "eager", "function", "xla")
"""What is timed: the reference step, then the course's step in each step mode."""

COMPARED_PRECISIONS = ("float32", "mixed")


def peak_memory_gib() -> float:
    """Peak memory of this process: the GPU's peak where there is one, else the peak resident set.

    On Linux the peak is ``VmHWM`` of ``/proc/self/status``, this program's own high-water mark:
    ``ru_maxrss`` also counts the parent's memory at the moment it started this process (measured
    here: a child of a process holding 2 GiB reports ``ru_maxrss`` 2.0 GiB and ``VmHWM`` 11 MB).
    """
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**30
    peak = kib_field("self/status", "VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def run_one(
    architecture: str, size: int, mode: str, precision: str, steps: int, max_seconds: float
) -> dict[str, Any]:
    """One configuration, in this process: first-step time, median of the rest, peak memory."""
    from nst_helpers.controls.stylize import stylize_with_controls

    content, style = bench_images(size)
    if mode == "reference":
        times, policy = reference_times(architecture, size, steps, max_seconds), "float32"
    else:
        result = stylize_with_controls(
            content,
            style,
            architecture=architecture,
            weights=None,
            steps=steps,
            step_mode=mode,
            precision=precision,
            max_seconds=max_seconds,
            max_dim=size,
        )
        times, policy = [row["seconds"] for row in result.history], result.run.policy
    later = sorted(times[1:]) or times
    return {
        "architecture": architecture,
        "size": size,
        "height": content.shape[1],
        "width": content.shape[2],
        "mode": mode,
        "precision": precision,
        "policy": policy,
        "steps_timed": len(times) - 1,
        "first_step_s": times[0],
        "median_step_s": later[len(later) // 2],
        "peak_memory_gib": peak_memory_gib(),
        "status": "ok",
    }


def quality_check(size: int, steps: int) -> dict[str, Any]:
    """Mixed vs float32 after ``steps`` steps with real features: the final total loss of each image,
    both evaluated in float32 with the runs' own loss (same weights, same layer balance)."""
    import tensorflow as tf

    from nst_helpers.controls.lbfgs import make_loss
    from nst_helpers.controls.stylize import stylize_with_controls
    from nst_helpers.core.prepare import prepare_run
    from nst_helpers.core.weights import OFFLINE_VGG16

    content, style = bench_images(size)
    runs = {
        p: stylize_with_controls(
            content,
            style,
            architecture="vgg16",
            weights=OFFLINE_VGG16,
            steps=steps,
            precision=p,
            max_dim=size,
        )
        for p in COMPARED_PRECISIONS
    }
    judge = prepare_run(runs["float32"].settings)  # float32, the same layers and loss weights
    loss = make_loss(judge.extractor, judge.settings, tf.constant(content), tf.constant(style))
    final = {
        precision: float(loss(tf.constant(run.image))["total"]) for precision, run in runs.items()
    }
    return {
        "size": size,
        "steps": steps,
        "policy": runs["mixed"].run.policy,
        "float32_total": final["float32"],
        "mixed_total": final["mixed"],
        "relative_difference": abs(final["mixed"] - final["float32"]) / final["float32"],
    }


def emulated_bf16() -> bool:
    """True on a CPU-only machine without bfloat16 instructions: mixed precision is emulated there."""
    import tensorflow as tf

    from nst_helpers.core.precision import cpu_bf16_flags

    return not tf.config.list_physical_devices("GPU") and not cpu_bf16_flags()


def configurations(
    archs: list[str], sizes: list[int], large: list[int], emulated: bool
) -> list[dict[str, Any]]:
    """Every row of the table; on emulated bfloat16, mixed eager/function runs only at the smallest size."""
    rows = []
    for arch in archs:
        for size in sizes:
            rows.append(
                {"architecture": arch, "size": size, "mode": "reference", "precision": "float32"}
            )
            for precision in COMPARED_PRECISIONS:
                for mode in TIMED_STEPS[1:]:
                    row = {"architecture": arch, "size": size, "mode": mode, "precision": precision}
                    if emulated and precision == "mixed" and mode != "xla" and size > min(sizes):
                        row["status"] = (
                            f"skipped: bfloat16 is emulated on this CPU (see the {min(sizes)} px row)"
                        )
                    rows.append(row)
    for size in large:  # the memory goal: VGG19 at 1024 px, the default compiled step
        rows.append(
            {"architecture": "vgg19", "size": size, "mode": "function", "precision": "float32"}
        )
        rows.append(
            {"architecture": "vgg19", "size": size, "mode": "reference", "precision": "float32"}
        )
    return rows


def _quiet_process() -> None:
    """A measuring process's start: TensorFlow's start-up lines go nowhere, not into a notebook."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def run_in_subprocess(row: dict[str, Any], steps: int, max_seconds: float) -> dict[str, Any]:
    """:func:`run_one` in a fresh process, so that the peak memory it reports is its own; a process
    that dies (out of memory) or fails is a row with its reason."""
    spawn = multiprocessing.get_context("spawn")
    arguments = (
        row["architecture"],
        row["size"],
        row["mode"],
        row["precision"],
        steps,
        max_seconds,
    )
    try:
        with ProcessPoolExecutor(1, mp_context=spawn, initializer=_quiet_process) as pool:
            return pool.submit(run_one, *arguments).result()
    except Exception as exc:
        return {**row, "status": f"failed: {type(exc).__name__}: {str(exc)[:200]}"}
