# Aegle. Two commands set everything up on a fresh Debian machine with python3, git, make and apt:
#   make run    install into .venv, migrate the database, load demo data, start the server
#   make test   install what the tests need (apt + .venv), then run every check CI runs
# Also: make lint | format | bench | docs. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages for the tests: Chromium for the browser tests (driven by Playwright with
# executable_path=/usr/bin/chromium), a CJK font so Chinese pages render in screenshots, and
# the PostgreSQL server for the throwaway test cluster.
# OpenCV (inside the OCR that reads lab-report photos) links libGL and GLib at import time.
RUN_APT_PACKAGES := libgl1 libglib2.0-0
TEST_APT_PACKAGES := $(RUN_APT_PACKAGES) chromium fonts-wqy-microhei postgresql

.PHONY: help run test test-system-packages lint format bench docs lock
# apt and pip must not run at the same time (both may install system packages).
.NOTPARALLEL:

help:
	@echo "make run     install into $(VENV), migrate, load demo data and serve (http://127.0.0.1:8000)"
	@echo "make test    install test dependencies, then lint, type-check and run all tests"
	@echo "make lint    ruff, ruff format --check, mypy, import contracts"
	@echo "make format  apply ruff fixes and formatting"
	@echo "make bench   run the benchmark scripts in bench/"
	@echo "make docs    regenerate docs/settings.md from the settings tree"
	@echo "make lock    re-pin indirect dependencies (scripts/constraints.txt) from a clean install"

# The venv is made once; Debian's python3 needs python3-venv for `-m venv` (ensurepip).
$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Aegle needs Python >= 3.11 (set PYTHON=python3.x)"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || scripts/apt-ensure.sh python3-venv
	@echo "==> creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)

# Stamps re-run pip when the pins change (pyproject.toml, scripts/constraints.txt).
$(VENV)/.installed-run: pyproject.toml $(wildcard scripts/constraints.txt) | $(BIN)/pip
	@echo "==> pip install -e . (into $(VENV))"
	@scripts/pip-install.sh $(VENV) .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(wildcard scripts/constraints.txt) | $(BIN)/pip
	@echo "==> pip install -e '.[dev]' (into $(VENV))"
	@scripts/pip-install.sh $(VENV) '.[dev]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	@scripts/apt-ensure.sh $(RUN_APT_PACKAGES)
	$(BIN)/aegle db upgrade
	$(BIN)/aegle demo
	$(BIN)/aegle serve

# Prerequisites run left to right: system packages first, then the venv.
test: test-system-packages $(VENV)/.installed-dev
	@scripts/test.sh all

test-system-packages:
	@scripts/apt-ensure.sh $(TEST_APT_PACKAGES)

lint: $(VENV)/.installed-dev
	@scripts/test.sh lint

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every bench/*.py script except private helpers (_*.py), or those matching BENCH
# (`make bench BENCH=vitals_cgm`); each prints its own figures. A failing script does not stop
# the others; the target fails at the end if any did.
BENCH ?= *
bench: $(VENV)/.installed-dev
	@shopt -s nullglob; found=0; failed=""; \
	for script in bench/$(BENCH).py; do \
		[ -f "$$script" ] || continue; \
		case "$$(basename "$$script")" in _*) continue ;; esac; \
		found=1; echo "==> $$script"; \
		$(BIN)/python "$$script" || failed="$$failed $$script"; \
	done; \
	[ $$found -eq 1 ] || { echo "no bench/$(BENCH).py scripts"; exit 0; }; \
	[ -z "$$failed" ] || { echo "FAILED:$$failed"; exit 1; }

docs: $(VENV)/.installed-run
	$(BIN)/python -m aegle.settings_doc

# Resolve pyproject.toml afresh in a throwaway venv and pin what it pulls in.
lock:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "==> resolving pyproject.toml in a clean venv"; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	mv scripts/constraints.txt "$$tmp/old.txt" 2>/dev/null || true; \
	if scripts/pip-install.sh "$$tmp/venv" '.[dev]'; then \
		"$$tmp/venv/bin/python" -m pip freeze --exclude-editable \
			| $(PYTHON) scripts/lock.py > scripts/constraints.txt; \
		echo "wrote scripts/constraints.txt"; \
	else \
		mv "$$tmp/old.txt" scripts/constraints.txt 2>/dev/null || true; exit 1; \
	fi
