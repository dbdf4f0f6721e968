"""The checks of an assignment notebook (``make assignments``, instructors/guide.md), on Colab too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nst_helpers.core.errors import NSTError


def assignment_checks(notebook: str) -> Any:
    """otter-grader's ``grader`` in an assignment of notebooks 03-05 (``notebook``: its file name);
    ``grader.check(name)`` runs a question's public checks, kept in the notebook's metadata. Colab
    hides the notebook's file from the kernel: there they are asked of Colab's page, into ``tests/``."""
    try:
        import otter
    except ImportError:
        raise NSTError(
            "the checks need otter-grader: %pip install otter-grader, then run this cell again"
        ) from None
    if "google.colab" not in sys.modules:
        if Path(notebook).is_file():
            return otter.Notebook(notebook)
        raise NSTError(
            f"the checks are read from this notebook's file, {notebook}, not here: give it that name"
        )
    from google.colab import _message  # Colab's own channel between the kernel and its page

    try:
        page = _message.blocking_request("get_ipynb", timeout_sec=60)
        tests = page["ipynb"]["metadata"]["otter"]["tests"]
    except Exception:
        raise NSTError(
            "could not read this notebook's checks from Colab: reload the page, then run this cell again"
        ) from None
    Path("tests").mkdir(exist_ok=True)
    for name, source in tests.items():
        Path("tests", f"{name}.py").write_text(source)
    return otter.Notebook(tests_dir="tests")
