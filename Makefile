# affgraph: the two commands of the README, and the helpers behind them.
#   make run   install (into .venv), load the bundled public cases, serve on 127.0.0.1:8000
#   make test  install with the dev tools, then ruff, mypy and the whole test suite
# A second run is fast: pip runs again only when pyproject.toml has changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= ./affgraph.db
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck pytest install install-dev format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/affgraph load data/cases --store $(STORE)
	$(BIN)/affgraph serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install-dev lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache affgraph.db affgraph.db-wal affgraph.db-shm
