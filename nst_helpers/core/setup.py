"""Versions and devices, printed by every notebook's setup cell and recorded by the command line."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from typing import Any

from nst_helpers.core.errors import NSTError
from nst_helpers.core.machine import gpu_names


def versions() -> dict[str, str]:
    """Python, TensorFlow, Keras, NumPy, Pillow and nst_helpers versions."""
    import keras
    import numpy
    import PIL
    import tensorflow as tf

    from nst_helpers import __version__

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "pillow": PIL.__version__,
        "nst_helpers": __version__,
        "platform": platform.platform(),
    }


def import_tensorflow(log_level: str = "2") -> None:
    """Import TensorFlow and find its devices without its start-up lines on the terminal (its C++
    messages go to file descriptor 2 before any log level applies)."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", log_level)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                import tensorflow as tf

                tf.config.list_physical_devices("GPU")
                tf.constant(0.0).numpy()  # the first operation initializes the devices (and cuInit)
            except ImportError as exc:
                raise NSTError(
                    f"TensorFlow cannot be imported ({exc}); install it: pip install tensorflow"
                ) from None
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def show_errors_in_one_line() -> None:
    """In IPython, show the course's ``NSTError`` as its one-line message instead of a traceback (notebook 01)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def one_line(shell: Any, etype: type, value: Any, tb: Any, tb_offset: Any = None) -> None:
        # still an error output, so papermill and nbval see the failure
        shell._showtraceback(etype, value, [f"{etype.__name__}: {value}"])

    shell.set_custom_exc((NSTError,), one_line)


def setup_course() -> None:
    """Every notebook's setup cell (notebooks 01-09): import TensorFlow quietly, print the versions and
    the device, warning when there is no GPU; errors then show as one line."""
    import_tensorflow()
    show_errors_in_one_line()
    print(", ".join(f"{k} {v}" for k, v in versions().items() if k != "platform"))
    gpus = gpu_names()
    if gpus:
        print(f"GPU: {', '.join(gpus)}")
    else:
        print(
            "WARNING: no GPU found; running on the CPU, slower: the notebooks pick smaller sizes for it "
            "and print their estimates; on Colab choose Runtime > Change runtime type > GPU."
        )
