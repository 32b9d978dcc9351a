# Borger-assistent. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.10 (Rasa 3.6 needs < 3.11): the newest 3.10 under pyenv, else python3.10 on PATH.
PYTHON310 ?= $(shell for p in $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.10.*/bin/python 2>/dev/null | sort -V -r) $$(command -v python3.10); do [ -x "$$p" ] && echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help setup run test lint validate train services test-unit test-integration nlu-eval purge migrate lock clean benchmark-chat run-production

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-18s %s\n", $$1, $$2}'

# Not --no-compile: where PYTHONDONTWRITEBYTECODE is set (these machines and CI), every process
# would compile every module it imports again (a clean-clone make test took 26 min, not 20).
$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it with 'pyenv install 3.10' (Rasa 3.6 needs < 3.11)"; exit 1; }
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv from requirements.lock and build the spaCy pipeline
	@# Bytecode for our own code once (only what changed): with PYTHONDONTWRITEBYTECODE set, as
	@# on these machines, each of the suite's hundreds of processes would compile it again.
	@$(PY) -m compileall -q bot actions
	$(PY) -m bot build-spacy

run: setup ## Set up, train if needed, start everything on localhost (Ctrl-C stops it)
	$(PY) -m bot run

run-production: setup services ## nginx + Rasa replicas on PostgreSQL, Redis, RabbitMQ (REPLICAS=2 PORT=8080); needs BOT_ENV=production, BOT_SECRET_KEY, BOT_MODEL_SERVER_TOKEN
	$(PY) -m bot run-production --replicas $(or $(REPLICAS),2) --port $(or $(PORT),8080)

lint: setup ## ruff over the code
	$(VENV)/bin/ruff check bot actions tests scripts

validate: setup ## Validate the profiles and the Rasa training data
	$(PY) -m bot validate-profile
	$(PY) scripts/validate_data.py

train: setup ## Train the model if config or data changed
	$(PY) -m bot train

test-unit: setup ## Unit tests (no servers)
	$(PY) -m pytest tests/unit -q

test-integration: train ## Integration tests against the real Rasa server and action server
	$(PY) -m pytest tests/integration -q

nlu-eval: train ## NLU pipelines compared: held-out figures, entities, train time, CPU, size (docs/nlu-evaluation.md)
	$(PY) scripts/compare_pipelines.py

benchmark-chat: train ## Chat benchmark, stock Rasa vs ours (ARGS="--quick", docs/benchmark-chat.md)
	$(PY) scripts/benchmark_chat.py $(ARGS)

services: ## Install Debian's chromium and nginx; start PostgreSQL, Redis and RabbitMQ if they are down
	@scripts/ensure_services.sh

test: lint validate train services ## Run the whole test suite (what CI runs)
	$(PY) -m pytest tests -q --durations=25

purge: setup ## Delete conversations, statistics detail and logs older than their retention
	$(PY) -m bot purge

migrate: setup ## Upgrade the statistics database (BOT_ANALYTICS_DB_URL) to the newest schema
	$(PY) -m bot migrate

lock: ## Re-resolve requirements.lock from pyproject.toml
	$(PY) -m piptools compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

clean: ## Remove the virtualenv, builds, models and local data
	rm -rf $(VENV) build models var results .rasa
