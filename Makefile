# Manul Progress: `make run` starts the dashboard, `make test` runs every check.
# Needs only Python 3.11+ (and make): uv is fetched into .tools/ when it is not installed.

PYTHON ?= python3
PORT ?= 8501
# Served on this machine only; `make run HOST=0.0.0.0` opens it to the network.
HOST ?= 127.0.0.1
# On every interface Streamlit would print an "External URL" found by asking an internet
# service, and log "Did not auto detect external IP" offline: name this machine instead.
ADDRESS_SHOWN := $(if $(filter 0.0.0.0 ::,$(HOST)),--browser.serverAddress $(shell hostname))
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
# The environment may set PYTHONDONTWRITEBYTECODE: compile once at install instead.
RUN := $(UV) run --no-sync

.PHONY: install run test lint check-lock clean

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

install: $(UV)
	$(UV) sync --locked --compile-bytecode --quiet

run: install
	$(RUN) streamlit run serve.py --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false $(ADDRESS_SHOWN)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports

test: lint
	$(RUN) pytest

clean:
	rm -rf .tools .venv .pytest_cache .ruff_cache .mypy_cache test-results
