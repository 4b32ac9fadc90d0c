"""Rasa's own checks, run through its CLI: the training data validates with no warnings that
fail, and the test stories (tests/stories/) are predicted exactly by the trained model."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.stack  # runs Rasa's command line in processes

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv" / "bin" / "rasa"


def run_rasa(*args: str, timeout: int) -> subprocess.CompletedProcess:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    return subprocess.run(
        [str(RASA), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.timeout(300)
def test_rasa_data_validate_fails_on_no_warnings():
    result = run_rasa("data", "validate", "--fail-on-warnings", timeout=280)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.timeout(900)
def test_test_stories_pass_with_no_prediction_errors(trained_model, tmp_path):
    out = tmp_path / "core-results"
    result = run_rasa(
        "test", "core",
        "--model", str(trained_model),
        "--stories", str(ROOT / "tests" / "stories"),
        "--fail-on-prediction-errors",
        "--out", str(out),
        timeout=880,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    failed = out / "failed_test_stories.yml"
    if failed.exists():
        assert "story:" not in failed.read_text(encoding="utf-8")
