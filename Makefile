# make demo: stylize a shipped photo into outputs/; make test: the whole test suite.
# make app: the playground page on http://127.0.0.1:7860 (APP_ARGS="--port 8000" to move it).
# make bench: step times by architecture, size, mode and precision, then the time-to-quality table (notebook 08), into results/.
# make reproduce: notebooks 06 and 07 (the comparisons) into results/reproduce/REPORT.md; QUICK=1 on a
# CPU without internet (about 15 minutes on 2 cores), without it the full run for a Colab GPU.
# make gallery: the defaults and the earlier ones on eight shipped pairs, judged, into docs/gallery.png (README;
# about 15 minutes on 2 cores).
# make test-quick: the package's own tests, for the edit loop: no notebook runs, page, browser, comparisons,
# grading, site or command-line subprocesses (make test runs them all).
# make assignments: student notebooks of lessons 03-05, their autograders and solutions, into build/assignments/
# (otter-grader); make grade SUBMISSIONS=folder: grade every notebook in the folder into build/grades/<folder>/
# (grades.csv, feedback/), each in a sandbox (bubblewrap); make mistakes: docs/mistakes.png, students' usual
# mistakes in the picture (about 3 minutes on 2 cores): instructors/guide.md.
# make site: the nine lessons executed at classroom parameters on this machine (papermill) and rendered with
# the README as a static site in build/site/html (MkDocs Material); OFFLINE=1 without internet (shipped
# paintings); SITE_ARGS="--fresh" executes again lessons executed before.
# make lint / make format: ruff, on the code and the notebooks (make test runs make lint).
# All build the local environment in .venv first (once; again when the requirements change).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
QUICK_TESTS := -k "not runs_top_to_bottom and not retracing_check and not page_run and not settles" \
	--ignore=tests/test_browser.py --ignore=tests/test_page_security.py --ignore=tests/test_app.py \
	--ignore=tests/test_reproduce.py --ignore=tests/test_gallery.py --ignore=tests/test_benchmark.py \
	--ignore=tests/test_reliability.py --ignore=tests/test_cli_safety.py --ignore=tests/test_compare.py \
	--ignore=tests/test_assignments.py --ignore=tests/test_site.py

.PHONY: setup demo app test test-quick bench reproduce gallery lab lint format colab clean assignments grade mistakes site

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --requirement requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $(STAMP)

demo: setup
	$(PY) -m nst_helpers stylize chelsea swirls --output outputs/demo.png --max-dim 320 --steps 200

app: setup
	$(PY) -m nst_helpers app $(APP_ARGS)

test: setup lint
	$(PY) -m pytest

test-quick: setup
	$(PY) -m pytest -q $(QUICK_TESTS)

lint: setup
	$(PY) -m ruff format --check --quiet .
	$(PY) -m ruff check --quiet .

format: setup
	$(PY) -m ruff format --quiet .
	$(PY) -m ruff check --quiet --fix .

bench: setup
	$(PY) -m nst_helpers.experiments.benchmark --out results

gallery: setup
	$(PY) scripts/gallery.py $(GALLERY_ARGS)

reproduce: setup
	$(PY) -m nst_helpers.experiments.reproduce --out results/reproduce $(if $(QUICK),--quick)

assignments: setup
	$(PY) instructors/assign.py

grade: setup
	$(if $(SUBMISSIONS),,$(error give the folder of submitted notebooks: make grade SUBMISSIONS=folder))
	$(PY) instructors/grade.py "$(SUBMISSIONS)" $(GRADE_ARGS)

site: setup
	$(PY) website/build.py $(if $(OFFLINE),--offline) $(SITE_ARGS)

mistakes: setup
	$(PY) instructors/mistakes.py

colab: setup
	$(PY) scripts/colab.py $(REPO)

lab: setup
	$(PY) scripts/lab.py $(LAB_ARGS)

clean:
	rm -rf outputs .pytest_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
