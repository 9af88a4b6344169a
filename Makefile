# PhysioFit: `make run` serves the demo clinic, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT
INSTALLED := $(VENV)/.installed

# `make run` serves like production (gunicorn, DEBUG off); set RUN_SETTINGS to change that.
RUN_SETTINGS ?= physiofit.settings.standalone
# DEMO=no once the site is the clinic's own: no demo content, no demo account password reset.
DEMO ?= yes

.PHONY: run dev test lint format bench install browser lock clean

$(INSTALLED): pyproject.toml requirements.lock
	bash scripts/ensure-pdf-libs.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

run: export DJANGO_SETTINGS_MODULE = $(RUN_SETTINGS)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	if [ "$(DEMO)" != no ]; then $(PY) manage.py load_demo; fi
	bash scripts/serve.sh

# For changing the code: autoreload, DEBUG on, static files straight from the source folders.
dev: export DJANGO_SETTINGS_MODULE = physiofit.settings.dev
dev: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	bash scripts/serve.sh --dev

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
	$(PY) bench/scale_out.py

# Re-pin every dependency after changing pyproject.toml ranges.
lock: install
	$(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var test-artifacts
