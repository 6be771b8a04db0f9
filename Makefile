# The two front-door commands: `make demo` and `make test`. Both set up what is missing.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)

.PHONY: demo test setup system lint bench clean

demo: setup
	$(BIN)/twin demo run

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

setup: system $(STAMP)

system:
	@bash scripts/setup.sh

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: setup
	$(BIN)/python bench/bench_io.py

clean:
	rm -rf $(VENV) .twin
