"""What a student waits for in notebooks 06-08: a cell's estimated time, then a progress bar."""

from __future__ import annotations

from typing import Any, Sequence

from nst_helpers.core.optimize import Callback
from nst_helpers.core.progress import ProgressBar
from nst_helpers.plumbing.estimate import estimate_run, format_duration


class Progress(ProgressBar):
    """A run's bar, labelled (for example "vgg19 (ImageNet)" or "512 px"), updated every step (a
    count with the time so far when ``steps`` is None: a run that stops on time), that also calls
    ``judge(step, image, losses)`` every ``judge_every`` steps and at the last (notebooks 06-08)."""

    def __init__(
        self,
        label: str,
        steps: int | None = None,
        judge: Callback | None = None,
        judge_every: int = 10,
    ) -> None:
        super().__init__(steps, label)
        self.steps, self.judge, self.judge_every = steps, judge, judge_every

    def __call__(self, step: int, image: Any, losses: Any) -> None:
        super().__call__(step, image, losses)
        if self.judge is not None and (step % self.judge_every == 0 or step == self.steps):
            self.judge(step, image, losses)


def step_seconds(run: Any, height: int, width: int) -> float:
    """The estimator's seconds per compiled step of ``run``'s network at ``height`` x ``width`` here
    (notebooks 06-09)."""
    return estimate_run(run.extractor, height, width).seconds_per_step


def announce(parts: Sequence[tuple[str, float]], bound: str = "about") -> float:
    """Print a cell's estimated time, in total and per part ``(label, seconds)``, before it starts
    (``bound``: "about", or "at most" for runs that stop early); returns the total (notebooks 06-08)."""
    total = sum(seconds for _, seconds in parts)
    each = "; ".join(f"{label} {format_duration(seconds)}" for label, seconds in parts)
    print(f"estimated on this machine: {bound} {format_duration(total)} ({each})", flush=True)
    return total
