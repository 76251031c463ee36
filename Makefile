# Two commands do all the set-up on a fresh machine (Python 3.11+):
#   make run   — build .venv, then run the main job on data/raw/ (→ data/processed/)
#   make test  — build .venv, then run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 以上が必要です: " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kyodo-analysis run

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/python -m pytest

clean-venv:
	rm -rf $(VENV)
