# esante — the two-command quick start: `make run` and `make test`.
# Everything installs from a fresh clone into .venv (Python packages from PyPI).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install sysdeps run test lint bench clean

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory sysdeps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use: poppler-utils (pdftoppm, pdftotext: read back the N1
# PDFs), the DejaVu fonts embedded in them and chromium (tests/browser, driven by
# Playwright through executable_path; never `playwright install`). apt-get only when missing.
SYSPKGS := poppler-utils fonts-dejavu-core chromium
sysdeps:
	@missing=""; for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
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
