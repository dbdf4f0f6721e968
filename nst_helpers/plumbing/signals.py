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
import math
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

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


PLATEAU_WINDOW = 20  # the steps over which the stop rule compares the lowest loss (notebook 08)


def flattened(lowest: Sequence[float], tolerance: float, window: int = PLATEAU_WINDOW) -> bool:
    """The stop rule (notebook 08): True when the lowest loss so far (``lowest``, one value per step)
    fell by less than ``tolerance``, a fraction, over the last ``window`` steps; 0 never stops."""
    if tolerance <= 0 or len(lowest) <= window:
        return False
    before, now = lowest[-window - 1], lowest[-1]
    return before - now <= tolerance * abs(before)


@dataclass
class StopRules:
    """Why a run ends before its last step, asked between steps: a signal (``signal_received``
    returns its number; the command line defers SIGTERM to between steps), the caller's ``stop``
    (the playground's Stop button), the time limit or the stop rule (``plateau``, :func:`flattened`)."""

    signal_received: Callable[[], int | None] = lambda: None
    stop: Callable[[], bool] | None = None
    max_seconds: float | None = None
    signum: int | None = None  # the signal that stopped the run
    started: float = field(default_factory=time.perf_counter)
    total: int = 0  # the run's steps, for the message
    plateau: float = 0.0  # the stop rule's tolerance (0: off)
    lowest: list[float] = field(default_factory=list)  # the lowest loss after each step

    def reason(self, history: Sequence[dict] = ({},)) -> str | None:
        """ "interrupted", "stopped", "time limit", "flattened", or None to go on; ``history``: the
        run's rows so far (the time limit and the stop rule wait for one)."""
        received = self.signal_received()
        if received is not None:
            self.signum = received
            return "interrupted"
        if self.stop is not None and self.stop():
            return "stopped"
        if self.max_seconds is not None and history:
            if time.perf_counter() - self.started > self.max_seconds:
                return "time limit"
        for row in history[len(self.lowest) :]:
            self.lowest.append(min([row.get("total", math.inf), *self.lowest[-1:]]))
        flat = flattened(self.lowest, self.plateau) and len(history) < self.total
        return "flattened" if flat else None

    def __call__(self, history: Sequence[dict]) -> tuple[str, str] | None:
        """(reason, message) when the run should end now, for ``adam_loop``'s ``should_stop``."""
        reason = self.reason(history)
        return None if reason is None else (reason, self.message(reason, len(history), self.total))

    def message(self, reason: str, done: int, total: int, unit: str = "steps") -> str:
        """The one line that says why a run ended early and what was kept."""
        if reason == "interrupted":
            signum = self.signum or signal.SIGINT
            by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
            return f"interrupted{by} after {done} of {total} {unit}; kept the image so far"
        if reason == "time limit":
            return f"stopped after {done} of {total} {unit}: the {self.max_seconds or 0:g} s limit"
        if reason == "flattened":
            return (
                f"stopped after {done} of {total} {unit}: the loss fell by less than "
                f"{self.plateau:.2%} over the last {PLATEAU_WINDOW}; plateau=0 runs them all"
            )
        return f"stopped after {done} of {total} {unit}; kept the best image so far"
