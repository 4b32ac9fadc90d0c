"""Shared fixtures: the model is trained once per run (by `make test`, or here if missing) and
one Rasa stack (Rasa + action server, our real channels and tracker store) serves all tests
that only need a running bot. Tests that need special settings start their own stack."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SAFE_REPORT_ACTIONS_URL", "http://localhost:5055/webhook")

from bot.paths import MODEL_FILE  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_pair() -> int:
    """A port p such that p and p+1 are both free (for two Rasa instances)."""
    for _ in range(50):
        p = free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise RuntimeError("no free port pair")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    if not MODEL_FILE.exists():
        subprocess.run(["make", "train"], cwd=ROOT, check=True)
    return MODEL_FILE


class RunningStack:
    def __init__(self, stack, url: str, log_file: Path, actions_port: int):
        self.stack, self.url, self.log_file, self.actions_port = stack, url, log_file, actions_port

    def webchat(self, sender: str, message, client=None, **kwargs):
        import httpx

        c = client or httpx
        return c.post(f"{self.url}/webhooks/webchat/webhook", json={"sender": sender, "message": message},
                      timeout=60, **kwargs)

    def say(self, sender: str, message: str) -> str:
        """POST a message and return all the answer texts joined (asserts HTTP 200)."""
        r = self.webchat(sender, message)
        assert r.status_code == 200, r.status_code
        return "\n".join(m.get("text", "") for m in r.json())

    def stop(self) -> None:
        self.stack.stop()


def start_running_stack(tmp_dir: Path, env=None, scaled=False, rasa_args=None, actions_args=None) -> RunningStack:
    from bot.launcher import start_stack

    port = free_port_pair() if scaled else free_port()
    actions_port = free_port()
    log_file = tmp_dir / "stack.log"
    stack, _ = start_stack(port=port, actions_port=actions_port, env=env or {}, log_file=str(log_file),
                           scaled=scaled, rasa_args=rasa_args, actions_args=actions_args)
    return RunningStack(stack, f"http://127.0.0.1:{port}", log_file, actions_port)


@pytest.fixture(scope="session")
def rasa_stack(trained_model, tmp_path_factory):
    base = tmp_path_factory.mktemp("stack")
    running = start_running_stack(base,
                                  env={"TWILIO_AUTH_TOKEN": "test-auth-token-not-secret",
                                       "SAFE_REPORT_PUBLIC_URL": "https://safe-report.example.org",
                                       "SAFE_REPORT_RATE_PER_ADDRESS": "100000",
                                       "SAFE_REPORT_THEMES_DB": str(base / "themes.db"),
                                       "SAFE_REPORT_THEMES_FLUSH_SECONDS": "1"})
    running.themes_db = base / "themes.db"
    yield running
    running.stop()


@pytest.fixture(scope="module")
def redis_server():
    """A real redis-server with persistence off, for one test module: (url, client)."""
    import redis

    from bot.scaled import start_redis

    proc, url = start_redis(free_port())
    yield url, redis.Redis.from_url(url)
    os.killpg(proc.pid, 9)
    proc.wait()
