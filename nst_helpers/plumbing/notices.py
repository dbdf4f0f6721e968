"""Notices said once (used by the experiments of notebooks 06-08): a notebook that runs many
comparisons prints each ``NOTE:`` line the first time only."""

from __future__ import annotations

_NOTIFIED: set[str] = set()


def notify(notice: str | None) -> None:
    """Print ``NOTE: notice`` the first time only: a notebook says each notice once (notebooks 06-08)."""
    if notice and notice not in _NOTIFIED:
        _NOTIFIED.add(notice)
        print(f"NOTE: {notice}", flush=True)
