"""The solutions to every lesson's exercises (``instructors/solutions``), appended to the lesson.

Each file is a lesson's solutions in jupytext's percent format (``# %%`` cells): they run after the
lesson, with its variables. ``make assignments`` writes each lesson with them into
``build/assignments/exercises/``; the notebook tests run every lesson this way.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "instructors" / "solutions"


def with_solutions(lesson: Path) -> nbformat.NotebookNode:
    """The lesson notebook with its exercises' solutions as its last cells."""
    notebook = nbformat.read(lesson, as_version=4)
    solutions = jupytext.read(SOLUTIONS / f"{lesson.stem}.py", fmt="py:percent")
    for number, cell in enumerate(solutions.cells):
        cell.metadata = {}
        cell["id"] = f"solution-{number:02d}"
    notebook.cells += solutions.cells
    return notebook


def write_all(out: Path) -> list[Path]:
    """Every lesson with its solutions, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nbformat.write(with_solutions(lesson), out / lesson.name)
        written.append(out / lesson.name)
    return written
