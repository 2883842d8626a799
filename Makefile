# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes (pytest-xdist). Most tests wait on sockets, so more processes than cores pays.
TEST_WORKERS ?= 4

.PHONY: demo test lint typecheck install clean serve bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/messenger demo
	$(BIN)/messenger demo lac

test: $(STAMP)
	@scripts/install-chromium
	$(BIN)/pytest -n $(TEST_WORKERS)
	$(MAKE) --no-print-directory lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check messenger channels worker tests bench
	$(BIN)/ruff format --check messenger channels worker tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.letters
	$(BIN)/python -m bench.pages

serve: $(STAMP)
	$(BIN)/messenger serve

clean:
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .ruff_cache
