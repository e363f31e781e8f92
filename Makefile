# Statroom: two commands for people (`make run`, `make test`), a few for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test lint unit integration postgres bench audit browser axe clean demo plotly-bundle

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

## make run: install, migrate, load the demo city if the database is empty, serve on :8050
run: $(STAMP)
	$(BIN)/statroom migrate
	$(BIN)/statroom demo --if-empty
	@echo "Statroom is starting on http://$(HOST):$(PORT)"
	$(BIN)/statroom serve --host $(HOST) --port $(PORT)

## make test: ruff, then unit, integration (headless Chromium) and, if configured, PostgreSQL tests
test: $(TEST_STAMP) browser axe
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest tests -q -p no:cacheprovider -n auto

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(TEST_STAMP)
	$(BIN)/python -m pytest tests/unit -q

integration: $(TEST_STAMP) browser
	$(BIN)/python -m pytest tests/integration -q

postgres: $(TEST_STAMP)
	@test -n "$$STATROOM_TEST_POSTGRES_URL" || { echo "Set STATROOM_TEST_POSTGRES_URL, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"; exit 2; }
	$(BIN)/python -m pytest tests -q -m postgres

## browser: the integration tests need Debian's chromium and chromium-driver
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing chromium and chromium-driver for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "The browser tests need Chromium and its driver. On Debian/Ubuntu run:"; \
		echo "    sudo apt-get install chromium chromium-driver"; \
		exit 1; \
	fi

## axe: axe-core from the npm registry, pinned in tests/integration/package-lock.json
AXE := tests/integration/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): tests/integration/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --prefix tests/integration; \
	else echo "npm is missing: the accessibility tests will be skipped (apt-get install npm)."; fi

## plotly-bundle: rebuild the partial plotly.js the app serves (needs Node.js and npm).
## The built file is committed, so running and testing the app need neither.
PLOTLY_BUNDLE := assets/vendor/plotly-statroom.min.js
plotly-bundle:
	npm ci --silent --no-audit --no-fund --prefix tools/plotly-bundle
	tools/plotly-bundle/node_modules/.bin/esbuild tools/plotly-bundle/index.js \
		--bundle --minify --format=iife --global-name=Plotly --target=es2016 \
		--define:global=window --define:define.amd=false --alias:stream=stream-browserify \
		--alias:country-iso-search=./tools/plotly-bundle/country-iso-search-lazy.js \
		--banner:js="/* plotly.js (MIT), scatter, bar and choropleth only: tools/plotly-bundle, make plotly-bundle */" \
		--log-level=warning --outfile=$(PLOTLY_BUNDLE)
	rm -f $(PLOTLY_BUNDLE:.js=.css)  # the map-tile styles of trace types left out

## make bench: every benchmark of docs/performance.md; prints figures, never fails on timing.
## PostgreSQL and Redis runs need STATROOM_TEST_POSTGRES_URL and STATROOM_TEST_REDIS_URL.
bench: $(TEST_STAMP) browser
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/import_throughput.py
	$(BIN)/python bench/refresh.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/callbacks.py
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit/test_locustfile.py
	$(BIN)/python bench/load.py

audit: $(TEST_STAMP)
	$(BIN)/pip install --quiet pip-audit
	@# --strict: a package that could not be audited is a failure, not a silent pass.
	$(BIN)/pip-audit --strict --skip-editable

clean:
	rm -rf $(VENV) instance/*.db instance/*.db-wal instance/*.db-shm
