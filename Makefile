# Two commands for a fresh machine:
#   make run    set up, migrate, load the demo and serve on SQLite with device simulators
#   make test   set up and run every test (SQLite; PostgreSQL too when WMS_TEST_DATABASE_URL is set)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test test-postgres setup setup-dev system-deps browser-deps bench bench-pda ui-vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The camera decoder needs the zbar C library (Debian: libzbar0).
system-deps:
	@$(PYTHON) -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('zbar') else 1)" || { \
	  echo "installing libzbar0"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libzbar0 >/dev/null; }
# The end-of-day report's PDF (WeasyPrint on Pango) sets its Chinese in a CJK font it embeds.
	@fc-list | grep -qiE "WenQuanYi Micro Hei|Noto Sans CJK" || { \
	  echo "installing fonts-wqy-microhei"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

# The browser tests (tests/ui) drive Debian's Chromium through Playwright (no browser download).
browser-deps:
	@[ -x "$${WMS_CHROMIUM:-/usr/bin/chromium}" ] || { \
	  echo "installing chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

setup: $(BIN)/python system-deps
	$(BIN)/python -m pip install --quiet -e ".[postgres]"

setup-dev: $(VENV)/.dev-installed system-deps browser-deps

# Installed again only when the project's requirements change, so `make test` and
# `make test-postgres` can run side by side (CI does) without two pips on one venv.
$(VENV)/.dev-installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	touch $@

run: setup
	$(BIN)/wms db upgrade
	$(BIN)/wms demo --if-empty
	$(BIN)/wms serve --host $(HOST) --port $(PORT) --simulators

# pytest exits 5 when it collected nothing; any other non-zero code is a failure.
test: setup-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

# The database-backed tests again, on PostgreSQL (CI runs this after `make test`).
test-postgres: setup-dev
	WMS_TEST_DATABASE_URL=$${WMS_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/python -m pytest tests/wms tests/scenarios tests/server tests/ui $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

bench: setup-dev
	$(BIN)/python bench/bench_scan.py

bench-pda: setup-dev
	$(BIN)/python bench/bench_pda.py

# The PDA app's vendored front-end packages, from the npm registry (mobile_ui/package.json);
# the copies in mobile_ui/static/vendor are committed, so `make run` needs no npm.
ui-vendor:
	cd mobile_ui && npm ci --no-audit --no-fund
	sed '/sourceMappingURL/d' mobile_ui/node_modules/signature_pad/dist/signature_pad.min.js \
	  > mobile_ui/static/vendor/signature_pad.js
	{ echo "signature_pad $$(node -p "require('./mobile_ui/node_modules/signature_pad/package.json').version")" \
	  "(npm registry), MIT License"; echo; cat mobile_ui/node_modules/signature_pad/LICENSE*; } \
	  > mobile_ui/static/vendor/signature_pad.LICENSE.txt

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis *.egg-info
