# Manul Progress: `make run` starts the dashboard, `make test` runs every check.
# Needs only Python 3.11+ (and make): uv is fetched into .tools/ when it is not installed.

PYTHON ?= python3
PORT ?= 8501
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
	$(RUN) streamlit run serve.py --server.port $(PORT) --server.headless true \
		--browser.gatherUsageStats false

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

test: lint
	$(RUN) pytest

clean:
	rm -rf .tools .venv .pytest_cache .ruff_cache .mypy_cache test-results
