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
	$(BIN)/docintake run samples/inbox --out $(OUT) --as-of $(AS_OF); status=$$?; \
	  echo "Open $(abspath $(OUT))/<case>/report.html (summary: $(OUT)/summary.csv)"; \
	  [ $$status -eq 0 ] || [ $$status -eq 3 ]

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
