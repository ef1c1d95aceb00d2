# `make test` installs everything the tests need on a fresh Debian machine, then runs the whole suite.
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NUMPY_OLDEST := 2.0.2

.PHONY: test setup chromium unit e2e numpy-oldest serve bench

test: setup numpy-oldest
	$(PYTHON) -m pytest

setup: chromium
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(PYTHON) serve.py --setup

# Playwright cannot download browsers here: the end-to-end tests drive Debian's Chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  ( echo "installing Chromium for the end-to-end tests ..." && \
	    $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null )

# charlm promises numpy 2.0 (what Pyodide 0.27.7 ships) as well as the newest 2.x: run its unit tests on 2.0 too.
numpy-oldest:
	@[ -x .venv-numpy-oldest/bin/python ] || $(PYTHON) -m venv .venv-numpy-oldest
	.venv-numpy-oldest/bin/python -m pip install --quiet --disable-pip-version-check numpy==$(NUMPY_OLDEST) pytest
	.venv-numpy-oldest/bin/python -m pytest -q -p no:cacheprovider tests/unit

unit:
	$(PYTHON) -m pytest tests/unit

e2e:
	$(PYTHON) -m pytest tests/e2e

serve:
	$(PYTHON) serve.py

bench:
	$(PYTHON) bench/bench_charlm.py
