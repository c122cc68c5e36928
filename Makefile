# higherhrnet-serve: set up, test, archive, serve.
# `make install` creates .venv with the pinned dependencies of requirements.txt and the project (editable).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# mmengine writes a cache under ~/.cache on import unless XDG_CACHE_HOME is set: keep it in the repo.
export XDG_CACHE_HOME ?= $(CURDIR)/.cache

.PHONY: install test bench

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade-strategy only-if-needed -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

test: install
	$(PY) -m pytest -q tests

bench: install
	$(PY) bench/decode.py
	$(PY) bench/pipeline.py
