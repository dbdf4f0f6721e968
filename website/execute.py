"""Execute the lessons for the site (``make site``): papermill, one notebook after the other, with a
live bar (which notebook, which cell, how long so far), each result kept until its inputs change.

A notebook that raises stops the build with one line naming it and the cell (:class:`SiteError`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from papermill.engines import NBClientEngine, papermill_engines

from website.facts import fell_back, machine, minutes

ROOT = Path(__file__).resolve().parent.parent
NO_NETWORK = {
    name: "http://127.0.0.1:9"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
}
"""With ``--offline``, kernels get a proxy on a closed local port: a download fails at once, not
after a long wait, and the notebooks fall back to what is shipped."""


class SiteError(Exception):
    """What stops the build, in one line: which notebook, which cell, what to do."""


@dataclass(frozen=True)
class Execution:
    """One notebook to execute: its source, the parameters papermill injects, where its result goes."""

    source: Path
    parameters: Mapping[str, Any] = field(default_factory=dict)
    offline: bool = False

    @property
    def name(self) -> str:
        return self.source.stem

    def key(self) -> str:
        """What the result depends on: the notebook, its parameters, the network, the package's
        code, its images and the pinned requirements."""
        digest = hashlib.sha256(self.source.read_bytes())
        digest.update(json.dumps(dict(self.parameters), sort_keys=True, default=str).encode())
        digest.update(b"offline" if self.offline else b"online")
        inputs = [*(ROOT / "nst_helpers").rglob("*.py"), *(ROOT / "images").rglob("*")]
        for path in sorted(p for p in [*inputs, ROOT / "requirements.txt"] if p.is_file()):
            digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
        return digest.hexdigest()


class LiveEngine(NBClientEngine):
    """papermill's engine with its bar redrawn every ``interval`` seconds, so that the time so far
    moves during a long cell too (papermill redraws it only when a cell ends); in a log rather than
    a terminal, every 30 s."""

    interval = 1.0 if sys.stderr.isatty() else 30.0

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        done = threading.Event()

        def redraw() -> None:
            while not done.wait(cls.interval):
                if nb_man.pbar is not None:
                    nb_man.pbar.refresh()

        ticker = threading.Thread(target=redraw, daemon=True)
        ticker.start()
        try:
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
        finally:
            done.set()
            ticker.join()


papermill_engines.register("site", LiveEngine)


def failed_cell(notebook: Path) -> str:
    """'cell N (its first line)' for the cell that failed in an executed notebook (the one with an
    error, else the last one started: where a kernel died), numbered as in the lesson itself."""
    if not notebook.exists():
        return "its start (the kernel did not start)"
    added = {"injected-parameters", "papermill-error-cell-tag"}
    cells = [
        c
        for c in nbformat.read(notebook, as_version=4).cells
        if not added & set(c.metadata.get("tags", []))
    ]
    started = [n for n, c in enumerate(cells) if c.metadata.get("papermill", {}).get("start_time")]
    failed = [
        n
        for n, c in enumerate(cells)
        if c.metadata.get("papermill", {}).get("exception")
        or any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    if not failed and not started:
        return "its start"
    number = (failed or started)[0 if failed else -1]
    first = next((line for line in cells[number].source.splitlines() if line.strip()), "")
    return f"cell {number + 1} ({first.strip()[:60]!r})"


@contextlib.contextmanager
def kernel_environment(offline: bool) -> Iterator[None]:
    """The environment kernels inherit while the block runs: figures drawn into the outputs (even
    where MPLBACKEND says otherwise), TensorFlow's start-up lines off, and with ``offline`` no
    network (:data:`NO_NETWORK`)."""
    inline = "module://matplotlib_inline.backend_inline"
    changes = {"MPLBACKEND": inline, "TF_CPP_MIN_LOG_LEVEL": "2", **(NO_NETWORK if offline else {})}
    before = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def kernel_messages_into(log: Path) -> Iterator[TextIO]:
    """While the block runs, what kernels write outside their cells (start-up notices, a traceback
    when stopped) goes to ``log``, not the terminal; yields the terminal's stream for the bar."""
    sys.stderr.flush()
    with open(log, "ab") as file:
        terminal = os.dup(2)
        os.dup2(file.fileno(), 2)  # kernels inherit this descriptor
    try:
        with os.fdopen(os.dup(terminal), "w") as stream:
            yield stream
    finally:
        sys.stderr.flush()
        os.dup2(terminal, 2)
        os.close(terminal)


def execute(run: Execution, folder: Path, fresh: bool = False, label: str = "") -> Path:
    """``run``'s notebook executed into ``folder`` (reused when executed before from the same inputs,
    unless ``fresh``); raises :class:`SiteError` naming the notebook and cell that failed."""
    folder.mkdir(parents=True, exist_ok=True)
    result, key = folder / run.source.name, run.key()
    if not fresh and result.exists():
        done = nbformat.read(result, as_version=4).metadata.get("site", {})
        if done.get("key") == key and not (done.get("fell_back") and not run.offline):
            print(
                f"{label}{run.name}: unchanged since {done['executed']}, kept (--fresh runs it again)"
            )
            return result
    partial = folder / f"{run.name}.partial.ipynb"
    began = time.perf_counter()
    log = folder / "kernels.log"
    try:
        with kernel_environment(run.offline), kernel_messages_into(log) as terminal:
            bar = {
                "desc": f"{label}{run.name}",
                "mininterval": LiveEngine.interval,
                "file": terminal,
            }
            papermill.execute_notebook(
                str(run.source),
                str(partial),
                parameters=dict(run.parameters),
                cwd=str(folder),
                kernel_name="python3",
                engine_name="site",
                progress_bar=bar,
            )
    except papermill.PapermillExecutionError as error:
        message = (error.evalue or "").strip().splitlines()[:1]
        hint = (
            " (without internet: make site OFFLINE=1)" if "download" in str(message).lower() else ""
        )
        raise SiteError(
            f"{run.source.name} failed at {failed_cell(partial)}: {': '.join([error.ename, *message])}"
            f"{hint}; the notebook as it ran: {partial}; nothing was published"
        ) from None
    except DeadKernelError:
        raise SiteError(
            f"{run.source.name}: its kernel died at {failed_cell(partial)} (out of memory? close "
            f"other programs; its messages: {log}); nothing was published"
        ) from None
    except (CellTimeoutError, RuntimeError) as error:  # a kernel that does not start or answer
        raise SiteError(
            f"{run.source.name}: {type(error).__name__} at {failed_cell(partial)}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else ''} (its kernel's "
            f"messages: {log}); nothing was published"
        ) from None
    seconds = time.perf_counter() - began
    print(f"{label}{run.name}: executed in {minutes(seconds)}", flush=True)
    notebook = nbformat.read(partial, as_version=4)
    notebook.metadata["site"] = {
        "key": key,
        "machine": machine(),
        "fell_back": fell_back(notebook),  # online, run again next time
        "seconds": round(seconds, 1),
        "executed": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "parameters": dict(run.parameters),
        "offline": run.offline,
    }
    nbformat.write(notebook, partial)
    partial.replace(result)
    return result
