# The two front-door commands: `make demo` and `make test`. Both set up what is missing.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
# The map's browser libraries, from the npm registry by the lockfile (never committed).
NPM_STAMP := viewer/node_modules/.installed-$(shell cat viewer/package.json viewer/package-lock.json | sha1sum | cut -c1-12)

.PHONY: demo test setup system lint bench clean

demo: setup
	$(BIN)/twin demo run

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

setup: system $(STAMP) $(NPM_STAMP)

system:
	@bash scripts/setup.sh

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	# JuPedSim, the evacuation model's peer in tests and bench/: its metadata asks for
	# PySide6 (about 700 MB) for a viewer we never start, so it comes without it.
	$(BIN)/python -m pip install -q --no-deps -c requirements.lock jupedsim
	rm -f $(VENV)/.installed-* && touch $@

$(NPM_STAMP): viewer/package.json viewer/package-lock.json
	cd viewer && npm ci --no-audit --no-fund --loglevel=error
	rm -f viewer/node_modules/.installed-* && touch $@

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Every benchmark, one after the other (about 12 minutes); each prints its own table.
bench: setup
	$(BIN)/python bench/bench_io.py
	$(BIN)/python bench/bench_audit.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_positioning.py
	$(BIN)/python bench/bench_viewer.py
	$(BIN)/python bench/bench_routing.py
	$(BIN)/python bench/bench_zones.py
	$(BIN)/python bench/bench_evacuation.py

clean:
	rm -rf $(VENV) .twin viewer/node_modules
