"""``make grade SUBMISSIONS=folder``: grade every notebook in a folder with otter-grader, each sandboxed.

Writes ``grades.csv`` (file, assignment, status, points per question, total, possible) and one
``feedback/<file>.md`` per submission into ``--out`` (default ``build/grades/<folder>``); the
submissions are only read. Each runs with the assignment's small offline parameters (papermill puts
them after its ``parameters`` cell) in its own working folder, under bubblewrap: no network, every
other file read-only, stopped after ``--timeout`` seconds. A submission that raises, hangs, is not a
notebook or belongs to no assignment is reported with its reason; the others are still graded.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from instructors.assign import ASSIGNMENTS, OUT  # noqa: E402
from instructors.checks import checks_of  # noqa: E402

SANDBOX = "bwrap"


@dataclass
class Graded:
    """One submission's outcome: points per question, and what its student reads."""

    file: str
    assignment: str = ""
    status: str = "graded"
    points: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """What grading needs of one assignment (``instructors/checks``)."""

    parameters: dict
    points: dict[str, float]


def assignments() -> dict[str, Assignment]:
    """Each assignment, by notebook name: its grading parameters and its questions' points."""
    found = {}
    for name in ASSIGNMENTS:
        module = importlib.import_module(f"instructors.checks.{name}")
        points: dict[str, float] = {}
        for item in checks_of(module):
            points[item.question] = points.get(item.question, 0) + item.points
        found[module.NOTEBOOK] = Assignment(module.GRADING, points)
    return found


def sandboxed(command: list[str], work: Path) -> list[str]:
    """``command`` under bubblewrap: a read-only view of the machine, ``work`` writable, no network
    (bubblewrap gives it a loopback of its own, for the kernel), its own process tree."""
    return [
        SANDBOX,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/dev/shm",
        "--bind", str(work), str(work),
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--new-session",
        "--die-with-parent",
        "--chdir", str(work),
        *command,
    ]  # fmt: skip


def environment(work: Path) -> dict[str, str]:
    """A clean environment whose every writable path is inside ``work``."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(work),
        "TMPDIR": str(work / "tmp"),
        "MPLCONFIGDIR": str(work / "tmp"),
        "KERAS_HOME": str(work / "keras"),
        "JUPYTER_RUNTIME_DIR": str(work / "tmp"),
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
    }


def prepared(source: Path, work: Path, known: dict[str, Assignment]) -> tuple[str, Path]:
    """The submission's assignment, and a copy of it in ``work`` with the grading parameters."""
    import nbformat
    import papermill.iorw
    import papermill.parameterize

    try:
        notebook = papermill.iorw.load_notebook_node(str(source))  # every cell gets its tags list
    except Exception as error:
        raise ValueError(f"not a notebook ({type(error).__name__}): {str(error)[:120]}") from None
    name = notebook.metadata.get("otter", {}).get("assignment_name", "")
    if name not in known:
        raise ValueError(
            f"no assignment named {name!r} in its metadata: was it made by make assignments?"
        )
    notebook = papermill.parameterize.parameterize_notebook(notebook, known[name].parameters)
    copy = work / "submission.ipynb"
    nbformat.write(notebook, copy)
    return name, copy


def run_otter(copy: Path, autograder: Path, timeout: float) -> tuple[str, dict | None]:
    """Run otter on ``copy`` in its folder, sandboxed: (status, otter's results or None)."""
    work = copy.parent
    shutil.copy(autograder, work / "autograder.zip")
    otter = str(Path(sys.executable).parent / "otter")
    command = [otter, "run", "--no-logo", "-a", "autograder.zip", "-o", ".", copy.name]
    log = (work / "otter.log").open("w")
    process = subprocess.Popen(
        sandboxed(command, work),
        cwd=work,
        env=environment(work),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return f"stopped after {timeout:g} s: it hangs or takes too long", None
    finally:
        log.close()
    results = work / "results.json"
    if not results.is_file():
        last = (work / "otter.log").read_text(errors="replace").strip().splitlines()[-1:] or [
            "no output"
        ]
        return f"otter failed: {last[0][:200]}", None
    return "graded", json.loads(results.read_text())


def grade_one(source: Path, out: Path, autograders: Path, known: dict, timeout: float) -> Graded:
    """Grade one submission: never raises, every failure becomes its status."""
    graded = Graded(file=source.name)
    if source.suffix.lower() != ".ipynb" or not source.is_file():
        graded.status = "not graded: not a notebook file (.ipynb); folders are not searched"
        return graded
    work = out / "work" / source.stem
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    try:
        graded.assignment, copy = prepared(source, work, known)
    except ValueError as error:
        graded.status = str(error)
        return graded
    graded.possible = dict(known[graded.assignment].points)  # 0 of them if otter gives nothing
    graded.points = dict.fromkeys(graded.possible, 0.0)
    graded.status, results = run_otter(copy, autograders / f"{graded.assignment}.zip", timeout)
    for test in (results or {}).get("tests", []):
        if test.get("name") == "Public Tests" or "max_score" not in test:
            continue
        graded.points[test["name"]] = float(test.get("score") or 0)
        graded.possible[test["name"]] = float(test["max_score"])
        graded.feedback[test["name"]] = test.get("output", "")
    if results is not None and not graded.feedback:
        graded.status = f"otter could not grade it: see {work / 'otter.log'}"
    return graded


def feedback(graded: Graded) -> str:
    """What the student reads: the status, then each question's points and failed checks."""
    total, possible = sum(graded.points.values()), sum(graded.possible.values())
    lines = [f"# {graded.file}: {graded.assignment or 'not graded'}", ""]
    if graded.status != "graded":
        lines += [f"**Not graded: {graded.status}.**", ""]
    if graded.possible:
        lines += [f"Total: {total:g} / {possible:g} points", ""]
    for name, points in graded.points.items():
        lines += [f"## {name}: {points:g} / {graded.possible[name]:g}", ""]
        if points < graded.possible[name] and graded.feedback.get(name):
            lines += ["```", graded.feedback[name].strip(), "```", ""]
    return "\n".join(lines)


def write_report(results: list[Graded], known: dict[str, Assignment], out: Path) -> Path:
    """``grades.csv`` and ``feedback/`` in ``out``: a column per question of the assignments seen."""
    seen = {r.assignment for r in results}
    questions = [q for name, a in known.items() if name in seen for q in a.points]
    table = out / "grades.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "assignment", "status", *questions, "total", "possible"])
        for r in results:
            points = [f"{r.points[q]:g}" if q in r.points else "" for q in questions]
            total, possible = sum(r.points.values()), sum(r.possible.values())
            writer.writerow(
                [r.file, r.assignment, r.status, *points, f"{total:g}", f"{possible:g}"]
            )
    (out / "feedback").mkdir(exist_ok=True)
    for r in results:
        (out / "feedback" / f"{Path(r.file).stem}.md").write_text(feedback(r))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="a folder of submitted notebooks")
    parser.add_argument("--out", type=Path, help="where to write (default build/grades/<folder>)")
    parser.add_argument("--autograders", type=Path, default=OUT / "autograder")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per submission (600)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (2)")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder: give SUBMISSIONS=folder of .ipynb files")
    if shutil.which(SANDBOX) is None:
        parser.error("grading needs bubblewrap to keep submissions off the network and inside their "
                     "folder: install it (apt-get install bubblewrap), then run make grade again")  # fmt: skip
    if not any(args.autograders.glob("*.zip")):
        parser.error(f"no autograders in {args.autograders}: run make assignments first")
    sources = sorted(p for p in args.submissions.iterdir() if not p.name.startswith("."))
    if not any(p.suffix.lower() == ".ipynb" for p in sources):
        parser.error(f"no .ipynb files in {args.submissions}")
    out = (args.out or ROOT / "build" / "grades" / args.submissions.resolve().name).resolve()
    out.mkdir(parents=True, exist_ok=True)
    known, began = assignments(), time.perf_counter()
    print(
        f"grading {len(sources)} notebooks, {args.jobs} at a time, each stopped after {args.timeout:g} s"
    )

    def one(source: Path) -> Graded:
        graded = grade_one(source, out, args.autograders.resolve(), known, args.timeout)
        total, possible = sum(graded.points.values()), sum(graded.possible.values())
        print(f"{source.name}: {total:g}/{possible:g}, {graded.status} "
              f"({time.perf_counter() - began:.0f} s so far)", flush=True)  # fmt: skip
        return graded

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:  # each submission is its own process
        results = list(pool.map(one, sources))
    table = write_report(results, known, out)
    print(
        f"{len(results)} graded in {time.perf_counter() - began:.0f} s: {table}, feedback in {out / 'feedback'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
