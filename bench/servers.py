"""Start the servers under test on free loopback ports; stop only what we started.

* ours:   bot.launcher.start_stack (action server + Rasa with our channels, redaction and the
          redacting tracker store), exactly as `make run` starts it.
* plain:  `.venv/bin/rasa run` with a temporary credentials file holding only `rest: {}` and
          endpoints with Rasa's default in-memory tracker store and the same action server:
          the reference, which deliberately bypasses our guard.
* plain with fixes: the same, plus the two changes our stack makes to Rasa itself (the action
          reply schema compiled once, enable_selective_domain), for reference.
* scaled: our Rasa with SANIC_WORKERS=2 on endpoints.redis.yml and a real redis-server with
          persistence off (bot.scaled.start_redis), on the same action server.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, Optional, Tuple

from bot.launcher import Stack, rasa_command, start_stack, wait_until_ready
from bot.paths import MODEL_FILE, ROOT

RASA_BIN = ROOT / ".venv" / "bin" / "rasa"
PLAIN_WITH_FIXES = ("import sys; from bot.patches import remote_action; remote_action.install(); "
                    "from rasa.__main__ import main; sys.argv = ['rasa', *sys.argv[1:]]; main()")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_answer(url: str, body: Dict[str, str], timeout: float = 120) -> float:
    """POST one message; returns the monotonic time the answer arrived (raises on failure)."""
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        if resp.status != 200 or not json.loads(resp.read()):
            raise RuntimeError(f"no answer from {url}")
    return time.monotonic()


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Stop one process group we started (the launcher starts each in its own session)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Servers:
    def __init__(self, workdir: Path, twilio_token: str, public_url: str) -> None:
        self.workdir = workdir
        self.token = twilio_token
        self.public_url = public_url
        self.stack: Optional[Stack] = None
        self.ours_url = ""
        self.actions_url = ""
        self.plain: Optional[subprocess.Popen] = None
        self.plain_url = ""
        self.plain_fixed: Optional[subprocess.Popen] = None
        self.plain_fixed_url = ""
        self.scaled: Optional[Stack] = None
        self.scaled_url = ""
        self.redis_pid: Optional[int] = None

    # -- ours ---------------------------------------------------------------------------------
    def our_env(self) -> Dict[str, str]:
        # Every simulated person shares the loopback address and types faster than a person:
        # the rate limiter still runs on every request, but with limits the load cannot reach.
        return {"TWILIO_AUTH_TOKEN": self.token, "SAFE_REPORT_PUBLIC_URL": self.public_url,
                "SAFE_REPORT_RATE_PER_ADDRESS": "10000000", "SAFE_REPORT_RATE_PER_CONVERSATION": "10000000"}

    def start_ours(self) -> Tuple[float, float]:
        """Returns (seconds until the launcher reported ready, seconds until the first answer)."""
        port, actions_port = free_port(), free_port()
        t0 = time.monotonic()
        self.stack, _ = start_stack(port=port, actions_port=actions_port, env=self.our_env(),
                                    log_file=str(self.workdir / "ours.log"))
        ready = time.monotonic()
        self.ours_url = f"http://127.0.0.1:{port}"
        self.actions_url = f"http://127.0.0.1:{actions_port}/webhook"
        answered = first_answer(self.ours_url + "/webhooks/webchat/webhook", {"sender": "startup", "message": "hi"})
        return ready - t0, answered - t0

    @property
    def actions_pid(self) -> int:
        return self.stack.processes[0].pid

    @property
    def ours_pid(self) -> int:
        return self.stack.processes[1].pid

    def stop_ours_rasa(self) -> None:
        """Stop our single-worker Rasa (the action server keeps running for the others)."""
        stop_process(self.stack.processes[1])

    # -- plain --------------------------------------------------------------------------------
    def start_plain(self) -> Tuple[float, float]:
        self.plain, self.plain_url, ready, first = self._start_plain("plain", with_fixes=False)
        return ready, first

    def start_plain_with_fixes(self) -> Tuple[float, float]:
        """Plain Rasa plus the two Rasa-level changes our stack makes (bot.patches.remote_action's schema
        compiled once, enable_selective_domain): shows how much of our throughput they explain."""
        self.plain_fixed, self.plain_fixed_url, ready, first = self._start_plain("plain-fixed", with_fixes=True)
        return ready, first

    def _start_plain(self, name: str, with_fixes: bool) -> Tuple[subprocess.Popen, str, float, float]:
        port = free_port()
        credentials = self.workdir / "plain-credentials.yml"
        credentials.write_text("rest: {}\n")
        endpoints = self.workdir / f"{name}-endpoints.yml"  # default InMemory tracker store
        endpoints.write_text(f"action_endpoint:\n  url: {self.actions_url}\n"
                             + ("  enable_selective_domain: true\n" if with_fixes else ""))
        # HOME in the temp dir: plain Rasa writes ~/.config/rasa/global.yml (a telemetry id)
        # even with telemetry off; our wrapper prevents that, the reference does not.
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", HOME=str(self.workdir),
                   # The model's pipeline includes bot.nlu.danger_override.DangerOverride: same model, same code.
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("SANIC_WORKERS", None)
        command = [str(RASA_BIN)] if not with_fixes else [sys.executable, "-c", PLAIN_WITH_FIXES]
        log = open(self.workdir / f"{name}.log", "ab")
        t0 = time.monotonic()
        proc = subprocess.Popen(
            command + ["run", "--model", str(MODEL_FILE), "--credentials", str(credentials),
                       "--endpoints", str(endpoints), "--interface", "127.0.0.1", "--port", str(port)],
            cwd=self.workdir, env=env, stdout=log, stderr=log, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        if not wait_until_ready(url + "/", timeout=300, process=proc):
            raise SystemExit(f"the {name} Rasa server did not start; see {self.workdir / (name + '.log')}")
        ready = time.monotonic()
        answered = first_answer(url + "/webhooks/rest/webhook", {"sender": "startup", "message": "hi"})
        return proc, url, ready - t0, answered - t0

    def stop_plain(self) -> None:
        for proc in (self.plain, self.plain_fixed):
            if proc is not None:
                stop_process(proc)

    # -- scaled -------------------------------------------------------------------------------
    def start_scaled(self, workers: int = 2) -> Tuple[float, float]:
        from bot.scaled import redis_env, start_redis

        port, redis_port = free_port(), free_port()
        self.scaled = Stack()
        t0 = time.monotonic()
        redis_proc, redis_url = start_redis(redis_port)
        self.scaled.adopt("redis", redis_proc)
        self.redis_pid = redis_proc.pid
        env = {**self.our_env(), **redis_env(redis_url), "SAFE_REPORT_ACTIONS_URL": self.actions_url,
               "SANIC_WORKERS": str(workers)}
        log = open(self.workdir / "scaled.log", "ab")
        proc = self.scaled.start(rasa_command(port, ROOT / "endpoints.redis.yml"), env, stdout=log, stderr=log)
        self.scaled_url = f"http://127.0.0.1:{port}"
        if not wait_until_ready(self.scaled_url + "/webhooks/webchat/health", timeout=300, process=proc):
            raise SystemExit(f"the scaled Rasa did not start; see {self.workdir / 'scaled.log'}")
        ready = time.monotonic()
        answered = first_answer(self.scaled_url + "/webhooks/webchat/webhook", {"sender": "startup", "message": "hi"})
        return ready - t0, answered - t0

    @property
    def scaled_pid(self) -> int:
        return self.scaled.processes[1].pid

    # -- all ------------------------------------------------------------------------------------
    def stop_all(self) -> None:
        self.stop_plain()
        for stack in (self.scaled, self.stack):
            if stack is not None:
                stack.stop()


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="safe-report-bench-"))
