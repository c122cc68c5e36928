# higherhrnet-serve: set up, test, archive, serve.
# `make install` creates .venv with the pinned dependencies of requirements.txt and the project (editable).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# mmengine writes a cache under ~/.cache on import unless XDG_CACHE_HOME is set: keep it in the repo.
export XDG_CACHE_HOME ?= $(CURDIR)/.cache

.PHONY: install test bench learn

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade-strategy only-if-needed -r requirements.txt
# xtcocotools (CrowdPose AP): its PyPI wheel is built for numpy 1.x and fails to import with our numpy 2;
# built from source against the numpy and Cython just installed (needs a C compiler).
	$(PY) -m pip install --quiet --no-deps --no-build-isolation --no-binary xtcocotools xtcocotools==1.14.3
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

test: install
	$(PY) -m pytest -q tests

bench: install
	$(PY) bench/decode.py
	$(PY) bench/pipeline.py
	$(PY) bench/train.py

# Shown to learn: held-out AP against wall time of a small HigherHRNet from scratch (20 minutes; learn_out/)
learn: install
	$(PY) bench/learn.py --out learn_out

# ---- TorchServe: make archive && make serve; make stop -------------------------------------------
# CONFIG: any registry/configs/*.py (or your own config file); WEIGHTS: its checkpoint in any official
# layout, or `untrained` for initialised weights (a smoke test: responses say "untrained": true).
# `make archive` packs a training checkpoint's weights alone (no optimiser state), loads WEIGHTS into
# CONFIG's network first (a bad file fails in seconds) and, when the
# official pose_higher_hrnet_w32_512.pth is missing, downloads it (SHA-384 checked; handler/official_weights.py).
CONFIG ?= registry/configs/higherhrnet_w32_coco_512.py
WEIGHTS ?= weights/pose_higher_hrnet_w32_512.pth
MODEL_STORE ?= model_store
SERVE_DIR ?= .serve
# More archive settings, e.g. "--batch-size 16 --max-batch-delay-ms 20 --workers 2" (python -m higherhrnet.handler.archive -h).
ARCHIVE_OPTIONS ?=

.PHONY: archive serve stop weights

archive: install
	$(PY) -m higherhrnet.handler.archive --config $(CONFIG) --weights $(WEIGHTS) --export-path $(MODEL_STORE) $(ARCHIVE_OPTIONS)

# Fails (non-zero, with the reason) unless its own TorchServe answers: ports taken, a worker that dies.
serve: install
	@test -f $(MODEL_STORE)/higherhrnet.mar || $(MAKE) --no-print-directory archive
	$(PY) -m higherhrnet.handler.server serve --ts-config config.properties --model-store $(MODEL_STORE) --run-dir $(SERVE_DIR)

# Signals only the TorchServe started from $(SERVE_DIR) (checked by its command line); a stale pid file is removed.
stop:
	$(PY) -m higherhrnet.handler.server stop --run-dir $(SERVE_DIR)

weights: install
	$(PY) -m higherhrnet.handler.official_weights weights/pose_higher_hrnet_w32_512.pth
