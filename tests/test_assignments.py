"""Assignments (``make assignments``, ``make grade``): built from the lessons by otter-grader, checked
in the notebook, graded in a sandbox.

The grading tests grade one folder once: the three solutions, the three untouched student
notebooks, six typical wrong answers, a submission that hangs, one that tries to leave its sandbox
and a file that is not a notebook.
"""

from __future__ import annotations

import csv
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_notebooks import run_nbval, watched

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from instructors import assign  # noqa: E402
from instructors.grade import assignments  # noqa: E402

KNOWN = assignments()

WRONG = {  # name: (notebook, the solution's line, the wrong line, the question that must lose points)
    "unnormalized_gram": (
        "03_loss_functions",
        " / tf.cast(shape[1] * shape[2], tf.float32)",
        "",
        "gram_matrix",
    ),
    "transposed_gram": (
        "03_loss_functions",
        "tf.matmul(flat, flat, transpose_a=True)",
        "tf.matmul(flat, flat, transpose_b=True)",
        "gram_matrix",
    ),
    "content_summed": (
        "03_loss_functions",
        "tf.reduce_mean(tf.square(features - target))",
        "tf.reduce_sum(tf.square(features - target))",
        "content_loss",
    ),
    "variation_across_only": (
        "03_loss_functions",
        "return across + down",
        "return across",
        "total_variation_loss",
    ),
    "layer_weights_ignored": (
        "03_loss_functions",
        "weight * tf.reduce_mean(tf.square(grams[name] - targets[name]))",
        "tf.reduce_mean(tf.square(grams[name] - targets[name])) / len(targets)",
        "style_loss",
    ),
    "gradient_of_the_network": (
        "05_optimization",
        'gradient = tape.gradient(terms["total"], image)\n    optimizer.apply_gradients([(gradient, image)])',
        'gradients = tape.gradient(terms["total"], extractor.trainable_weights)\n'
        "    optimizer.apply_gradients(zip(gradients, extractor.trainable_weights))",
        "adam_step",
    ),
}
HANGS = (
    "03_loss_functions",
    "    features = tf.cast(\n",
    "    while True:\n        pass\n    features = tf.cast(\n",
)
TIMEOUT = 150
"""Seconds a submission may take when grading in the tests: a solution takes 15-30 s here, two at once."""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("assignments")
    assert assign.main(["--out", str(out)]) == 0
    return out


def edited(notebook: Path, old: str, new: str) -> dict:
    """The notebook with ``old`` replaced by ``new`` in the one solution cell that has it."""
    content = json.loads(notebook.read_text())
    cells = [
        c
        for c in content["cells"]
        if c["cell_type"] == "code"
        and old in "".join(c["source"])
        and "TEST CONFIG" not in "".join(c["source"])
    ]
    assert len(cells) == 1, (notebook.name, old, len(cells))
    cells[0]["source"] = "".join(cells[0]["source"]).replace(old, new, 1)
    return content


def test_student_notebooks_keep_the_lesson_but_not_its_answers(built):
    for name, known in KNOWN.items():
        student = json.loads((built / "student" / f"{name}.ipynb").read_text())
        lesson = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
        sources = ["".join(c["source"]) for c in student["cells"]]
        answers = [
            c for c in student["cells"] if "otter_answer_cell" in c["metadata"].get("tags", [])
        ]
        assert len(answers) == len(known.points), name
        for question in known.points:
            answer = next(s for s in sources if f"def {question}(" in s)
            taught = next(
                "".join(c["source"])
                for c in lesson["cells"]
                if f"def {question}(" in "".join(c["source"])
            )
            assert answer.rstrip().endswith("...") and len(answer) < len(taught) / 2, answer
            assert sources[sources.index(answer) + 1] == f'grader.check("{question}")'
        assert "assignment_checks" in sources[1] and "otter-grader" in sources[1]
        assert sum("parameters" in c["metadata"].get("tags", []) for c in student["cells"]) == 1
        tests = "".join(student["metadata"]["otter"]["tests"].values())
        assert "hidden=False" in tests and "hidden=True" not in tests, "hidden checks stay out"
        assert (built / "autograder" / f"{name}.zip").is_file()


def test_the_student_notebooks_run_with_the_answers_and_their_checks_pass(built, tmp_path):
    """The student notebook with the lesson's answers written in runs top to bottom in a folder of
    its own (nothing of the repository but the installed package), and every check passes."""
    for name, known in KNOWN.items():
        student = json.loads((built / "student" / f"{name}.ipynb").read_text())
        solved = json.loads((built / "solutions" / f"{name}.ipynb").read_text())
        for cell in student["cells"]:
            if "otter_answer_cell" in cell["metadata"].get("tags", []):
                head = "".join(cell["source"]).split("(")[0]  # "def gram_matrix"
                cell["source"] = next(
                    "".join(c["source"])
                    for c in solved["cells"]
                    if "".join(c["source"]).startswith(head + "(")
                )
        questions = json.dumps(list(known.points))
        student["cells"].append(
            {
                "cell_type": "code",
                "id": "all-checks",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": f"checked = [grader.check(q) for q in {questions}]\n"
                "assert all(c.passed_all for c in checked), [c.summary() for c in checked]",
            }
        )
        folder = tmp_path / name
        folder.mkdir()
        path = folder / f"{name}.ipynb"
        path.write_text(json.dumps(student))
        done = run_nbval(watched(path, path, known.parameters))
        assert done.returncode == 0, name + done.stdout[-4000:] + done.stderr[-2000:]


def test_the_checks_on_colab_come_from_the_notebook_colab_sends(built, tmp_path, monkeypatch):
    """On Colab the kernel cannot read the notebook's file: the checks are asked of Colab's page
    (a stand-in here) and written to tests/, and a check then runs."""
    import types

    import nst_helpers as nst

    student = json.loads((built / "student" / "03_loss_functions.ipynb").read_text())
    message = types.ModuleType("google.colab._message")
    message.blocking_request = lambda request, timeout_sec: (
        {"ipynb": student} if request == "get_ipynb" else None
    )
    colab = types.ModuleType("google.colab")
    colab._message = message
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab._message", message)
    monkeypatch.chdir(tmp_path)
    grader = nst.assignment_checks("03_loss_functions.ipynb")
    assert sorted(p.stem for p in (tmp_path / "tests").iterdir()) == sorted(
        KNOWN["03_loss_functions"].points
    )
    from nst_helpers.core.losses import content_loss

    assert grader.check("content_loss", {"content_loss": content_loss}).passed_all
    result = grader.check("content_loss", {"content_loss": lambda a, b: (a - b) ** 2})
    assert not result.passed_all and "reduce over every axis" in result.summary()


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory) -> dict[str, dict]:
    """One folder of submissions graded with make grade's script, rows of grades.csv by file."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is not installed: .ci/run installs it (apt-get install bubblewrap)")
    folder = tmp_path_factory.mktemp("submissions")
    solutions = built / "solutions"
    for name in KNOWN:
        shutil.copy(solutions / f"{name}.ipynb", folder / f"solved_{name}.ipynb")
        shutil.copy(built / "student" / f"{name}.ipynb", folder / f"untouched_{name}.ipynb")
    for wrong, (name, old, new, _) in WRONG.items():
        (folder / f"{wrong}.ipynb").write_text(
            json.dumps(edited(solutions / f"{name}.ipynb", old, new))
        )
    name, old, new = HANGS
    (folder / "hangs.ipynb").write_text(json.dumps(edited(solutions / f"{name}.ipynb", old, new)))
    (folder / "corrupt.ipynb").write_text('{"cells": [')
    targets = [
        folder / "escaped.txt",
        ROOT / "escaped.txt",
        tmp_path_factory.getbasetemp() / "escaped.txt",
    ]
    out = tmp_path_factory.mktemp("grades")
    with listening() as port:
        hostile = ESCAPE.format(
            targets=[str(t) for t in targets], hosts=["127.0.0.1", host_address()], port=port
        )
        escape = edited(
            solutions / "03_loss_functions.ipynb", "PATCH = 32", f"PATCH = 32\n{hostile}"
        )
        (folder / "escapes.ipynb").write_text(json.dumps(escape))
        probe = tmp_path_factory.mktemp("probe") / "escaped.txt"  # the same code, unsandboxed:
        unsandboxed = ESCAPE.format(targets=[str(probe)], hosts=["127.0.0.1"], port=port)
        subprocess.run([sys.executable, "-c", unsandboxed], check=True, timeout=60)
        assert probe.exists() and VISITS == ["/escaped"], "the hostile code does not work at all"
        VISITS.clear()
        script = [sys.executable, str(ROOT / "instructors" / "grade.py"), str(folder)]
        done = subprocess.run(
            [
                *script,
                "--out",
                str(out),
                "--timeout",
                str(TIMEOUT),
                "--autograders",
                str(built / "autograder"),
            ],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert not VISITS, f"a submission reached this machine's server: {VISITS}"
    written = [str(t) for t in targets if t.exists()]
    assert not written, f"a submission wrote outside its folder: {written}"
    with (out / "grades.csv").open() as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    rows["_out"] = {"path": str(out)}
    return rows


ESCAPE = """import socket
from pathlib import Path

for target in {targets}:
    try:
        Path(target).write_text("out of the sandbox")
    except OSError:
        pass
for host in {hosts}:
    try:
        socket.create_connection((host, {port}), timeout=2).sendall(b"GET /escaped HTTP/1.0\\r\\n\\r\\n")
    except OSError:
        pass"""
"""What a hostile submission tries: write outside its folder, reach a server on this machine."""

VISITS: list[str] = []


def host_address() -> str:
    """This machine's address on its network (no packet is sent), else its loopback."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class listening:
    """A local HTTP server on every address that records each request, for the sandbox test."""

    def __enter__(self) -> int:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                VISITS.append(self.path)
                self.send_response(200)
                self.end_headers()

        self.server = http.server.HTTPServer(("0.0.0.0", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server.server_address[1]

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


def total(row: dict) -> tuple[float, float]:
    return float(row["total"]), float(row["possible"])


def test_grading_the_solutions_gives_full_marks(graded):
    for name, known in KNOWN.items():
        row = graded[f"solved_{name}.ipynb"]
        assert row["status"] == "graded" and total(row) == (sum(known.points.values()),) * 2, row


def test_grading_the_untouched_notebooks_gives_zero_and_finishes(graded):
    for name, known in KNOWN.items():
        row = graded[f"untouched_{name}.ipynb"]
        assert row["status"] == "graded" and total(row) == (0, sum(known.points.values())), row


@pytest.mark.parametrize("wrong", WRONG)
def test_a_wrong_answer_loses_the_points_of_its_own_question_only(graded, wrong):
    name, _, _, question = WRONG[wrong]
    row, full = graded[f"{wrong}.ipynb"], KNOWN[name].points
    assert row["status"] == "graded", row
    lost = {q: full[q] - float(row[q]) for q in full if float(row[q]) < full[q]}
    assert list(lost) == [question], f"{wrong}: lost {lost}"


def test_a_hanging_submission_is_stopped_and_reported(graded):
    row = graded["hangs.ipynb"]
    assert row["status"].startswith(f"stopped after {TIMEOUT:g} s") and total(row)[0] == 0, row
    feedback = (Path(graded["_out"]["path"]) / "feedback" / "hangs.md").read_text()
    assert "Not graded: stopped after" in feedback


def test_a_file_that_is_not_a_notebook_is_reported(graded):
    assert graded["corrupt.ipynb"]["status"].startswith("not a notebook"), graded["corrupt.ipynb"]


def test_a_submission_cannot_reach_the_network_or_write_outside_its_folder(graded):
    """The fixture asserts that the local server saw no request and no file appeared outside; the
    hostile submission itself is still graded."""
    row = graded["escapes.ipynb"]
    full = sum(KNOWN["03_loss_functions"].points.values())
    assert row["status"] == "graded" and total(row) == (full, full), row


def test_each_student_reads_feedback_in_sentences(graded):
    out = Path(graded["_out"]["path"]) / "feedback"
    transposed = (out / "transposed_gram.md").read_text()
    gram = KNOWN["03_loss_functions"].points["gram_matrix"]
    assert "the product is transposed" in transposed and f"gram_matrix: 0 / {gram:g}" in transposed
    summed = (out / "content_summed.md").read_text()
    assert "that is a sum, divide by H*W*C" in summed
