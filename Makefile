# Two commands do all the set-up on a fresh machine:
#   make run    install, build the KB from data/docs if needed, start the page
#   make test   install, run the whole test suite (browser test included)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
KB_DIR ?= data/kb
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test install kb bench lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned: an unpinned torch pulls several GB of CUDA packages
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[app,dev]"
	touch $(STAMP)

install: $(STAMP)

browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

kb: install
	@test -s $(KB_DIR)/CURRENT || $(BIN)/kb ingest data/docs --kb-dir $(KB_DIR)

run: kb
	KB_DIR=$(KB_DIR) $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: install browser
	$(BIN)/pytest -q

bench: kb
	$(BIN)/python benchmarks/run.py

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(KB_DIR) .pytest_cache
