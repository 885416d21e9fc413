# kefu development loop. `make help` lists the targets.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install demo serve test test-sqlite test-postgres stories browser lint fix bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed ## Create .venv and install kefu with its development extras

demo: install ## Install, create the demo shop and serve it on SQLite (PORT=8000)
	$(BIN)/kefu demo --port $(PORT)

serve: install ## Run the server with the settings in the environment (KEFU_DATABASE_URL …)
	$(BIN)/kefu serve --port $(PORT)

browser: ## Make sure Debian's Chromium is there for the browser tests
	@bash scripts/ensure-chromium.sh

test: install browser ## Install everything and run the whole suite on SQLite, then on PostgreSQL
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install ## The whole suite on the embedded SQLite default (browser and multi-process tests too)
	$(BIN)/python -m pytest -q

test-postgres: install ## The suite on PostgreSQL (KEFU_TEST_POSTGRES_URL; skipped with the reason if unreachable)
	KEFU_TEST_DB=postgresql $(BIN)/python -m pytest -q -m "not browser and not multiprocess"

stories: install ## The conversation stories (tests/stories, docs/stories.md) on a fresh demo shop
	$(BIN)/kefu test-stories tests/stories

lint: install ## ruff
	$(BIN)/ruff check .

fix: install ## ruff with fixes
	$(BIN)/ruff check --fix .

bench: install ## Every benchmark in docs/benchmarks.md (long; the PostgreSQL runs wipe the PG test database)
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.load --database postgresql --redis --processes 2 --idle 1000
	$(BIN)/python -m bench.message_cost
	$(BIN)/python -m bench.shops
	$(BIN)/python -m bench.answer_engine
	$(BIN)/python -m bench.emotion
	$(BIN)/python -m bench.bot_steps
	$(BIN)/python -m bench.packs
	$(BIN)/python -m bench.routing
	$(BIN)/python -m bench.routing --database postgresql

clean: ## Remove the virtualenv, caches and the demo database
	rm -rf $(VENV) .pytest_cache .ruff_cache kefu.db kefu.db-shm kefu.db-wal test-artifacts
