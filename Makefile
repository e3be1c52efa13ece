# The project's commands. `make run` and `make test` are the two a newcomer needs (README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000

.PHONY: run test venv dev-venv browser-check clean backup restore

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-installs only when a requirements file changed.
$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# Test-only JavaScript tools (HTML validator, TimelineJS for the export's browser test).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev node_modules/.installed

run: venv
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py load_bundled_data
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py ensure_admin
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The browser tests need Chromium from the OS packages; say how to get it rather than skip.
browser-check:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "make test: Chromium is missing. Install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	  exit 1; \
	fi

# Runs on DATABASE_URL when set (PostgreSQL), otherwise on SQLite.
test: dev-venv browser-check
	DJANGO_SECRET_KEY=test-only-secret DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_PLAIN_STATIC=1 \
	  $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Backups: pg_dump/pg_restore on PostgreSQL, dumpdata/loaddata with natural keys on SQLite.
backup: venv
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py backup $(FILE)

restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/....dump|.json" >&2; exit 2; }
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py restore $(FILE)
