"""Start the action server and Rasa together, say where to find them, stop both on Ctrl-C."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Dict, List, Optional

from bot import guard
from bot.paths import CREDENTIALS_FILE, ENDPOINTS_FILE, LOGGING_CONFIG, MODEL_FILE, ROOT

HOST = os.environ.get("SAFE_REPORT_HOST", "127.0.0.1")


def _env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.update(extra or {})
    return env


def rasa_command(port: int, endpoints=ENDPOINTS_FILE, extra: Optional[List[str]] = None) -> List[str]:
    return [
        sys.executable, "-m", "bot", "rasa", "run",
        "--model", str(MODEL_FILE),
        "--endpoints", str(endpoints),
        "--credentials", str(CREDENTIALS_FILE),
        "--interface", HOST,
        "--port", str(port),
        "--logging-config-file", str(LOGGING_CONFIG),
        *(extra or []),
    ]


def actions_command(port: int) -> List[str]:
    return [sys.executable, "-m", "bot", "actions", "--actions", "actions", "--port", str(port)]


def wait_until_ready(url: str, timeout: float = 480, process: Optional[subprocess.Popen] = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.5)
    return False


class Stack:
    """The running processes; stops all of them together."""

    def __init__(self) -> None:
        self.processes: List[subprocess.Popen] = []

    def start(self, command: List[str], env: Optional[Dict[str, str]] = None, **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(command, cwd=ROOT, env=_env(env), start_new_session=True, **kwargs)
        self.processes.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.processes:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def start_stack(
    quiet: bool = False,
    scaled: bool = False,
    port: Optional[int] = None,
    actions_port: Optional[int] = None,
    env: Optional[Dict[str, str]] = None,
    log_file: Optional[str] = None,
    rasa_args: Optional[List[str]] = None,
    actions_args: Optional[List[str]] = None,
) -> "tuple[Stack, str]":
    """Start the action server and Rasa (two Rasa instances on port and port+1 when scaled)."""
    guard.check(["run", "--credentials", str(CREDENTIALS_FILE)])
    if not MODEL_FILE.exists():
        raise SystemExit("No trained model: run `make train` first (make run does it for you).")
    port = port or int(os.environ.get("SAFE_REPORT_PORT", "5005"))
    actions_port = actions_port or int(os.environ.get("SAFE_REPORT_ACTIONS_PORT", "5055"))
    env = {"SAFE_REPORT_ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook", **(env or {})}
    output = open(log_file, "ab") if log_file else (subprocess.DEVNULL if quiet else None)
    stack = Stack()
    stack.start(actions_command(actions_port) + list(actions_args or []), env, stdout=output, stderr=output)
    ports = [port]
    if scaled:
        from bot.scaled import redis_env, start_redis

        ports = [port, port + 1]
        url = env.get("SAFE_REPORT_REDIS_URL") or os.environ.get("SAFE_REPORT_REDIS_URL")
        if not url:
            redis_proc, url = start_redis(int(os.environ.get("SAFE_REPORT_REDIS_PORT", "6379")))
            stack.processes.append(redis_proc)
        env.update(redis_env(url))
    endpoints = ROOT / "endpoints.redis.yml" if scaled else ENDPOINTS_FILE
    rasa_procs = [
        stack.start(rasa_command(p, endpoints, rasa_args), env, stdout=output, stderr=output) for p in ports
    ]
    base = f"http://{'localhost' if HOST in ('127.0.0.1', '0.0.0.0') else HOST}:{port}"
    for p, proc in zip(ports, rasa_procs):
        if not wait_until_ready(f"http://127.0.0.1:{p}/webhooks/webchat/health", process=proc):
            stack.stop()
            raise SystemExit("Rasa did not start; see the messages above.")
    if not wait_until_ready(f"http://127.0.0.1:{actions_port}/health", timeout=60):
        stack.stop()
        raise SystemExit("The action server did not start; see the messages above.")
    return stack, base


def run(scaled: bool = False) -> int:
    stack, base = start_stack(scaled=scaled)
    second = f"  Second instance: {base.rsplit(':', 1)[0]}:{int(base.rsplit(':', 1)[1]) + 1} (same Redis)\n" if scaled else ""
    print(
        "\nSafe Report is running.\n" + second +
        f"  Chat page:      {base}/webhooks/webchat/\n"
        f"  Web chat API:   POST {base}/webhooks/webchat/webhook  {{\"sender\": \"...\", \"message\": \"...\"}}\n"
        f"  SMS (Twilio):   POST {base}/webhooks/twilio/webhook  (signed; see README)\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    stopping = {"now": False}

    def _stop(*_):
        stopping["now"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping["now"] and all(p.poll() is None for p in stack.processes):
            time.sleep(0.5)
    finally:
        print("Stopping Safe Report...", flush=True)
        stack.stop()
    return 0


def shell() -> int:
    """A terminal conversation through the web chat webhook (so the privacy layer applies)."""
    print("Starting Safe Report (about a minute)...", flush=True)
    stack, base = start_stack(quiet=True)
    sender = uuid.uuid4().hex
    print("Type a message; Ctrl-D or Ctrl-C to quit.\n")
    try:
        while True:
            try:
                text = input("you> ")
            except (EOFError, KeyboardInterrupt):
                print()
                break
            req = urllib.request.Request(
                f"{base}/webhooks/webchat/webhook",
                data=json.dumps({"sender": sender, "message": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:
                    answers = json.loads(resp.read())
            except urllib.error.HTTPError as err:
                answers = json.loads(err.read() or b"[]")
            for m in answers:
                print("bot>", m.get("text", ""))
                for b in m.get("buttons") or []:
                    print(f"     [{b.get('title')}]")
    finally:
        stack.stop()
    return 0
