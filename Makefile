# Two commands do all the set-up on a fresh machine:
#   make run    install, build the KB from data/docs if needed, start the page
# and, for the maintainer (uploads, re-ingest, the votes; this machine only):
#   make maintain    the same page on 127.0.0.1:$(MAINTAIN_PORT), with uploads allowed
#   make test   install, run the whole test suite (browser test included)
# and, for a change in progress:
#   make test-fast   tests/core: no model, no browser: ranking logic, parsing, storage (under a minute)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
KB_DIR ?= data/kb
PORT ?= 8501
ADDRESS ?= 127.0.0.1
MAINTAIN_PORT ?= 8502
STAMP := $(VENV)/.installed

.PHONY: run maintain test test-fast install browser kb encoder captions bench screenshot readme lint format clean

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
	@test -s $(KB_DIR)/CURRENT || $(BIN)/kb ingest data/docs --kb-dir $(KB_DIR) --verbose

run: kb
	KB_DIR=$(KB_DIR) $(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# The maintainer's page: always 127.0.0.1 (ADDRESS is not used), its own port, uploads up to
# KB_MAX_UPLOAD_MB (20 MB); KB_MAINTAINER_SECRET, when set, must also be typed on the page.
maintain: kb
	KB_DIR=$(KB_DIR) KB_MAINTAINER=1 $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(MAINTAIN_PORT) --server.maxUploadSize 20 --server.headless true --browser.gatherUsageStats false

test: install browser
	$(BIN)/pytest -q

# tests/core only; the folders say what a test costs (tests/conftest.py, README "Tests").
test-fast: install
	$(BIN)/pytest -q tests/core --hypothesis-profile=quick

# The README's picture of the page, taken by the browser test (tests never write it otherwise).
screenshot: install browser
	SCREENSHOT=docs/screenshot.png $(BIN)/pytest -q tests/e2e/test_e2e.py -k test_a_typed_situation_gets_a_card_with_its_source_passage

# The README's --help blocks, regenerated from the real commands (a test checks they match).
readme: install
	$(BIN)/python -m ui.readme

# Maintainers, after changing data/training, data/docs' headings or the training settings:
# train the encoder and keep its trained layers in data/training/encoders/ (commit them), so
# that a fresh clone skips training. A test says when the shipped encoder is stale.
encoder: kb
	$(BIN)/kb train --kb-dir $(KB_DIR) --training data/training --ship --verbose

# Maintainers, after adding a caption to data/captions/captions.txt or changing data/docs or
# the pages written for training (data/captions/pages, never ingested):
# learn the image-description classifier again (data/captions/model.json; commit it). A new
# model file re-parses every document at the next ingest (its hash is in the pipeline version).
# ingest reads the documents and writes the labelled table, learn fits it (layers: ingest -> learn).
captions: install
	$(BIN)/python -m ingest.captions | $(BIN)/python -m learn.captions

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
