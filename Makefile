# Everything runs from the project's own virtualenv in .venv (created by `make install`).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install browser demo test lint docs bench

# Fast when nothing changed: the stamp is newer than pyproject.toml.
install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The dashboard's browser tests drive Debian's chromium (never a downloaded browser build).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else \
	    echo "the dashboard tests need /usr/bin/chromium: install Debian's chromium package" >&2; \
	    exit 1; \
	  fi; }

# The pizza example end to end on the embedded development broker.
demo: install
	$(PY) -m examples.pizza.demo

test: install browser
	$(MAKE) lint
	$(PY) -m pytest
	$(MAKE) docs

lint: install
	$(PY) -m ruff check dagger tests examples benchmarks docs/examples tools
	$(PY) -m ruff format --check dagger tests examples benchmarks docs/examples tools
	$(PY) -m mypy dagger tests benchmarks examples
	$(VENV)/bin/lint-imports

docs: install
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir .site

bench: install
	$(PY) -m benchmarks run-all
