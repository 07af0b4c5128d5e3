# The README's commands. `make run` sets up and serves; `make test` sets up and tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
VENDOR := static/vendor
GOVUK := node_modules/govuk-frontend/dist/govuk

.PHONY: setup run test lint bench db clean translations

CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

setup: $(BIN)/.installed $(VENDOR)/.installed $(CATALOGUES)

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Front-end packages come from the npm registry; only what the pages use is copied.
# The GOV.UK font is not ours to use, so its @font-face rules are removed and Arial is used.
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk/images $(VENDOR)/htmx
	sed -e 's/@font-face{[^}]*}//g' -e 's/GDS Transport,//g' -e 's/font-family:GDS Transport/font-family:arial,sans-serif/g' \
		$(GOVUK)/govuk-frontend.min.css > $(VENDOR)/govuk/govuk-frontend.min.css
	cp $(GOVUK)/govuk-frontend.min.js $(VENDOR)/govuk/
	cp $(GOVUK)/assets/images/favicon.ico $(GOVUK)/assets/images/favicon.svg $(VENDOR)/govuk/images/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	touch $@

# Compiled catalogues are built here, not committed.
translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# After changing interface text: refresh the template and the Welsh catalogue, then translate.
translations: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --sort-output \
		--project "Safeguarding Progress Tracker" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# Applies migrations (never drops data) and loads the demo data; both are safe to repeat, so
# they run every time, whichever database DATABASE_URL names.
db: setup
	$(FLASK) init-db
	$(FLASK) seed-demo

run: db
	$(FLASK) run --port $${FLASK_RUN_PORT:-5000}

# The suite runs in a process per CPU (pytest-xdist), each with its own database, instance and
# ports; TEST_WORKERS=0 runs it in this one. PYTEST_ARGS adds to it: PYTEST_ARGS=tests/review.
TEST_WORKERS ?= auto
test: setup
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# DESIGN §10's figures on the synthetic dataset (`flask generate-dataset`), through gunicorn;
# writes bench/results.json. DATABASE_URL=postgresql://... to run on PostgreSQL (in schemas of
# its own, dropped after); BENCH_QUICK=1 for a shorter run.
bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
