# fieldapp — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test jstest lint install chromium bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## run: create the database with the demo district, print logins, serve on :5000
run: install
	$(BIN)/fieldapp db upgrade
	$(BIN)/fieldapp demo --if-empty
	$(BIN)/fieldapp serve --host 127.0.0.1 --port 5000

## test: install what the tests need (Chromium, the npm test packages) and run the whole suite
# On PYTEST_WORKERS processes (pytest-xdist; 0 runs in this process): with both databases,
# one worker per database (pytest_xdist_make_scheduler in tests/conftest.py).
PYTEST_WORKERS ?= 2
test: install chromium jstest lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Ruff (configured in pyproject.toml): lint, and the format the tree is kept in.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The phone's code (static/js) under Node's built-in test runner; npm packages are test-only.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

jstest: node_modules/.package-lock.json
	node --test tests/js/

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

## bench: the budgets of PRODUCT.md §12, figures printed against a same-run baseline
bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache node_modules
