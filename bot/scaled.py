"""A local Redis for `make run-scaled` and the scale-out tests: persistence off, loopback only."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.parse
from typing import Dict, List

import redis


def redis_env(url: str) -> Dict[str, str]:
    """The variables endpoints.redis.yml reads, from one Redis URL."""
    parsed = urllib.parse.urlparse(url)
    db = (parsed.path or "/0").lstrip("/") or "0"
    return {
        "SAFE_REPORT_REDIS_URL": url,
        "SAFE_REPORT_REDIS_HOST": parsed.hostname or "127.0.0.1",
        "SAFE_REPORT_REDIS_PORT": str(parsed.port or 6379),
        "SAFE_REPORT_REDIS_DB": db,
    }


def redis_command(port: int, workdir: str) -> List[str]:
    """redis-server with no snapshots and no append-only file, on loopback, in `workdir`.
    The same command starts it again after a crash (bot.supervisor): still nothing on disk."""
    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("redis-server is not installed (Debian: apt-get install -y redis-server)")
    return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", workdir, "--protected-mode", "yes", "--loglevel", "warning"]


def wait_for_redis(url: str, attempts: int = 100) -> None:
    """Wait until Redis answers, then check that it really runs with persistence off."""
    client = redis.Redis.from_url(url)
    for _ in range(attempts):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    assert_no_persistence(client)


def start_redis(port: int) -> "tuple[subprocess.Popen, str]":
    """Start redis-server with persistence off, in an empty directory, in its own session."""
    command = redis_command(port, tempfile.mkdtemp(prefix="safe-report-redis-"))
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    wait_for_redis(url)
    return proc, url


def assert_no_persistence(client: "redis.Redis") -> None:
    save = client.config_get("save").get("save", "")
    aof = client.config_get("appendonly").get("appendonly", "")
    if save not in ("", b"") or aof not in ("no", b"no"):
        raise SystemExit("Redis must run with persistence off (save '' and appendonly no)")
