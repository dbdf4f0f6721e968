"""This machine for the command line, the page and ``make bench``: the CPU's name, memory as Linux
reports it, and TensorFlow started with its log lines and Python's warnings silenced."""

from __future__ import annotations

import logging
import sys
import warnings

from nst_helpers.core.machine import proc_fields
from nst_helpers.core.setup import import_tensorflow


def cpu_name() -> str:
    """The CPU's model name as Linux reports it ("unknown" elsewhere)."""
    return proc_fields("cpuinfo").get("model name", "unknown")


def kib_field(name: str, key: str) -> float | None:
    """A ``... kB`` line of ``/proc/<name>`` in GiB (``MemAvailable``, ``VmHWM``), or None."""
    try:
        return int(proc_fields(name)[key].split()[0]) / 2**20
    except (KeyError, ValueError, IndexError):
        return None


def import_tensorflow_quietly() -> None:
    """:func:`~nst_helpers.core.setup.import_tensorflow`, then its later log lines and Python's
    warnings silenced too (notebooks keep them)."""
    if "tensorflow" in sys.modules:
        return
    import_tensorflow(log_level="3")
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
