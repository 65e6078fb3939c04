# Parcours: `make demo` serves a demo on http://127.0.0.1:8000, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails, QR codes and printed codes follow the demo's address unless SITE_URL is set.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: install demo serve test checks suite system-deps pdf-deps messages clean

$(INSTALLED): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(INSTALLED)

demo: install pdf-deps
	$(BIN)/parcours migrate --noinput
	SITE_URL=$(SITE_URL) $(BIN)/parcours demo --if-empty
	@$(MAKE) --no-print-directory serve

# The web server, with one background worker beside it (imports, mail, nightly work).
serve: install
	@export SITE_URL='$(SITE_URL)'; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/parcours worker & worker=$$!; \
	echo "Parcours : http://$(HOST):$(PORT)/ (Ctrl+C pour arrêter)"; \
	$(BIN)/parcours runserver --noreload $(HOST):$(PORT)

# Debian packages: Chromium and its driver (browser tests), Pango and fonts (PDFs).
system-deps:
	@scripts/install-system-deps.sh all

pdf-deps:
	@scripts/install-system-deps.sh pdf

checks: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy parcours
	$(BIN)/parcours check
	$(BIN)/parcours makemigrations --check --dry-run
	$(BIN)/lint-imports

# The French catalogue (parcours/locale/fr/LC_MESSAGES/django.po and its compiled .mo).
# Re-run it whenever a UI string changes, and commit both files. The source strings are
# French, so msgstr stays empty, except plural entries: they get French plural forms
# (0 and 1 singular), copied from msgid/msgid_plural. Needs GNU gettext (system-deps).
messages: install
	@mkdir -p parcours/locale
	cd parcours && $(abspath $(BIN))/parcours makemessages -l fr --no-location --no-obsolete \
	  --ignore 'static/*'
	@# makemessages guesses a translation for new strings from near ones ("fuzzy"): drop the guesses.
	msgattrib --clear-fuzzy --empty --no-wrap -o parcours/locale/fr/LC_MESSAGES/django.po \
	  parcours/locale/fr/LC_MESSAGES/django.po
	$(BIN)/python scripts/french_plurals.py parcours/locale/fr/LC_MESSAGES/django.po
	cd parcours && $(abspath $(BIN))/parcours compilemessages -l fr

# The test suite alone (on PostgreSQL when DATABASE_URL is set), one worker per core
# (pytest-xdist; each worker has its own test database). TEST_WORKERS=0 runs in-process.
TEST_WORKERS ?= auto
suite: install system-deps
	$(BIN)/pytest -n $(TEST_WORKERS)

test: checks suite

clean:
	rm -rf $(VENV) var/static .pytest_cache .mypy_cache .ruff_cache
