# make demo: stylize a shipped photo into outputs/; make test: the whole test suite.
# make bench: step times by architecture, size, mode and precision into results/.
# All build the local environment in .venv first (once; again when the requirements change).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: setup demo test bench lab clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --requirement requirements.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $(STAMP)

demo: setup
	$(PY) -m nst_helpers stylize chelsea swirls --output outputs/demo.png --max-dim 320 --steps 200

test: setup
	$(PY) -m pytest

bench: setup
	$(PY) -m nst_helpers.benchmark --out results

lab: setup
	$(PY) scripts/lab.py $(LAB_ARGS)

clean:
	rm -rf outputs .pytest_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
