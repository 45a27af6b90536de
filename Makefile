# Two commands for a fresh machine: `make run` (the demo site) and `make test` (the suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint install clean-demo fuzz

PIP_LOG := $(VENV)/pip-install.log

# pip's output (and the warnings of local package indexes) goes to a log, shown only when
# the install fails, so `make run` shows the demo logins and not pages of pip warnings.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the Python dependencies into $(VENV) (log: $(PIP_LOG))..."
	@( $(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip \
	  && $(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]' \
	  ) >$(PIP_LOG) 2>&1 || { cat $(PIP_LOG); echo "pip install failed (see above)"; exit 1; }
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## The site with demo data, on SQLite and the local emulators, at http://127.0.0.1:8000
run: $(STAMP)
	@bin/run-demo

## The whole suite (uses DATABASE_URL and CELERY_BROKER_URL when set)
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n 2 --dist loadfile -p no:cacheprovider

## Schema fuzzing (schemathesis) of the whole API, longer than the suite's bounded run
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-40} $(VENV)/bin/pytest -p no:cacheprovider -s -q \
		tests/hardening/test_schema_fuzz.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## Forget the demo database and emulator state (the next `make run` seeds afresh)
clean-demo:
	rm -rf var/portal.sqlite3* var/cloudinary var/tradinggrid
