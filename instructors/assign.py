"""``make assignments``: student notebooks of lessons 03-05 and their autograders, by otter-grader.

Each question is a function a lesson writes out in full (a cell tagged ``teaching``); its checks are
in ``instructors/checks/``. The lesson becomes otter's master notebook: the function's body is the
solution, its checks follow it as tests. ``otter assign`` then writes, into ``build/assignments/``:

- ``student/NN_name.ipynb``: the lesson with each body replaced by ``...`` and a check after it;
- ``autograder/NN_name.zip``: what ``make grade`` runs, hidden checks included;
- ``solutions/NN_name.ipynb``: the lesson with the solutions and every check, for instructors;

and ``exercises/NN_name.ipynb``: each of the nine lessons followed by its exercises' solutions.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from instructors.checks import Check, checks_of  # noqa: E402
from instructors.exercises import write_all  # noqa: E402

ASSIGNMENTS = ("loss_functions", "model_building", "optimization")
"""The modules of ``instructors/checks``, one per assignment, in the course's order."""
OUT = ROOT / "build" / "assignments"
CHECKS_LINE = (
    'grader = nst.assignment_checks("{name}.ipynb")  # grader.check("...") after each question'
)
INTRO = """**This is an assignment.** Write the body of each function marked *Question*, where the lesson
wrote it out, then run the check under it: it says what is wrong in a sentence. The rest of the
notebook is the lesson: where it uses your functions, it runs and draws its figures once they are
right. Keep the file's name: the checks are read from it. Your instructor grades it with further
hidden checks (random shapes and values against the course's own functions)."""


def raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def solution_cell(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The teaching cell with its function's body (after the docstring) between otter's markers."""
    lines = cell.source.splitlines()
    function = next(n for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef))
    documented = ast.get_docstring(function) is not None
    first = function.body[1 if documented else 0]  # the body's first line after the docstring
    start = function.body[0].end_lineno if documented else first.lineno - 1
    indent = " " * first.col_offset
    marked = [
        *lines[:start],
        f"{indent}# BEGIN SOLUTION",
        *lines[start : function.end_lineno],
        f"{indent}# END SOLUTION",
        *lines[function.end_lineno :],
    ]
    code = nbformat.v4.new_code_cell("\n".join(marked))
    code.metadata = {k: v for k, v in cell.metadata.items() if k != "tags"}
    return code


def test_cell(item: Check) -> nbformat.NotebookNode:
    """One check as otter's test cell: its configuration, then the function without its decorator."""
    function = ast.parse(textwrap.dedent(inspect.getsource(item.function))).body[0]
    function.decorator_list = []
    config = [
        '""" # BEGIN TEST CONFIG',
        f"points: {item.points}",
        f"hidden: {str(item.hidden).lower()}",
        f"failure_message: {json.dumps(item.failure)}",
        '""" # END TEST CONFIG',
    ]
    return nbformat.v4.new_code_cell("\n".join(config) + "\n" + ast.unparse(function))


def question_cells(name: str, cell: nbformat.NotebookNode, checks: list[Check]) -> list:
    """Otter's question block for the lesson's function ``name``: prompt, solution, tests."""
    points = sum(c.points for c in checks)
    public = sum(c.points for c in checks if not c.hidden)
    prompt = nbformat.v4.new_markdown_cell(
        f"**Question: `{name}`** ({points:g} points, {public:g} of them checked here). Write its body "
        "where the `...` is, run the cell, then run the check below it."
    )
    return [
        raw(f"# BEGIN QUESTION\nname: {name}\npoints: {points:g}"),
        prompt,
        raw("# BEGIN SOLUTION"),
        solution_cell(cell),
        raw("# END SOLUTION"),
        raw("# BEGIN TESTS"),
        *[test_cell(c) for c in checks],
        raw("# END TESTS"),
        raw("# END QUESTION"),
    ]


def master(module_name: str) -> tuple[str, nbformat.NotebookNode]:
    """The lesson as otter's master notebook, with the questions of ``instructors/checks/<module>``."""
    module = importlib.import_module(f"instructors.checks.{module_name}")
    name, checks = module.NOTEBOOK, checks_of(module)
    questions = list(dict.fromkeys(c.question for c in checks))
    lesson = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    config = {
        "name": name,
        "init_cell": False,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": False,
        "solutions_pdf": False,
        "generate": True,
        "tests": {"files": False, "ok_format": False},
    }
    cells = [raw("# ASSIGNMENT CONFIG\n" + json.dumps(config, indent=2))]
    found = []
    for index, cell in enumerate(lesson.cells):
        if index == 0:
            title, _, rest = cell.source.partition("\n")
            rest = "\n".join(line for line in rest.splitlines() if "colab-badge" not in line)
            cell.source = f"{title.replace('# ', '# Assignment: ', 1)}\n\n{INTRO}\n{rest}"
        elif index == 1:
            cell.source = setup_with_checks(cell.source, name)
        defined = function_name(cell)
        if defined in questions:
            found.append(defined)
            cells += question_cells(defined, cell, [c for c in checks if c.question == defined])
            continue
        cells.append(cell)
    missing = [q for q in questions if q not in found]
    if missing:
        raise SystemExit(f"error: {name}: no teaching cell defines {', '.join(missing)}")
    lesson.cells = cells
    return name, lesson


def setup_with_checks(source: str, name: str) -> str:
    """The lesson's setup cell, plus otter-grader on Colab and the notebook's ``grader``."""
    install = f"    %pip install --quiet {otter_requirement()}  # the checks after each question\n"
    head, sep, tail = source.partition("import nst_helpers as nst")
    return f"{head.rstrip()}\n{install}{sep}{tail}\n{CHECKS_LINE.format(name=name)}"


def otter_requirement() -> str:
    """otter-grader as requirements.txt pins it: the version the autograders are built with."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return next(line.split()[0] for line in lines if line.startswith("otter-grader"))


def function_name(cell: nbformat.NotebookNode) -> str | None:
    """The function a cell tagged ``teaching`` defines, else None."""
    if cell.cell_type != "code" or "teaching" not in cell.metadata.get("tags", []):
        return None
    defined = [n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
    return defined[0] if len(defined) == 1 else None


def assign(module_name: str, out: Path) -> str:
    """Build one assignment into ``out``: student notebook, autograder zip, solutions notebook."""
    name, notebook = master(module_name)
    work = out / "otter" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    nbformat.write(notebook, work / f"{name}.ipynb")
    otter = Path(sys.executable).parent / "otter"
    done = subprocess.run(
        [str(otter), "assign", "--no-pdfs", f"{name}.ipynb", "dist"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"error: otter assign failed on {name}: {done.stderr.strip()[-800:]}")
    for folder in ("student", "autograder", "solutions"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    shutil.copy(work / "dist" / "student" / f"{name}.ipynb", out / "student" / f"{name}.ipynb")
    shutil.copy(work / "dist" / "autograder" / f"{name}.ipynb", out / "solutions" / f"{name}.ipynb")
    (zipped,) = (work / "dist" / "autograder").glob("*.zip")
    shutil.copy(zipped, out / "autograder" / f"{name}.zip")
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write (build/assignments)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    for module_name in ASSIGNMENTS:
        name = assign(module_name, args.out)
        print(f"{name}: student notebook, autograder and solutions written")
    shutil.rmtree(args.out / "otter", ignore_errors=True)
    solved = write_all(args.out / "exercises")
    print(f"{len(solved)} lessons with their exercises' solutions: {args.out / 'exercises'}")
    print(
        f"into {args.out} in {time.perf_counter() - began:.0f} s; grade with make grade SUBMISSIONS=folder"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
