"""Stopping a run by a signal without losing it (used by the command line).

Ctrl-C raises ``KeyboardInterrupt`` in Python. SIGTERM (sent by ``kill``, ``timeout``, schedulers and
notebook servers) and SIGHUP (a closed terminal) would end the process on the spot. Inside
:func:`stop_on_signals` all three are caught: during an optimization loop that runs inside
:func:`stop_between_steps` they are only recorded, and the loop stops cleanly after its current
step (an exception raised in the middle of TensorFlow's code could leave it in a bad state); anywhere
else they raise :class:`Stopped`, a ``KeyboardInterrupt``. :func:`signals_deferred` holds them back
while results are being written.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Callable, Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Between:
    """Whether a loop is inside :func:`stop_between_steps`, and the signals it was sent there."""

    active = False
    received: list[int] = []


class Stopped(KeyboardInterrupt):
    """A run stopped by a signal caught by :func:`stop_on_signals`; ``signum`` says which."""

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
    """Inside, SIGINT, SIGTERM and SIGHUP stop a loop between two steps (see :func:`stop_between_steps`),
    or raise :class:`Stopped` anywhere else."""

    def stop(signum: int, frame: object) -> None:
        if _Between.active:
            _Between.received.append(signum)
        else:
            raise Stopped(signum)

    with _handlers(STOP_SIGNALS, stop):
        yield


@contextlib.contextmanager
def stop_between_steps() -> Iterator[Callable[[], int | None]]:
    """For a loop: yields a function that returns the first signal received so far (or None), so the
    loop can stop between two steps. Without :func:`stop_on_signals`, signals act as usual."""
    _Between.active, _Between.received = True, []
    try:
        yield lambda: _Between.received[0] if _Between.received else None
    finally:
        _Between.active = False


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """Inside, SIGINT, SIGTERM and SIGHUP are only recorded in the yielded list, so writing finishes."""
    received: list[int] = []

    def record(signum: int, frame: object) -> None:
        received.append(signum)

    with _handlers(STOP_SIGNALS, record):
        yield received
