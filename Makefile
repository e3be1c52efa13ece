# The project's commands. `make run` and `make test` are the two a newcomer needs (README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000

.PHONY: run test test-deps test-pg venv dev-venv clean backup restore

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
# After test-deps, which provides npm.
node_modules/.installed: package.json package-lock.json | test-deps
	npm ci --no-audit --no-fund --silent
	touch $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev node_modules/.installed

ADMIN_USER = $${DJANGO_SUPERUSER_USERNAME:-admin}
run: venv
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py load_bundled_data
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py ensure_admin
	@# Said before runserver, which does not return and buries it under its own lines.
	@echo
	@echo "=================================================================================="
	@echo " The tracker:  http://127.0.0.1:$(PORT)/"
	@echo " The admin:    http://127.0.0.1:$(PORT)/admin/  user name: $(ADMIN_USER)"
	@echo "   password:   the one printed above when the account was created (the first"
	@echo "               make run), or DJANGO_SUPERUSER_PASSWORD if it was set then."
	@echo "   forgotten:  DJANGO_DEBUG=1 $(PY) manage.py changepassword $(ADMIN_USER)"
	@echo " Stop with Ctrl-C."
	@echo "=================================================================================="
	@echo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# What the tests need from the OS: Chromium, a Java runtime (the HTML validator), npm. Installed
# from the Debian packages as root or with passwordless sudo; otherwise the command to type is
# printed and make stops (.ci/test-deps). Quick when all is there.
test-deps:
	@PYTHON='$(PYTHON)' .ci/test-deps

# Runs on DATABASE_URL when set (PostgreSQL), otherwise on SQLite.
test: test-deps dev-venv lint
	DJANGO_SECRET_KEY=test-only-secret DJANGO_DEBUG=0 DJANGO_HTTPS=0 DJANGO_PLAIN_STATIC=1 \
	  $(PY) -m pytest $(PYTEST_ARGS)

# The Filipino interface (docs/i18n.md). `messages` extracts every marked string of the templates
# and the Python code and merges them into locale/fil/LC_MESSAGES/django.po; after translating,
# `compile-messages` writes the .mo beside it. The .mo is committed, so that `make run` and CI need
# neither Babel nor GNU gettext (events/tests/test_i18n.py fails when it is behind the .po).
BABEL_KEYWORDS := -k gettext_lazy -k ngettext_lazy:1,2 -k pgettext_lazy:1c,2 -k npgettext_lazy:1c,2,3
.PHONY: messages compile-messages
messages: $(VENV)/.installed-dev
	$(VENV)/bin/pybabel extract -F locale/babel.cfg $(BABEL_KEYWORDS) -c Translators: --no-location --no-wrap \
	  --sort-output --project "Philippine foreign-policy tracker" -o locale/django.pot .
	$(VENV)/bin/pybabel update -i locale/django.pot -d locale -D django -l fil --no-fuzzy-matching --no-wrap
	rm locale/django.pot

compile-messages: $(VENV)/.installed-dev
	$(VENV)/bin/pybabel compile -d locale -D django -l fil --statistics

# The code's shape (pyproject.toml): ruff's lint and format, and the layers import-linter holds.
.PHONY: lint format
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The same suite on a local PostgreSQL, installed (as root) and started when needed.
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/diplomacy_test
test-pg:
	@PG_TEST_URL='$(PG_TEST_URL)' .ci/test-deps postgres
	DATABASE_URL='$(PG_TEST_URL)' $(MAKE) --no-print-directory test

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Backups: pg_dump/pg_restore on PostgreSQL, dumpdata/loaddata with natural keys on SQLite.
backup: venv
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py backup $(FILE)

restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/....dump|.json" >&2; exit 2; }
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py restore $(FILE)

# Soak: MINUTES (default 5) of mixed reader/editor traffic against gunicorn + PostgreSQL;
# RESTART_DB=1 restarts PostgreSQL a third of the way in to prove the app recovers by itself.
MINUTES ?= 5
soak: venv
	$(PY) bench/soak.py --minutes $(MINUTES) $(if $(RESTART_DB),--restart-db-at $$(python3 -c "print($(MINUTES)*20)"))

# Lighthouse scores (performance, accessibility, best practices, SEO) of the home, timeline, event,
# summit and leader pages, served as in production (gunicorn, DEBUG off, collected static files)
# from a throwaway SQLite database holding the bundled data. Lighthouse is installed in var/audit,
# apart from package.json; its JSON reports stay there.
AUDIT_DIR := var/audit
AUDIT_PORT ?= 8799
AUDIT_ENV := DATABASE_URL=sqlite:///$(CURDIR)/$(AUDIT_DIR)/audit.sqlite3 DJANGO_DEBUG=0 DJANGO_HTTPS=0 \
  DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
.PHONY: audit
audit: venv test-deps
	@mkdir -p $(AUDIT_DIR)
	@test -x $(AUDIT_DIR)/node_modules/.bin/lighthouse || npm i --prefix $(AUDIT_DIR) --no-audit --no-fund --silent -E lighthouse@12.2.3
	@set -euo pipefail; \
	export $(AUDIT_ENV) DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	rm -f $(AUDIT_DIR)/audit.sqlite3*; \
	$(PY) manage.py migrate --no-input -v0; \
	$(PY) manage.py load_bundled_data -v0; \
	$(PY) manage.py collectstatic --no-input -v0; \
	event=$$($(PY) manage.py shell -v0 -c "from events.models import Event; print(Event.objects.published().filter(kind='sideline', summit__slug='apec-2016').order_by('date', 'id').first().get_absolute_url())"); \
	$(VENV)/bin/gunicorn diplomacy.wsgi --bind 127.0.0.1:$(AUDIT_PORT) --workers 2 --log-level warning & server=$$!; \
	trap 'kill $$server' EXIT; \
	for _ in $$(seq 1 50); do curl -fs http://127.0.0.1:$(AUDIT_PORT)/healthz >/dev/null && break; sleep 0.2; done; \
	printf '%-10s %-64s %5s %5s %5s %5s\n' page path perf a11y bp seo; \
	for entry in home:/ timeline:/relationships/ph-ru/ event:$$event summit:/summits/apec-2016/ leader:/leaders/rodrigo-duterte/; do \
	  name=$${entry%%:*}; path=$${entry#*:}; \
	  CHROME_PATH=/usr/bin/chromium $(AUDIT_DIR)/node_modules/.bin/lighthouse "http://127.0.0.1:$(AUDIT_PORT)$$path" --quiet \
	    --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
	    --only-categories=performance,accessibility,best-practices,seo \
	    --output=json --output-path=$(AUDIT_DIR)/$$name.json; \
	  $(PY) -c "import json, sys; c = json.load(open(sys.argv[1]))['categories']; \
	print('%-10s %-64s' % (sys.argv[2], sys.argv[3][:64]), *('%5d' % round(100 * (c[k]['score'] or 0)) for k in ('performance', 'accessibility', 'best-practices', 'seo')))" \
	    $(AUDIT_DIR)/$$name.json "$$name" "$$path"; \
	done

# Speed at scale (bench/README.md): N events (default a million) on PostgreSQL, built
# once and reused, served by gunicorn with and without the page cache, loaded by wrk.
N ?= 1000000
.PHONY: bench
bench: $(VENV)/.installed-dev
	$(PY) bench/bench.py --events $(N)

# Eight clients trickling request bodies, against gunicorn alone and behind docs/deploy.md's nginx
# block; /healthz answered or not (docs/deploy.md, "Why nginx"). Loopback only, about a minute.
.PHONY: slow-clients
slow-clients: venv
	$(PY) bench/slow_clients.py

# The API against its OpenAPI schema: the schema validated, then schemathesis, bounded
# (API_CHECK_EXAMPLES per operation, default 30); fails on any finding (.ci/api-check).
.PHONY: api-check
api-check: $(VENV)/.installed-dev
	.ci/api-check

# The tracker beyond one machine, on this one (README "Beyond one machine", docs/scaling.md): a
# PostgreSQL hot standby `standby` on 5433 streaming from DATABASE_URL's primary (default the local
# diplomacy_cluster on 5432), Redis, app nodes on 8101 and 8102, nginx balancing on 8100.
# Returns once all answer /healthz; cluster-stop stops what it started (bench/cluster.py).
.PHONY: cluster cluster-stop test-cluster
cluster: venv
	@.ci/test-deps cluster
	$(PY) bench/cluster.py up

cluster-stop:
	$(PY) bench/cluster.py down

# The cluster's properties (bench/test_cluster.py) on a cluster of its own: a primary
# `clusterprimary` on 5434 (never the shared 5432: it is restarted), its standby `clusterstandby`
# on 5435, nodes on 8111 and 8112, nginx on 8110, Redis db 9. A few minutes; stops what it starts.
test-cluster: dev-venv
	@.ci/test-deps cluster
	DJANGO_SECRET_KEY=test-only-secret DJANGO_DEBUG=0 DJANGO_HTTPS=0 \
	  $(PY) -m pytest -p no:django -W "ignore:Unknown config option" bench/test_cluster.py $(PYTEST_ARGS)
