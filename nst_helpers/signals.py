"""Stopping a run by a signal without losing it (used by the command line).

Ctrl-C raises ``KeyboardInterrupt`` in Python. SIGTERM (sent by ``kill``, ``timeout``, schedulers and
notebook servers) and SIGHUP (a closed terminal) would end the process on the spot; inside
:func:`stop_on_signals` they raise :class:`Stopped`, a ``KeyboardInterrupt``, so every place that
keeps the work on Ctrl-C keeps it on them too. :func:`signals_deferred` holds all three back while
results are being written.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
ALL_STOP_SIGNALS = (signal.SIGINT, *STOP_SIGNALS)


class Stopped(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGHUP; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_of(exc: KeyboardInterrupt) -> int:
    """The signal behind an interruption: SIGINT for Ctrl-C, else the one in :class:`Stopped`."""
    return exc.signum if isinstance(exc, Stopped) else int(signal.SIGINT)


def exit_code(signum: int) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number."""
    return 128 + int(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _handlers(signums: tuple[int, ...], handler: object) -> Iterator[None]:
    if not _in_main_thread():  # Python only lets the main thread install handlers
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in signums}
    for signum in signums:
        signal.signal(signum, handler)  # type: ignore[arg-type]
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise :class:`Stopped` (as Ctrl-C raises ``KeyboardInterrupt``)."""

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    with _handlers(STOP_SIGNALS, stop):
        yield


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """Inside, SIGINT, SIGTERM and SIGHUP are only recorded in the yielded list, so writing finishes."""
    received: list[int] = []

    def record(signum: int, frame: object) -> None:
        received.append(signum)

    with _handlers(ALL_STOP_SIGNALS, record):
        yield received
