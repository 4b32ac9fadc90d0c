# Safe Report: make install | make run | make test (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.10 2>/dev/null || ls $$HOME/.pyenv/versions/3.10*/bin/python3.10 2>/dev/null | head -n 1)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/safe-report.tar.gz

# Rasa's telemetry and its error reporting stay off in everything we run.
export RASA_TELEMETRY_ENABLED := false
export SAFE_REPORT_ROOT := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONHASHSEED := 0
export SAFE_REPORT_ACTIONS_URL ?= http://localhost:5055/webhook

TRAINING_INPUTS := config.yml domain.yml data/rules.yml data/stories.yml $(wildcard data/nlu/*.yml) $(wildcard data/nlu/*/*.yml)

.PHONY: install train run run-scaled shell test test-fast lint system validate lock themes bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	@test -x $(PY) || test -n "$(PYTHON)" || { echo "Safe Report needs Python 3.10 (python3.10 on the PATH; with pyenv: pyenv install 3.10)." >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

# Regenerate the lock after editing requirements.in (needs network access to the index).
lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile --quiet --python-version 3.10 --generate-hashes -o requirements.lock requirements.in

# Retrains only when the training data or configuration changed (make compares timestamps).
train: $(MODEL)

# OMP_WAIT_POLICY: the sentence-embedding engine's OpenMP threads must not spin while they
# wait (bot/nlu/sentence_embeddings.py); it has to be set before the process loads OpenMP.
$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m bot rasa train --fixed-model-name safe-report --out models --quiet
	touch $@

validate: install
	$(PY) -m bot rasa data validate --fail-on-warnings

run: train
	$(PY) -m bot run

run-scaled: train
	bash scripts/ensure-system.sh redis
	$(PY) -m bot run --scaled

shell: train
	$(PY) -m bot shell

# Everything: installs what is missing (Python packages, chromium, redis-server, fonts), trains
# once, lints, then runs both lanes.
test: system train lint
	bash scripts/test.sh

# The unit lane only: no server, no trained model, under a minute.
test-fast: install
	bash scripts/test.sh --unit

lint: install
	$(VENV)/bin/ruff check .

system:
	bash scripts/ensure-system.sh test

themes: install
	$(PY) -m bot themes serve

bench: train
	$(PY) -m bench

clean:
	rm -rf models results .pytest_cache
