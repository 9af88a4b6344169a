# PhysioFit: `make run` serves the demo clinic, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format bench install browser lock clean

$(INSTALLED): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	bash scripts/serve.sh

browser:
	bash scripts/ensure-chromium.sh

test: install browser
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/http_bench.py
	$(PY) bench/slot_search.py
	$(PY) bench/booking_throughput.py

# Re-pin every dependency after changing pyproject.toml ranges.
lock: install
	$(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var test-artifacts
