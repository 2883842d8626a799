# The two commands of the README: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Test processes (pytest-xdist). Most tests wait on sockets, so more processes than cores pays.
TEST_WORKERS ?= 4

.PHONY: demo test lint typecheck install clean serve bench lock

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
	@scripts/install-node-suite
	$(BIN)/pytest -n $(TEST_WORKERS)
	$(MAKE) --no-print-directory lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check messenger channels worker tests bench
	$(BIN)/ruff format --check messenger channels worker tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Issue 16's benchmark: bench/results.md, each figure beside its raw limit (about an hour at
# BENCH_SCALE=1; BENCH_SCALE=0.1 for a quick look). PostgreSQL rows when this machine's answers.
BENCH_SCALE ?= 1
BENCH_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/bench
bench: $(STAMP)
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then export BENCH_POSTGRES_URL=$(BENCH_POSTGRES); fi; \
	    $(BIN)/python -m bench.run $(BENCH_SCALE)
	$(BIN)/python -m bench.letters
	$(BIN)/python -m bench.pages

# requirements.lock: the image's exact versions with their hashes (Dockerfile), made from
# pyproject.toml's dependencies and its build backend by pip-tools, with the image's Python,
# in a venv of its own. Versions already in the lock stay; `make lock LOCK_FLAGS=--upgrade`
# takes the newest that fit (or `--upgrade-package NAME`).
lock:
	python3.11 -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet pip-tools
	build/lock-venv/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	    --no-emit-options --build-deps-for=wheel $(LOCK_FLAGS) \
	    --output-file=requirements.lock pyproject.toml

serve: $(STAMP)
	$(BIN)/messenger serve

clean:
	rm -rf $(VENV) var build .pytest_cache .mypy_cache .ruff_cache
