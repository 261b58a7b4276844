# Two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format migrations-check messages openapi bench clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
		echo "Node.js with npm is required (the NL Design System CSS and htmx come from the npm registry)."; \
		echo "Install it, e.g. 'apt-get install nodejs npm' or from https://nodejs.org/, and run make again."; \
		exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(VENV)/.installed node_modules/.installed

## Set up and run the application with demo data on SQLite (tasks run in-process).
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## Run the whole test suite (SQLite by default; DATABASE_URL/REDIS_URL select PostgreSQL/Redis).
test: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

## Re-extract translatable strings and compile the catalogues.
messages: install
	$(PY) manage.py makemessages -l nl --ignore=.venv --ignore=node_modules --ignore=benchmarks --ignore="*/tests/*" --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

## Regenerate the committed OpenAPI document (a test fails when it is stale).
openapi: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --lang en --validate --file openapi.yaml

## Benchmarks: build the data sets in PostgreSQL (127.0.0.1:5432), load the pages and API,
## write docs/benchmarks.md. Installs Debian's wrk (load generator) when it is missing.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		echo "wrk (the load generator) is missing: installing Debian's package with apt-get"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(PY) -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles
