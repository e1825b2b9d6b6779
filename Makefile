# Two commands on a fresh machine: `make play` and `make test`. Everything goes into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup play train test test-fast lint format data clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

setup: $(VENV)/.installed

play: setup
	$(BIN)/python -m game

train: setup
	$(BIN)/python train.py

data: setup
	$(BIN)/python -m gan.data --data-dir data

# One style for every file: ruff formats and lints (its settings are in pyproject.toml).
lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: data lint
	$(BIN)/python -m pytest

test-fast: data lint
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache
