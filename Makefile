# The whole set-up on a fresh machine is one of these two commands:
#   make run    start the app on SQLite with demo data (prints URL and demo login)
#   make test   run the whole test suite (installs what the tests need, chromium included)
#   make test-fast   the in-process tests only (under a minute; no server, no browser)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | md5sum | cut -c1-12)
ASSETS := static/vendor/socket.io.min.js static/vendor/yjs.bundle.js
MO     := translations/en/LC_MESSAGES/messages.mo
# The phone's script and the stylesheet, minified (scripts/bundle_assets.py; used while newer than their sources)
PAGE_BUILDS := static/vendor/participant.bundle.js static/vendor/app.min.css

.PHONY: run test test-fast lint setup browser proxy pdf clean translations bench

run: setup
	$(VENV)/bin/workshop serve --demo

test: lint browser proxy
	$(PY) -m pytest

# Zero findings, or the test run stops here: ruff (lint + format), mypy (workshop/; strict on
# the op contract and the engine), eslint (static/js). Config in pyproject.toml and eslint.config.mjs.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	npx --no-install eslint --max-warnings 0 static/js

# The in-process tests only (engine, activities, import rules, catalogs): under a minute, no server,
# no browser. Markers are set in tests/conftest.py.
test-fast: setup
	$(PY) -m pytest -q -m "not e2e and not browser and not slow"

# The whole benchmark, each script writing its own section of BENCHMARKS.md (~40 min on 2 cores;
# `make bench BENCH_ARGS=--quick` for a few minutes). Needs PostgreSQL and Redis (as for the tests),
# nginx and chromium.
BENCH_ARGS :=
bench: setup proxy browser
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test,bench]'
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/vote_storm.py $(BENCH_ARGS)
	$(PY) bench/join_storm.py $(BENCH_ARGS)
	$(PY) bench/multi.py $(BENCH_ARGS)
	$(PY) bench/drafting.py $(BENCH_ARGS)
	$(PY) bench/failover.py $(BENCH_ARGS)
	$(PY) bench/page_weight.py
	$(PY) bench/offloop.py $(BENCH_ARGS)

setup: $(STAMP) $(ASSETS) $(PAGE_BUILDS) $(MO) pdf

# The catalogs: German texts are the msgids, translations/en/…/messages.po the English texts.
$(MO): translations/en/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -d translations

# After changing texts: re-extract and merge, then translate the new entries in the .po file.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k NP_:1c,2 -k lazy_gettext --no-wrap --sort-by-file --project Workshop -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete

$(STAMP):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

$(ASSETS) &: package.json package-lock.json scripts/bundle_assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/bundle_assets.py

$(PAGE_BUILDS) &: $(ASSETS) $(wildcard static/js/*.js static/js/activities/*.js) static/css/app.css
	$(PY) scripts/bundle_assets.py --pages

browser:
	@sh scripts/install_chromium.sh

pdf:  # WeasyPrint renders with Debian's pango; the PDF tests look at pages with poppler's pdftoppm
	@sh scripts/install_apt.sh - libpango-1.0-0 "PDF files (WeasyPrint)"
	@sh scripts/install_apt.sh - libpangoft2-1.0-0 "PDF files (WeasyPrint)"
	@sh scripts/install_apt.sh pdftoppm poppler-utils "the PDF page images"

proxy:  # nginx in front of two processes (tests/test_reverse_proxy.py)
	@sh scripts/install_apt.sh nginx nginx "the reverse-proxy test"

clean:
	rm -rf $(VENV) node_modules static/vendor
