"""The start-up guard refuses Rasa's leaky defaults, in the launcher and in `rasa run` itself."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import guard

ROOT = Path(__file__).resolve().parent.parent
SAFE_ENV = {"RASA_TELEMETRY_ENABLED": "false"}


def test_repository_configuration_passes():
    assert guard.problems_with(["run"], ROOT / "credentials.yml", SAFE_ENV) == []


def test_telemetry_must_be_off():
    assert guard.problems_with(["run"], ROOT / "credentials.yml", {})
    assert guard.problems_with(["run"], ROOT / "credentials.yml", {"RASA_TELEMETRY_ENABLED": "true"})


def test_http_api_is_refused():
    assert any("--enable-api" in p for p in guard.problems_with(["run", "--enable-api"], None, SAFE_ENV))


def test_rasa_shell_is_refused():
    assert guard.problems_with(["shell"], None, SAFE_ENV)


def test_builtin_channels_are_refused(tmp_path):
    for channel in ["rest", "socketio", "twilio", "rasa.core.channels.rest.RestInput"]:
        creds = tmp_path / "credentials.yml"
        creds.write_text(f"{channel}:\n  x: 1\nbot.channels.webchat.WebChatInput: {{}}\n")
        assert guard.problems_with(["run"], creds, SAFE_ENV), channel


def _run_bot_rasa(args, tmp_path, extra_env=None):
    env = dict(os.environ, HOME=str(tmp_path), RASA_TELEMETRY_ENABLED="false", **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "bot", "rasa", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.stack  # starts Rasa's command line in a process
def test_rasa_run_with_enable_api_refuses_to_start(tmp_path):
    result = _run_bot_rasa(["run", "--enable-api", "--port", "1"], tmp_path)
    assert result.returncode != 0
    assert "refuses to start" in result.stderr


@pytest.mark.stack  # starts Rasa's command line in a process
def test_rasa_run_with_rest_channel_refuses_to_start(tmp_path):
    creds = tmp_path / "creds.yml"
    creds.write_text("rest: {}\n")
    result = _run_bot_rasa(["run", "--credentials", str(creds), "--port", "1"], tmp_path)
    assert result.returncode != 0
    assert "bypasses redaction" in result.stderr


@pytest.mark.stack  # starts Rasa's command line in a process
def test_rasa_commands_write_no_telemetry_file_under_home(tmp_path):
    result = _run_bot_rasa(["data", "validate", "--fail-on-warnings"], tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert not (tmp_path / ".config" / "rasa").exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing at all under HOME
