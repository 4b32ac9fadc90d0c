"""Safe Report's protections do not depend on being started through `python -m bot`.

A plain `rasa run` on our credentials creates our channels, and creating them installs the log
scrubbing, the guard and the run-time patches (bot/channels/base.py). Here Rasa is started with
Rasa's own command line, at DEBUG, with no action server behind it:
* planted personal data never reaches the log;
* a message whose answer needs a custom action still gets the error answer with 999 (the
  failed-action fallback), and a danger message gets 999 and the Silent Solution;
* started without RASA_TELEMETRY_ENABLED=false, it refuses to start.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
import pytest
import yaml

from bot.launcher import wait_until_ready
from bot.paths import CREDENTIALS_FILE, ENDPOINTS_FILE, MODEL_FILE
from bot.safety import response_text
from support import ROOT, free_port

pytestmark = pytest.mark.stack

RASA = ROOT / ".venv" / "bin" / "rasa"
CANARY_NAME = "Quorvelle Bratnik"
CANARY_PHONE = "07700 900417"


def _plain_rasa(port: int, home, env_extra, log_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFE_REPORT_")}
    env.pop("RASA_TELEMETRY_ENABLED", None)
    # No action server listens here: every custom action fails.
    env.update(HOME=str(home), SAFE_REPORT_ACTIONS_URL=f"http://127.0.0.1:{free_port()}/webhook",
               SAFE_REPORT_ROOT=str(ROOT), PYTHONPATH=str(ROOT), **env_extra)
    log = open(log_path, "wb")
    return subprocess.Popen(
        [str(RASA), "run", "--model", str(MODEL_FILE), "--credentials", str(CREDENTIALS_FILE),
         "--endpoints", str(ENDPOINTS_FILE), "--port", str(port), "--interface", "127.0.0.1", "--debug"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _say(port: int, message: str) -> str:
    r = httpx.post(f"http://127.0.0.1:{port}/webhooks/webchat/webhook",
                   json={"sender": "plain-run-test", "message": message}, timeout=60)
    assert r.status_code == 200
    return "\n".join(m["text"] for m in r.json())


def test_plain_rasa_run_scrubs_logs_and_falls_back(trained_model, tmp_path):
    port, log_path = free_port(), tmp_path / "rasa.log"
    proc = _plain_rasa(port, tmp_path, {"RASA_TELEMETRY_ENABLED": "false"}, log_path)
    try:
        assert wait_until_ready(f"http://127.0.0.1:{port}/webhooks/webchat/health", process=proc), \
            log_path.read_text(errors="replace")[-3000:]
        answer = _say(port, f"my name is {CANARY_NAME}, call {CANARY_PHONE}. can i report if my visa expired")
        assert answer.startswith(response_text("utter_error")[:40]) or response_text("utter_error") in answer
        assert "999" in answer
        danger = _say(port, "he is hitting me now")
        assert "999" in danger and "55" in danger
    finally:
        _stop(proc)
    log = log_path.read_text(errors="replace")
    assert "DEBUG" in log  # it really logged at DEBUG
    for canary in (CANARY_NAME, "Quorvelle", "Bratnik", CANARY_PHONE, CANARY_PHONE.replace(" ", ""),
                   "plain-run-test", "hitting me now"):
        assert canary not in log, canary
    # Rasa's own start-up writes ~/.config/rasa/global.yml (a random installation id) before any
    # of our code is loaded; nothing is sent, since the guard insists on RASA_TELEMETRY_ENABLED=
    # false. It must hold nothing else (`python -m bot rasa` does not write it at all).
    written = tmp_path / ".config" / "rasa" / "global.yml"
    if written.exists():
        config = yaml.safe_load(written.read_text())
        assert set(config) == {"metrics"} and set(config["metrics"]) <= {"enabled", "rasa_user_id", "date"}


def test_plain_rasa_run_refuses_with_telemetry_on(trained_model, tmp_path):
    port, log_path = free_port(), tmp_path / "rasa.log"
    proc = _plain_rasa(port, tmp_path, {}, log_path)
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert proc.poll() is not None, "Rasa started with telemetry on"
    finally:
        _stop(proc)
    assert proc.returncode != 0
    assert "refuses to start" in log_path.read_text(errors="replace")
