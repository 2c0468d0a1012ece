# CosmoStream — `make run` serves the site on http://127.0.0.1:8000; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench migrate demo clean install install-dev assets schema

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: frontend/node_modules/.installed
	cd frontend && node build.mjs --quiet >/dev/null

migrate: install
	$(BIN)/cosmostream migrate

# Billing runs against the built-in fake Stripe ("test": no payment is ever
# taken) unless COSMOSTREAM_BILLING_MODE or STRIPE_SECRET_KEY says otherwise.
BILLING_MODE = COSMOSTREAM_BILLING_MODE=$${COSMOSTREAM_BILLING_MODE:-$$( [ -n "$$STRIPE_SECRET_KEY" ] && echo live || echo test )}

demo: migrate
	$(BILLING_MODE) $(BIN)/cosmostream demo --if-empty

run: install assets demo
	$(BILLING_MODE) $(BIN)/cosmostream run --host $(HOST) --port $(PORT)

# Every core: one pytest-xdist worker per CPU, each with its own databases (tests/conftest.py).
# worksteal hands out tests in order, so a module's tests mostly stay on one worker;
# module fixtures must still allow being set up again on the same worker.
PYTEST_WORKERS ?= auto

test: install-dev assets
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check src tests benchmarks migrations tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format src tests benchmarks tools
	$(BIN)/ruff check --fix src tests benchmarks tools

bench: install-dev assets
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) frontend/node_modules src/cosmostream/web/static/dist var test-artifacts .pytest_cache .mypy_cache .ruff_cache

schema: install
	$(BIN)/cosmostream export-schema > schema.graphql
