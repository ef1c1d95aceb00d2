# `make test` installs everything the tests need on a fresh Debian machine, then runs the whole suite.
# Python packages go into .venv/ inside the checkout (made once, then reused): never into the system Python.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NUMPY_OLDEST := 2.0.2

.PHONY: test setup venv chromium lint unit e2e numpy-oldest serve bench

test: setup lint numpy-oldest
	$(PY) -m pytest

$(PY):
	$(PYTHON) -m venv $(VENV)

venv: $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'

setup: chromium venv
	$(PY) serve.py --setup

# Part of `make test`: the whole tree keeps to pyproject.toml's ruff rules.
lint: venv
	$(PY) -m ruff check .

# Playwright cannot download browsers here: the end-to-end tests drive Debian's Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  ( echo "installing Chromium for the end-to-end tests ..." && \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null )

# charlm promises numpy 2.0 (what Pyodide 0.27.x ships) as well as the newest 2.x: run its unit tests on 2.0 too.
numpy-oldest:
	@[ -x .venv-numpy-oldest/bin/python ] || $(PYTHON) -m venv .venv-numpy-oldest
	.venv-numpy-oldest/bin/python -m pip install --quiet --disable-pip-version-check numpy==$(NUMPY_OLDEST) pytest
	.venv-numpy-oldest/bin/python -m pytest -q -p no:cacheprovider tests/unit

unit: venv
	$(PY) -m pytest tests/unit

e2e: venv
	$(PY) -m pytest tests/e2e

serve:
	$(PYTHON) serve.py

bench: venv
	$(PY) bench/bench_charlm.py
	$(PY) bench/crowd.py
