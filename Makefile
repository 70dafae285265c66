# pothole-watch: the two set-up commands are `make demo` and `make test`.
# Both create .venv and install everything the project needs from its own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test lint typecheck bench train clean web browser-deps fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[api,edge,train,dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .

# Strict for every package but training/ (its baseline is in pyproject.toml).
typecheck: install
	$(BIN)/mypy

test: install web browser-deps
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory typecheck
	OMP_NUM_THREADS=2 $(BIN)/python -m pytest -q

# schemathesis against the live API once per role (public, vehicle, crew, manager, admin): requests and
# 5xx per role. `make test` runs a short campaign (tests/security); this one is ~5,000 requests a role.
FUZZ_EXAMPLES ?= 70
fuzz: install
	OMP_NUM_THREADS=2 $(BIN)/python -m scripts.fuzz --examples $(FUZZ_EXAMPLES)

demo: install web
	$(BIN)/python -m scripts.demo

bench: install
	$(BIN)/python bench/detector.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/geo_dedup.py

# Front-end assets for the crews' web app (owned by the web app; no CDN at run time).
web:
	@if [ -f web/package.json ]; then $(MAKE) -C web build; fi

# Debian's Chromium for the browser tests (apt, never a test tool's own browser download).
browser-deps:
	@if [ -f web/package.json ] && { ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi nanum; }; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null); fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
