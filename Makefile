# Two commands on a fresh machine: `make run` and `make test`. Everything else is their parts.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test bench setup deps assets messages migrate demo lint check clean

run: setup demo  ## Set up, fill demo data, run web + worker + beat on 127.0.0.1:8000
	@scripts/run_all.sh

test: deps assets messages  ## Set up and run the whole suite (browser tests included)
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

bench: deps assets messages  ## Benchmarks on realistic volumes (PostgreSQL: set DATABASE_URL)
	$(PY) -m pytest tests/bench -p no:xdist -s -o addopts="" -m bench $(PYTEST_ARGS)

setup: deps assets messages migrate

deps: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

assets: build/vendor/.built
build/vendor/.built: package.json package-lock.json scripts/build_assets.sh
	npm ci --no-audit --no-fund --loglevel=error
	scripts/build_assets.sh
	touch $@

messages: deps
	$(PY) scripts/compile_messages.py

migrate: deps
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

lint: deps
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

check: deps
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf build var .pytest_cache
