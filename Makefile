# Two entry points on a fresh Debian/Ubuntu machine:
#   make demo   install everything, transcribe (and structure) the bundled sample dictation
#   make test   install everything, run the whole test suite
# Both create and reuse the project-local virtual environment in .venv.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := $(VENV)/.diktat-installed
# The OpenID provider the sign-in tests start on loopback (npm's oidc-provider; needs Node).
OIDC_DIR := tests/oidc
OIDC_STAMP := $(OIDC_DIR)/node_modules/.diktat-installed
# espeak-ng + sox: synthetic Norwegian speech for tests and corpora; libsndfile1: soundfile.
# chromium: the browser end-to-end test of `diktat serve` (playwright drives the Debian build,
# so no browser is downloaded at test time). openssl: a throwaway certificate for the TLS test.
APT_PACKAGES := espeak-ng sox libsndfile1 libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins chromium openssl
# pip on some mirrors warns about every missing local index path; keep the log readable
# (the braces keep pip's own exit status as the pipeline's under pipefail).
QUIET_PIP := { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: demo test test-quick test-cpu-matrix install system-deps lint bench clean

demo: install
	$(VENV)/bin/diktat demo

test: install $(OIDC_STAMP)
	$(VENV)/bin/ruff check diktat tests bench
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# The quick loop: everything that loads no model (about a minute).
test-quick: install $(OIDC_STAMP)
	$(PY) -m pytest -m "not slow" -q

# The speech-derived tests under every CPU path this machine can emulate (oneDNN/CTranslate2
# instruction-set caps, MKL), as one table; not part of CI (most of an hour on 2 cores).
test-cpu-matrix: install
	$(PY) bench/cpu_matrix.py

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@$(MAKE) --no-print-directory system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing Python packages into $(VENV) (first run takes a few minutes)..."
	# torch is pinned to its CPU build; an unpinned torch would pull several GB of CUDA wheels.
	$(PIP) install -q torch==2.13.0 2>&1 | $(QUIET_PIP)
	# llama-cpp-python builds from source: a portable build (no -march=native) so the wheel pip
	# caches also runs on other CPUs; about 7 minutes on 2 cores the first time.
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PIP) install -q -e '.[all,dev]' 2>&1 | $(QUIET_PIP)
	@touch $(STAMP)

$(OIDC_STAMP): $(OIDC_DIR)/package.json $(OIDC_DIR)/package-lock.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
	npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --loglevel=error
	@touch $@

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: install
	$(VENV)/bin/ruff check diktat tests bench
	$(VENV)/bin/lint-imports

bench: install
	$(PY) bench/bench_transcribe.py

clean:
	rm -rf $(VENV) .pytest_cache
