# affgraph: the commands of the README, and the helpers behind them.
#   make run    install (into .venv), load the bundled public cases, serve on 127.0.0.1:8000
#   make check  the fast tier, while changing something: ruff, the format, mypy and the tests
#               but the soak, crash, concurrency and processes tiers, fuzzing with
#               Hypothesis's dev profile (a tenth of the examples); under 3 minutes on two cores
#   make test   install with the dev tools, then ruff, mypy, the audit and the whole test
#               suite, fuzzing with the ci profile (every example): before a commit, and CI
#   make notebooks  run every Cypher notebook against affgraph bolt serving make run's data
#   make lock  re-resolve requirements.lock, the exact versions every install uses
#   make audit known vulnerabilities of those versions (run by make test)
# A second run is fast: pip runs again only when pyproject.toml or requirements.lock has
# changed, npm ci (the web UI's libraries, into app/ui/node_modules) only when
# app/ui/package-lock.json has.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= ./affgraph.db
HOST   ?= 127.0.0.1
PORT   ?= 8000
WEB    := app/ui
LOCK   := requirements.lock

.PHONY: run check test lint typecheck pytest install install-dev install-notebooks install-web install-browser format clean notebooks cookbook \
	lock audit install-cypher-lint install-system

# Every install takes its versions from $(LOCK) (pip's --constraint: exactly the locked
# version of whatever pyproject.toml asks for), pip and setuptools included: the venv's own
# setuptools (65.5.0 from Python 3.11's ensurepip) has known advisories, so it is replaced by
# the locked release first.
PIP_LOCKED = $(BIN)/python -m pip install --quiet --constraint $(LOCK)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python install-system
	$(PIP_LOCKED) --upgrade pip setuptools
	$(PIP_LOCKED) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python install-system
	$(PIP_LOCKED) --upgrade pip setuptools
	$(PIP_LOCKED) -e '.[dev]'
	touch $(VENV)/.installed $(VENV)/.installed-notebooks $@

# The notebooks extra: a Jupyter kernel, jupyter execute, pandas, matplotlib and ArcadeDB's
# Bolt server (the dev install has them all too).
$(VENV)/.installed-notebooks: pyproject.toml $(LOCK) | $(BIN)/python install-system
	$(PIP_LOCKED) --upgrade pip setuptools
	$(PIP_LOCKED) -e '.[notebooks]'
	touch $(VENV)/.installed $@

# Re-resolve $(LOCK): a throwaway venv, the newest pip and setuptools, the newest releases
# pyproject.toml's ranges allow for the dev install (a superset of the runtime one), frozen
# (--all: pip and setuptools too; the editable affgraph left out). Its header records a digest
# of pyproject.toml's dependencies, so make audit fails on a lock older than they are. Run it
# after changing pyproject.toml's dependencies, and to raise pins (e.g. past an advisory's
# fixed_in); commit the lock with the change.
lock:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip setuptools; \
	"$$tmp/venv/bin/python" -m pip install --quiet -e '.[dev]'; \
	{ echo "# Exact versions of every distribution make install-dev puts in .venv (editable"; \
	  echo "# affgraph aside), resolved by make lock on $$("$$tmp/venv/bin/python" -c \
	    'import platform as p; print("Python", p.python_version(), "on", p.system(), p.machine())'). Do not edit"; \
	  echo "# by hand: make lock re-resolves it from pyproject.toml. Installs use it as constraints"; \
	  echo "# (pip install -c $(LOCK)); make audit audits it."; \
	  "$$tmp/venv/bin/python" tools/audit.py --digest pyproject.toml; \
	  "$$tmp/venv/bin/python" -m pip freeze --all --exclude-editable; } > $(LOCK).new; \
	mv $(LOCK).new $(LOCK); \
	echo "make lock: wrote $(LOCK) ($$(grep -vc '^#' $(LOCK)) distributions)"

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-notebooks: $(VENV)/.installed-notebooks

# The browser UI's libraries (Cytoscape.js and its extensions), exactly as the lock file says.
$(WEB)/node_modules/.installed: $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-web: $(WEB)/node_modules/.installed

# Neo4j's own Cypher linter (@neo4j-cypher/language-support), exactly as its lock file says:
# tests/test_cypher_lint.py runs it over every Cypher text the project builds.
CYPHER_LINT := tools/cypher-lint

$(CYPHER_LINT)/node_modules/.installed: $(CYPHER_LINT)/package-lock.json
	cd $(CYPHER_LINT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-cypher-lint: $(CYPHER_LINT)/node_modules/.installed

run: install install-web
	$(BIN)/affgraph load data/cases data/demo --store $(STORE)
	$(BIN)/affgraph serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install-dev install-web install-cypher-lint install-browser lint typecheck audit pytest

# The tiers the fast one leaves out (pyproject.toml declares the markers).
SLOW_TIERS := soak or crash or concurrency or processes

check: install-dev install-web install-cypher-lint install-browser lint typecheck
	HYPOTHESIS_PROFILE=dev $(BIN)/pytest -q -m "not ($(SLOW_TIERS))"

# Debian packages, installed only when missing (needs root or sudo):
#  - ICU's headers, pkg-config and a C++ compiler: followthemoney (the FtM export) needs
#    pyicu, which PyPI has only as source, built against the system's ICU;
#  - Chromium, which the web UI's end-to-end tests drive through Playwright (Playwright's own
#    browser download cannot work here), and a CJK font so that its screenshots show Chinese.
APT_INSTALL = sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo="sudo"; fi; \
	$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

install-system:
	@if ! pkg-config --exists icu-uc 2>/dev/null || ! command -v g++ >/dev/null; then \
		$(APT_INSTALL) libicu-dev pkg-config g++; \
	fi

install-browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
		$(APT_INSTALL) chromium fonts-noto-cjk; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev install-web install-cypher-lint
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest

# Known vulnerabilities of the locked versions ($(LOCK)); findings fail the audit, and so does
# a lock older than pyproject.toml's dependencies. Two modes:
#  - pip-audit --strict over the lock, where PyPI's per-release JSON
#    (https://pypi.org/pypi/P/V/json) answers;
#  - otherwise (offline, or a mirror without it, as on CI) tools/audit.py: PyPI's per-project
#    JSON (https://pypi.org/pypi/P/json), whose advisories are those of the latest release, so
#    the pins at their latest release are audited exactly and the others are listed as not
#    audited (a warning). Where pypi.org does not answer at all it says SKIPPED.
# Acting on a finding: raise the pin past the advisory's fixed_in (widen pyproject.toml's range
# if need be, then make lock), or, if it does not apply or has no fix yet, add its id to
# AUDIT_IGNORE below with a comment saying why.
AUDIT_IGNORE :=

audit: install-dev
	@$(BIN)/python tools/audit.py $(LOCK) --pyproject pyproject.toml --check-only
	@if $(BIN)/python -c "import importlib.metadata as m, urllib.request as u; \
	u.urlopen('https://pypi.org/pypi/pip/' + m.version('pip') + '/json', timeout=15)" 2>/dev/null; \
	then \
		echo "make audit: pip-audit over $(LOCK) (PyPI's per-release advisories)"; \
		$(BIN)/pip-audit --strict --disable-pip --no-deps --progress-spinner off \
			$(addprefix --ignore-vuln ,$(AUDIT_IGNORE)) -r $(LOCK); \
	else \
		echo "make audit: PyPI's per-release JSON is not reachable, so pip-audit cannot run;" \
			"tools/audit.py audits $(LOCK) from PyPI's per-project JSON instead."; \
		$(BIN)/python tools/audit.py $(LOCK) $(addprefix --ignore ,$(AUDIT_IGNORE)); \
	fi

# Every Cypher notebook run against the data make run loads: the public cases and the demo
# county loaded into $(STORE) as make run does (a second load changes nothing), served by
# affgraph bolt on a free port, which hands the notebooks its address and password in their
# environment and stops when jupyter execute is done. The executed copies, with their tables
# and plots, are written to $(NOTEBOOKS_OUT)/ (not committed).
NOTEBOOKS_OUT := notebooks/executed

notebooks: install-notebooks
	$(BIN)/affgraph load data/cases data/demo --store $(STORE)
	mkdir -p $(NOTEBOOKS_OUT)
	$(BIN)/affgraph bolt --store $(STORE) --port 0 -- $(BIN)/jupyter execute \
		--output='$(CURDIR)/$(NOTEBOOKS_OUT)/{notebook_name}' notebooks/*.ipynb

# Regenerate docs/cypher-cookbook.md from the catalogue of named queries.
cookbook: install
	$(BIN)/python docs/make_cookbook.py

# The performance harness (bench/README.md): a province of SCALE nodes on the embedded
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
		$(WEB)/node_modules $(CYPHER_LINT)/node_modules test-artifacts $(NOTEBOOKS_OUT)
