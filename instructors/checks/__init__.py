"""The checks of the assignments, one module per lesson notebook (``make assignments``).

A check is a function whose parameters are the notebook's names it needs (otter-grader passes them
in, ``None`` where the student has not defined one); an ``AssertionError``'s message is what the
student reads, after the check's ``failure`` sentence. Public checks run in the notebook
(``grader.check``); hidden ones only when grading.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Check:
    """One test case of otter's: the question it marks, its points and what it tells the student."""

    question: str
    function: Callable[..., None]
    points: float
    hidden: bool
    failure: str


def check(question: str, points: float = 1, hidden: bool = False, failure: str = "") -> Callable:
    """Mark a function as a check of ``question`` (a function the lesson writes out)."""

    def mark(function: Callable[..., None]) -> Callable[..., None]:
        function.check = Check(question, function, points, hidden, failure)  # type: ignore[attr-defined]
        return function

    return mark


def checks_of(module: object) -> list[Check]:
    """The module's checks, in the order it defines them."""
    return [f.check for f in vars(module).values() if isinstance(getattr(f, "check", None), Check)]
