"""Scale-out: two Rasa instances and one action server on a real Redis with persistence off.
One conversation alternates between the instances and continues correctly."""
from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
import redis

from bot.scaled import start_redis
from conftest import free_port, start_running_stack


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    proc, url = start_redis(free_port())
    yield url, redis.Redis.from_url(url)
    os.killpg(proc.pid, 9)
    proc.wait()


@pytest.fixture(scope="module")
def scaled(trained_model, redis_server, tmp_path_factory):
    url, _ = redis_server
    stack = start_running_stack(tmp_path_factory.mktemp("scaled"), scaled=True,
                                env={"SAFE_REPORT_REDIS_URL": url, "SAFE_REPORT_RATE_PER_ADDRESS": "100000"})
    yield stack
    stack.stop()


def ask(base: str, sender: str, text: str) -> str:
    r = httpx.post(f"{base}/webhooks/webchat/webhook", json={"sender": sender, "message": text}, timeout=60)
    assert r.status_code == 200
    return "\n".join(m.get("text", "") for m in r.json())


def test_redis_runs_without_persistence(redis_server):
    _, client = redis_server
    assert client.config_get("save")["save"] == ""
    assert client.config_get("appendonly")["appendonly"] == "no"
    workdir = Path(client.config_get("dir")["dir"])
    client.set("probe", "1")
    assert not list(workdir.glob("*.rdb")) and not list(workdir.glob("*.aof*"))


def test_a_conversation_continues_across_instances(scaled, redis_server):
    _, client = redis_server
    first = scaled.url
    second = first.rsplit(":", 1)[0] + ":" + str(int(first.rsplit(":", 1)[1]) + 1)
    sender = "scaled-conversation-1"
    ask(first, sender, "my visa depends on my husband and he abuses me")
    # The nation, given on the other instance, must re-run the services for the earlier topic.
    answer = ask(second, sender, "I'm in Scotland")
    # One conversation, one tracker: the pseudonym key is shared, so both instances agree.
    trackers = [k for k in client.scan_iter("safereport:tracker:*")]
    assert len(trackers) == 1
    fresh = ask(second, "scaled-fresh-conversation", "I'm in Scotland")
    assert "Scotland" in answer and "Southall Black Sisters" in answer
    assert answer != fresh  # the services follow the earlier topic, which only the shared tracker knows
    assert b"scaled-conversation-1" not in trackers[0]
    # Nothing identifying in what Redis holds, and every tracker expires.
    assert client.ttl(trackers[0]) > 0
    # Erasure on the first instance removes it for both.
    ask(first, sender, "forget me")
    assert trackers[0] not in list(client.scan_iter("safereport:tracker:*"))
    assert len(list(client.scan_iter("safereport:tracker:*"))) == 1  # the other conversation stays


def test_pseudonym_key_lives_in_redis_with_an_expiry(scaled, redis_server):
    _, client = redis_server
    ask(scaled.url, "scaled-conversation-2", "hello")
    current = client.get("safereport:pkey:current")
    assert current is not None and client.ttl("safereport:pkey:current") > 0
    assert client.ttl(b"safereport:pkey:gen:" + current) > 0
