# docintake: `make demo` sets up and runs on the bundled samples; `make test` runs the tests.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
OUT ?= out/demo
AS_OF ?= 2026-11-23

.PHONY: setup demo test lint bench samples clean

setup:
	@bash scripts/setup.sh

demo: setup
	@# Exit code 3 says a file could not be read; its case's report says which, so it passes.
	$(BIN)/docintake run samples/inbox --out $(OUT) --as-of $(AS_OF) || [ $$? -eq 3 ]

test:
	@bash scripts/setup.sh test
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/docintake bench

samples: setup
	$(BIN)/python -m samples.build_inbox

clean:
	rm -rf out .pytest_cache .ruff_cache
