# Doorstep. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/doorstep_test
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: help install chromium caddy migrate seed run run-prod dev worker lint format test test-unit test-e2e mailbox clean bench bench-load lighthouse

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

install: $(VENV)/.installed ## Create the virtualenv and install requirements.txt (bun included)

chromium: ## Install Debian's Chromium for the browser tests, when missing
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for Playwright"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; \
	fi

caddy: ## Install Debian's Caddy, the TLS + HTTP/2 front end the Lighthouse bench measures through, when missing
	@if ! command -v caddy >/dev/null 2>&1; then \
	  echo "Installing Debian's caddy for the Lighthouse bench"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null; fi; \
	fi

migrate: install ## Bring the database (DATABASE_URL, default SQLite under data/) to the latest schema
	$(PY) -m portal_app migrate

seed: migrate ## Load the demo landlord through the importer (first run only)
	$(PY) -m portal_app seed-demo

run: seed ## Serve the portal in production mode on http://localhost:3000 (embedded default)
	$(PY) -m portal_app check-schema
	$(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT) --backend-port $(PORT)

run-prod: install caddy ## The production profile: PostgreSQL (DATABASE_URL) and Redis (REDIS_URL) required, WEB_WORKERS backend workers, the worker process, Caddy on PORT
	deploy/run-prod.sh

dev: seed ## Serve in development mode (hot reload, local mailbox page at /dev/mailbox)
	PORTAL_ENV=dev $(VENV)/bin/reflex run --env dev

worker: migrate ## The background worker as its own process (huey's consumer; REDIS_URL set: the production profile's web workers run none)
	$(PY) -m portal_app worker

mailbox: install ## Print the mail the portal has written (the local outbox)
	$(PY) -m portal_app mailbox

lint: install ## Ruff (lint and format check) and the import contracts of pyproject.toml (docs/architecture.md)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install ## Format the code and apply ruff's safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install chromium caddy lint ## make lint, then the whole suite: on SQLite (tests/scale: PostgreSQL + Redis + Caddy, skipped loudly without them), then again on PostgreSQL when one answers on 127.0.0.1:5432
	@started=$$(date +%s); \
	echo "== Suite on SQLite =="; \
	$(VENV)/bin/pytest -q tests || exit $$?; \
	if $(PY) -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1',5432)))"; then \
	  echo "== Suite again on PostgreSQL =="; \
	  $(PY) -c "import psycopg; c=psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres', autocommit=True); \
	    c.execute('DROP DATABASE IF EXISTS doorstep_test WITH (FORCE)'); c.execute('CREATE DATABASE doorstep_test')" || exit $$?; \
	  TEST_DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q tests --ignore=tests/scale || exit $$?; \
	else \
	  echo ""; echo "!!!!!! PostgreSQL is not answering on 127.0.0.1:5432: the PostgreSQL run was SKIPPED !!!!!!"; echo ""; \
	fi; \
	echo "make test took $$(( $$(date +%s) - started )) s"

test-unit: install ## Unit and security tests only (no browser), on SQLite
	$(VENV)/bin/pytest -q tests/unit tests/security

test-e2e: install chromium ## Browser journeys only; E2E_BASE_URL=http://host:port runs them against a running portal
	$(VENV)/bin/pytest -q tests/e2e

bench: seed ## Print the performance figures (bench/)
	$(PY) bench/import_speed.py
	$(PY) bench/account_speed.py
	$(PY) bench/statements.py
	$(PY) bench/socket_guard_speed.py
	$(PY) bench/back_office_speed.py

bench-load: install chromium ## Many residents at once over the websocket (50-500; embedded and production profiles) next to an empty Reflex app in the same run; BENCH_LOAD_ARGS to change
	$(PY) bench/load.py $(BENCH_LOAD_ARGS)

lighthouse: install chromium caddy ## Lighthouse (npm, mobile) on every resident page vs two empty Reflex apps: perf 100, LCP <= the rx.el app, <= 160 KiB (Plotly, page-only chunks aside)
	$(PY) bench/lighthouse.py $(LIGHTHOUSE_ARGS)

clean: ## Remove the virtualenv, the build and the local data
	rm -rf $(VENV) .web data
