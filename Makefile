# Totonou — two commands: `make run` serves the app with demo data, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_TEST_URL ?= $(or $(TEST_DATABASE_URL),postgres://postgres@127.0.0.1:5432/totonou)
PYTEST_ARGS ?= -n 2

.PHONY: run install test-tools test lint typecheck checks test-sqlite test-postgres bench bench-imports messages clean

run: install  ## serve web + worker on http://127.0.0.1:8000 with demo data
	./scripts/run.sh

install: $(STAMP)

# axe-core, injected into pages by the browser tests (accessibility); nothing the app serves, so
# `make run` does not need Node.js, only the tests do.
test-tools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

test: install lint typecheck checks test-sqlite test-postgres  ## everything CI runs

lint: install  ## ruff, and the import contracts of docs/architecture.md (import-linter)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

checks: install
	TOTONOU_VAR_DIR=$$(mktemp -d) $(BIN)/totonou makemigrations --check --dry-run
	TOTONOU_VAR_DIR=$$(mktemp -d) $(BIN)/totonou check
	TOTONOU_ENV=production SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(60))') \
	  ALLOWED_HOSTS=totonou.example.com TOTONOU_VAR_DIR=$$(mktemp -d) \
	  $(BIN)/totonou check --deploy --fail-level WARNING

test-sqlite: install test-tools
	env -u DATABASE_URL TOTONOU_VAR_DIR=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install test-tools
	@if $(BIN)/python scripts/db_reachable.py "$(PG_TEST_URL)"; then \
	  echo "== PostgreSQL: $(PG_TEST_URL)"; \
	  DATABASE_URL="$(PG_TEST_URL)" TOTONOU_VAR_DIR=$$(mktemp -d) $(BIN)/pytest $(PYTEST_ARGS); \
	elif [ -n "$$TOTONOU_REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL is required (TOTONOU_REQUIRE_POSTGRES) but $(PG_TEST_URL) is not reachable"; exit 1; \
	else echo "== PostgreSQL not reachable at $(PG_TEST_URL): skipped"; fi

bench: install  ## the benchmark harness at the large size on SQLite and PostgreSQL (not part of `make test`)
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-imports: install  ## the import and export benchmark (bench/imports.py; BENCH_IMPORTS_ARGS="--size tiny --heap")
	$(BIN)/python -m bench.imports $(BENCH_IMPORTS_ARGS)

messages: install  ## regenerate and compile the ja/en catalogs
	cd src/totonou && ../../$(BIN)/totonou makemessages -l ja -l en --no-obsolete --add-location file --ignore 'demo/*'
	cd src/totonou && ../../$(BIN)/totonou compilemessages

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
