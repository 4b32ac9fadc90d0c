#!/usr/bin/env bash
# The whole test run (`make test` calls this after `make train`): pytest over tests/, which
# includes `rasa data validate`, `rasa test` on the test stories, the NLU hold-out evaluation,
# the privacy canary run, the SMS signature tests and the browser tests in headless Chromium.
#
# With no arguments: the unit lane on every core (pytest-xdist; no server, so its tests share
# nothing), then the stack lane in one process (its tests share one trained model and one
# running stack, tests/conftest.py). Both lanes always run; the exit code is non-zero if
# either failed. With arguments: one pytest run with them (`make test-fast` passes `--unit`).
set -uo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1
PYTEST=(.venv/bin/python -m pytest tests -p no:cacheprovider --timeout=900 -q -rfEs)
UNIT=(-m unit --numprocesses=auto --maxprocesses=4)

if [[ "${1:-}" == "--unit" ]]; then
    shift
    exec "${PYTEST[@]}" "${UNIT[@]}" "$@"
elif [[ $# -gt 0 ]]; then
    exec "${PYTEST[@]}" "$@"
fi
"${PYTEST[@]}" "${UNIT[@]}"
unit=$?
"${PYTEST[@]}" -m stack
stack=$?
echo "unit lane: exit $unit; stack lane: exit $stack"
[[ $unit -eq 0 && $stack -eq 0 ]]
