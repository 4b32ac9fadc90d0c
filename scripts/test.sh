#!/usr/bin/env bash
# The whole test run (`make test` calls this after `make train`): pytest over tests/, which
# includes `rasa data validate`, `rasa test` on the test stories, the NLU hold-out evaluation,
# the privacy canary run, the SMS signature tests and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
exec .venv/bin/python -m pytest tests -p no:cacheprovider --timeout=900 -q -rfEs "$@"
