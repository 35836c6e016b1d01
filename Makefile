# Two commands on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.onemg-installed

.PHONY: demo test lint bench clean screenshots

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

# System tools first (scripts/ensure-system-deps installs what is missing with apt-get, or stops
# naming the packages), then the virtualenv, then the command.
demo:
	scripts/ensure-system-deps demo
	@$(MAKE) --no-print-directory $(STAMP)
	$(BIN)/onemg demo

test:
	scripts/ensure-system-deps test
	@$(MAKE) --no-print-directory $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Refresh the portal and events screenshots in docs/images (real hub and nodes, Debian's Chromium).
screenshots:
	scripts/ensure-system-deps test
	@$(MAKE) --no-print-directory $(STAMP)
	ONEMG_SCREENSHOTS=docs/images $(BIN)/pytest -q -p no:cacheprovider tests/portal/test_portal_browser.py tests/portal/test_portal_frequencies.py -k "1100 or committee or frequencies_in"
	ONEMG_SCREENSHOTS=docs/images $(BIN)/pytest -q -p no:cacheprovider tests/community/test_events_browser.py
	ONEMG_SCREENSHOTS=docs/images $(BIN)/pytest -q -p no:cacheprovider tests/community/test_community_browser.py -k "visitor and 1100"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache demo-data
