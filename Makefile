# esante — the two-command quick start: `make run` and `make test`.
# Everything installs from a fresh clone into .venv (Python packages from PyPI).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the demo (service with demo data on SQLite) and print the URLs.
run: install
	$(BIN)/esante demo

## Run the whole test suite (SQLite and PostgreSQL).
test: install
	$(BIN)/pytest -n 2 --dist loadgroup

## ruff + mypy (strict) on the package.
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## Benchmarks: each prints its figures.
bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
