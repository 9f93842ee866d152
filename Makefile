# affgraph: the two commands of the README, and the helpers behind them.
#   make run   install (into .venv), load the bundled public cases, serve on 127.0.0.1:8000
#   make test  install with the dev tools, then ruff, mypy and the whole test suite
# A second run is fast: pip runs again only when pyproject.toml has changed, npm ci (the web
# UI's libraries, into web/node_modules) only when web/package-lock.json has.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= ./affgraph.db
HOST   ?= 127.0.0.1
PORT   ?= 8000
WEB    := web

.PHONY: run test lint typecheck pytest install install-dev install-web install-browser format clean notebooks cookbook

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

# The browser UI's libraries (Cytoscape.js and its extensions), exactly as the lock file says.
$(WEB)/node_modules/.installed: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-web: $(WEB)/node_modules/.installed

run: install install-web
	$(BIN)/affgraph load data/cases --store $(STORE)
	$(BIN)/affgraph serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install-dev install-web install-browser lint typecheck audit pytest

# Debian's Chromium, which the web UI's end-to-end tests drive through Playwright (Playwright's
# own browser download cannot work here). Installed only when missing; needs root or sudo.
install-browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo="sudo"; fi; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

lint: install-dev
	$(BIN)/ruff check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev install-web
	$(BIN)/pytest

# Known vulnerabilities of the installed packages (pip-audit, strict: a package it cannot look
# up fails the audit). It needs PyPI's per-release JSON (https://pypi.org/pypi/P/V/json); where
# that is unreachable (offline, or a mirror without it) the audit is skipped, saying so.
.PHONY: audit
audit: install-dev
	@if $(BIN)/python -c "import importlib.metadata as m, urllib.request as u; \
	u.urlopen('https://pypi.org/pypi/pip/' + m.version('pip') + '/json', timeout=15)" 2>/dev/null; \
	then \
		$(BIN)/python -m pip freeze --exclude-editable > $(VENV)/audit-requirements.txt && \
		$(BIN)/pip-audit --strict --disable-pip --no-deps --progress-spinner off \
			-r $(VENV)/audit-requirements.txt; \
	else \
		echo "make audit: SKIPPED: PyPI's advisory data (https://pypi.org/pypi/P/V/json) is not" \
			"reachable from this machine, so nothing can be audited; run make audit online."; \
	fi

# Run the Cypher notebooks against a fresh ArcadeDB Bolt server holding the public cases.
notebooks: install-dev
	$(BIN)/pytest tests/test_notebooks.py

# Regenerate docs/cypher-cookbook.md from the catalogue of named queries.
cookbook: install
	$(BIN)/python docs/make_cookbook.py

# The performance harness (issue 8, bench/README.md): a province of SCALE nodes on the embedded
# store, NEO4J_SCALE on the Neo4j store (ArcadeDB's Bolt server); one table, and the same
# figures in bench/results/latest.json. Generated provinces are cached in bench/data/.
SCALE       ?= 1000000
NEO4J_SCALE ?= 100000

.PHONY: bench
bench: install-dev
	$(BIN)/python -m bench.run --scale $(SCALE) --neo4j-scale $(NEO4J_SCALE)

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache affgraph.db affgraph.db-wal affgraph.db-shm \
		$(WEB)/node_modules test-artifacts
