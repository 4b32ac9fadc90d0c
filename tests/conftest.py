"""Fixtures, and the two test lanes.

The model is trained once per run (by `make test`, or here if missing) and one Rasa stack (Rasa +
action server, our real channels and tracker store) serves all tests that only need a running
bot. Tests that need special settings start their own stack. Shared helpers live in support.py.

Lanes: a test that uses a server fixture (or is marked `stack` by its module) is in the `stack`
lane; every other test is in the `unit` lane, which `make test-fast` runs on its own (no server,
no trained model, under a minute).
"""
from __future__ import annotations

import os
import subprocess

import pytest

from support import ROOT, start_running_stack
from bot.paths import MODEL_FILE

os.environ.setdefault("SAFE_REPORT_ACTIONS_URL", "http://localhost:5055/webhook")

# Fixtures that start a server or need the trained model: their tests are stack tests.
STACK_FIXTURES = {"trained_model", "rasa_stack", "redis_server"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("stack") is None and STACK_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.stack)
        if item.get_closest_marker("stack") is None:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def trained_model():
    if not MODEL_FILE.exists():
        subprocess.run(["make", "train"], cwd=ROOT, check=True)
    return MODEL_FILE


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
    from support import free_port

    proc, url = start_redis(free_port())
    yield url, redis.Redis.from_url(url)
    os.killpg(proc.pid, 9)
    proc.wait()
