"""How long a step will take and how much memory a run needs, on this machine, before it starts
(used by the command line).

The extractor is traced for the image's size (no pixels are computed) and its convolutions' work is
counted from their shapes; this machine's speed is measured on one convolution. A step costs about
three forward passes (forward, then the gradient through every layer) and keeps every layer's output
for the backward pass.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from nst_helpers.core.errors import NSTError
from nst_helpers.plumbing.machine import kib_field

STEP_PASSES = 3.0
"""One step is about three forward passes' work: the forward pass and the gradient through it."""

MEMORY_FACTOR = 0.8
"""Peak memory of a step, less the base, over the sum of the traced graph's float outputs. Measured
0.65 (VGG19, 512 px), 0.76 (VGG19, 1024 px) and 0.6 (ResNet50, 512 px) on an Intel Xeon with AMX,
2026-11-22: the graph counts intermediate outputs that TensorFlow frees or fuses away."""

BASE_MEMORY_GIB = 0.9
"""The process before the first step: Python, TensorFlow and the weights."""

SLOW_RUN_SECONDS = 600.0
"""A run expected to take longer than this is announced with its estimate."""


@dataclass(frozen=True)
class RunCost:
    """The estimated cost of a run on this machine."""

    gflop_per_step: float
    seconds_per_step: float
    memory_gib: float
    available_gib: float
    machine_gflops: float

    def describe(self, steps: int) -> str:
        total = self.seconds_per_step * steps
        return (
            f"about {self.seconds_per_step:.2g} s per step ({steps} steps: {format_duration(total)}) and "
            f"{self.memory_gib:.1f} GiB of memory on this machine ({self.available_gib:.1f} GiB available)"
        )


def format_duration(seconds: float) -> str:
    """'45 s', '12 min', '3 h 20 min'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"


def available_memory_gib() -> float:
    """Memory the system can still give (MemAvailable on Linux; elsewhere the total physical memory)."""
    available = kib_field("meminfo", "MemAvailable")
    if available is not None:
        return available
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (OSError, ValueError):
        return float("inf")


def graph_cost(extractor: keras.Model, height: int, width: int) -> tuple[float, float]:
    """(GFLOP, GiB of layer outputs) of one forward pass at ``height`` x ``width``, counted on the traced graph."""
    spec = tf.TensorSpec([1, height, width, 3], tf.float32)
    graph = (
        tf.function(lambda image: extractor(image, training=False))
        .get_concrete_function(spec)
        .graph
    )
    flops, output_bytes = 0.0, 0.0
    for operation in graph.get_operations():
        for output in operation.outputs:
            shape = output.shape
            if output.dtype.is_floating and shape.rank is not None and shape.is_fully_defined():
                output_bytes += float(np.prod(shape.as_list())) * output.dtype.size
        if operation.type in ("Conv2D", "DepthwiseConv2dNative"):
            kernel = operation.inputs[
                1
            ].shape.as_list()  # (kh, kw, in, out) or (kh, kw, in, multiplier)
            out = operation.outputs[0].shape.as_list()
            per_output = kernel[0] * kernel[1] * (kernel[2] if operation.type == "Conv2D" else 1)
            flops += 2.0 * float(np.prod(out)) * per_output
    return flops / 1e9, output_bytes / 2**30


def machine_gflops() -> float:
    """This machine's speed on a typical convolution (64 channels, 3x3, 128x128 px), in GFLOP/s."""
    x = tf.random.uniform([1, 128, 128, 64])
    kernel = tf.random.uniform([3, 3, 64, 64])
    work = 2.0 * 128 * 128 * 3 * 3 * 64 * 64 / 1e9
    times = []
    for _ in range(4):
        start = time.perf_counter()
        tf.nn.conv2d(x, kernel, 1, "SAME").numpy()
        times.append(time.perf_counter() - start)
    return work / max(min(times[1:]), 1e-6)


def estimate_run(extractor: keras.Model, height: int, width: int) -> RunCost:
    """The estimated time per step and peak memory of stylizing a ``height`` x ``width`` image here."""
    gflop, output_gib = graph_cost(extractor, height, width)
    speed = machine_gflops()
    return RunCost(
        gflop_per_step=STEP_PASSES * gflop,
        seconds_per_step=STEP_PASSES * gflop / speed,
        memory_gib=BASE_MEMORY_GIB + MEMORY_FACTOR * output_gib,
        available_gib=available_memory_gib(),
        machine_gflops=speed,
    )


def check_run_cost(cost: RunCost, steps: int, max_dim: int) -> str | None:
    """Refuse a run that cannot fit in memory; return a notice for one that will be slow or large."""
    if cost.memory_gib > cost.available_gib:
        fits = int(
            max_dim
            * (0.8 * (cost.available_gib - BASE_MEMORY_GIB) / (cost.memory_gib - BASE_MEMORY_GIB))
            ** 0.5
        )
        raise NSTError(
            f"at max_dim {max_dim} this run needs about {cost.memory_gib:.0f} GiB of memory but "
            f"{cost.available_gib:.0f} GiB are available; use max_dim {max(fits, 32)} or less"
        )
    if cost.seconds_per_step * steps > SLOW_RUN_SECONDS or cost.memory_gib > cost.available_gib / 2:
        return f"this run will take {cost.describe(steps)}; a smaller max_dim is faster"
    return None
