# esante — the two-command quick start: `make run` and `make test`.
# Everything installs from a fresh clone into .venv (Python packages from PyPI).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install sysdeps assets run test lint bench clean

$(STAMP): pyproject.toml package.json package-lock.json
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@$(MAKE) --no-print-directory assets
	touch $(STAMP)

# The console's front-end packages from the npm registry (package-lock.json): htmx, served
# by esante itself from src/esante/web/ui/static/vendor/ (copied there, not committed),
# and axe-core, injected into the test browser only. Nothing is built.
VENDOR := src/esante/web/ui/static/vendor
assets:
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx.min.js

install: $(STAMP)

# Debian packages the tests use: poppler-utils (pdftoppm, pdftotext: read back the N1
# PDFs), the DejaVu fonts embedded in them and chromium (tests/browser, driven by
# Playwright through executable_path; never `playwright install`), and npm (the console's
# front-end packages, below) when no npm is on the PATH. apt-get only when missing.
SYSPKGS := poppler-utils fonts-dejavu-core chromium
sysdeps:
	@missing=""; for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "note: install these Debian packages for the full test suite:$$missing"; fi; \
	fi

## Start the demo (service with demo data on SQLite) and print the URLs.
run: install
	$(BIN)/esante demo

## Run the whole test suite (SQLite and PostgreSQL).
test: install
	$(BIN)/pytest -n 2 --dist loadgroup

## ruff + mypy (strict) on the package and the benchmarks (which no test imports).
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy bench/*.py

## Benchmarks: each prints its figures.
bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
