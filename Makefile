# Every target creates .venv when it is missing; PYTHON may point at another 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AXE := .cache/npm/node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve html publish test lint format bench clean system-packages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

html: $(STAMP)
	$(BIN)/pelican -s pelicanconf.py

publish: $(STAMP)
	$(BIN)/pelican -s publishconf.py

# The key that signs tokens and keys hashes: made once, kept out of git (var/).
# NEWSROOM_SECRET_KEY in the environment wins over it.
SECRET_KEY_FILE := var/secret-key

$(SECRET_KEY_FILE):
	mkdir -p var
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(32))" > $@

serve: html $(SECRET_KEY_FILE)
	NEWSROOM_SECRET_KEY="$${NEWSROOM_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" \
		$(BIN)/newsroom serve --host $(HOST) --port $(PORT)

# Style, types (strict on newsroom/comments), the import layers of docs/architecture.md,
# and the AWS template.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cfn-lint deploy/aws/template.yaml

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

system-packages:
	scripts/system-packages.sh

# axe-core, injected into pages by the accessibility tests.
$(AXE): | system-packages
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4.14.1

test: lint system-packages $(AXE)
	$(BIN)/python -m pytest

# Long: about 40 minutes on 2 cores (site build about 5, comment service about 9,
# publishing on 50,000 articles about 25). Never part of `make test`. The build at
# 50,000 articles (bench/build.py --sizes 5000,50000 --repeat 2) takes another 15.
bench: $(STAMP)
	$(BIN)/python bench/build.py
	$(BIN)/python bench/comments.py
	$(BIN)/python bench/publish.py

clean:
	rm -rf output cache __pycache__
