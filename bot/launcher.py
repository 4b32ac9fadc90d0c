"""Start the action server and Rasa together, say where to find them, stop all on Ctrl-C.

Under `make run` (`run()`) the processes are supervised (bot.supervisor): one that crashes is
started again with backoff while the others keep serving. `start_stack()` without `supervise`
(the tests' stacks) leaves a killed process dead, so fault tests can watch what happens then.
"""
from __future__ import annotations

import json
import logging.config
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from typing import Dict, List, Optional

import yaml

from bot import guard
from bot.paths import CREDENTIALS_FILE, ENDPOINTS_FILE, LOGGING_CONFIG, MODEL_FILE, ROOT
from bot.settings import settings
from bot.supervisor import Supervisor


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
        "--interface", settings().host,
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


def _name_of(command: List[str]) -> str:
    """'rasa' or 'actions' for our own commands, else the program's name."""
    if command[1:3] == ["-m", "bot"] and len(command) > 3:
        return command[3]
    return os.path.basename(command[0])


class Stack(Supervisor):
    """The running processes, each in its own session, in the project root with our environment."""

    def start(self, command: List[str], env: Optional[Dict[str, str]] = None, name: Optional[str] = None,
              **kwargs) -> subprocess.Popen:
        return self.add(name or _name_of(command), command, cwd=ROOT, env=_env(env), **kwargs)


def _start_local_redis(stack: Stack, port: int) -> str:
    """A Redis for `make run-scaled`, supervised like the rest (persistence off: bot/scaled.py)."""
    from bot.scaled import redis_command, wait_for_redis

    command = redis_command(port, tempfile.mkdtemp(prefix="safe-report-redis-"))
    stack.add("redis", command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    wait_for_redis(url)
    return url


def _wait_for_servers(rasa_ports: List[int], rasa_procs: List[subprocess.Popen],
                      actions_port: int) -> None:
    for p, proc in zip(rasa_ports, rasa_procs):
        if not wait_until_ready(f"http://127.0.0.1:{p}/webhooks/webchat/health", process=proc):
            raise SystemExit("Rasa did not start; see the messages above.")
    if not wait_until_ready(f"http://127.0.0.1:{actions_port}/health", timeout=60):
        raise SystemExit("The action server did not start; see the messages above.")


def start_stack(
    quiet: bool = False,
    scaled: bool = False,
    port: Optional[int] = None,
    actions_port: Optional[int] = None,
    env: Optional[Dict[str, str]] = None,
    log_file: Optional[str] = None,
    rasa_args: Optional[List[str]] = None,
    actions_args: Optional[List[str]] = None,
    supervise: bool = False,
) -> "tuple[Stack, str]":
    """Start the action server and Rasa (two Rasa instances on port and port+1 when scaled).
    With `supervise`, a process that exits is started again (the caller runs `stack.watch`)."""
    guard.check(["run", "--credentials", str(CREDENTIALS_FILE)])
    if not MODEL_FILE.exists():
        raise SystemExit("No trained model: run `make train` first (make run does it for you).")
    config = settings()
    port = port or config.port
    actions_port = actions_port or config.actions_port
    env = {"SAFE_REPORT_ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook", **(env or {})}
    output = open(log_file, "ab") if log_file else (subprocess.DEVNULL if quiet else None)
    stack = Stack(restart=supervise, die_with_parent=supervise)
    try:
        stack.start(actions_command(actions_port) + list(actions_args or []), env, name="actions",
                    stdout=output, stderr=output)
        ports = [port, port + 1] if scaled else [port]
        if scaled:
            from bot.scaled import redis_env

            url = env.get("SAFE_REPORT_REDIS_URL") or config.redis_url or _start_local_redis(stack, config.redis_port)
            env.update(redis_env(url))
        endpoints = ROOT / "endpoints.redis.yml" if scaled else ENDPOINTS_FILE
        rasa_procs = [stack.start(rasa_command(p, endpoints, rasa_args), env, name=f"rasa:{p}",
                                  stdout=output, stderr=output) for p in ports]
        _wait_for_servers(ports, rasa_procs, actions_port)
    except BaseException:  # Ctrl-C or a failed start: leave nothing running
        stack.stop()
        raise
    host = config.host
    return stack, f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"


class _StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP (the terminal closed) all mean: stop everything.

    While starting, the first signal raises KeyboardInterrupt so start_stack cleans up; once
    supervising, it only sets a flag that the loop checks, so no restart is cut in half."""

    def __init__(self) -> None:
        self.requested = False
        self.raise_now = True
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self)

    def __call__(self, signum, frame) -> None:
        self.requested = True
        if self.raise_now:
            self.raise_now = False
            raise KeyboardInterrupt


def _configure_logging() -> None:
    """The launcher logs supervision events the way Rasa logs (config/logging.yml), scrubbed."""
    from bot import log_privacy

    log_privacy.install()
    with open(LOGGING_CONFIG, encoding="utf-8") as f:
        logging.config.dictConfig(yaml.safe_load(f))


def _banner(base: str, scaled: bool) -> str:
    host, port = base.rsplit(":", 1)
    second = f"  Second instance: {host}:{int(port) + 1} (same Redis)\n" if scaled else ""
    return (
        "\nSafe Report is running.\n" + second +
        f"  Chat page:      {base}/webhooks/webchat/\n"
        f"  Web chat API:   POST {base}/webhooks/webchat/webhook  {{\"sender\": \"...\", \"message\": \"...\"}}\n"
        f"  SMS (Twilio):   POST {base}/webhooks/twilio/webhook  (signed; see README)\n"
        "A part that crashes is restarted. Press Ctrl-C to stop.\n"
    )


def run(scaled: bool = False) -> int:
    """`make run`: start everything, supervise it, stop it all on Ctrl-C, SIGTERM or SIGHUP."""
    _configure_logging()
    signals = _StopSignals()
    stack: Optional[Stack] = None
    try:
        stack, base = start_stack(scaled=scaled, supervise=True)
        signals.raise_now = False
        print(_banner(base, scaled), flush=True)
        stack.watch(lambda: signals.requested)
    except KeyboardInterrupt:
        if stack is None:  # start_stack has already stopped what it started
            print("Stopped before Safe Report was ready.", flush=True)
            return 130
    finally:
        if stack is not None:
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
