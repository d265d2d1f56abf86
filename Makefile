# The README's two commands: `make run` and `make test`. Both work when run twice.
PYTHON ?= python3
# `make run PORT=8010` serves on another port.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check --quiet
RUN_STAMP := $(VENV)/.requirements-run
DEV_STAMP := $(VENV)/.requirements-dev

# Settings for the production-mode `check --deploy` (a throw-away key, never used to serve).
DEPLOY_ENV := PORTAL_PRODUCTION=1 DJANGO_ALLOWED_HOSTS=kjj.shuozhou.gov.cn PORTAL_SITE_URL=https://kjj.shuozhou.gov.cn \
	DJANGO_SECRET_KEY=check-deploy-only-$(shell date +%s)-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH

.PHONY: run test setup setup-dev messages bench clean

# System packages are the machine's owner's business: nothing here runs apt. The PDFs want
# fonts-noto-cjk and libharfbuzz-subset0 (README); without the latter, every manage.py
# command, and so `make run` and `make test`, starts with a warning naming the apt-get command.

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	@echo "朔州市产业技术创新战略联盟管理平台: http://127.0.0.1:$(PORT)/"
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(VENV)/bin/pytest $(PYTEST_ARGS)

setup: $(RUN_STAMP)
setup-dev: $(DEV_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

# Re-extract the English catalogue after changing strings, then compile it (needs GNU gettext).
messages: setup-dev
	$(PY) manage.py makemessages --locale en --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --locale en --ignore '.venv/*'

# Figures for the generated PDFs (form, 15-member dossier with 20 scans of 2 MB); no asserts.
# `make bench BENCH_ARGS=--fonttools` measures as if libharfbuzz-subset0 were missing.
bench: setup
	$(PY) scripts/benchmark.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3
