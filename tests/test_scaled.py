"""Scale-out: two Rasa instances and one action server on a real Redis with persistence off.
One conversation alternates between the instances and continues correctly."""
from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from support import free_port, start_running_stack


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


# -- Sanic workers (SANIC_WORKERS=2) on the same Redis ------------------------------------------

@pytest.fixture(scope="module")
def two_workers(scaled, redis_server, tmp_path_factory):
    """One Rasa with two Sanic workers, on the module's Redis and the scaled stack's action server."""
    from bot.launcher import Stack, rasa_command, wait_until_ready
    from bot.paths import ROOT
    from bot.scaled import redis_env

    url, _ = redis_server
    port = free_port()
    log = open(tmp_path_factory.mktemp("workers") / "rasa.log", "ab")
    stack = Stack()
    proc = stack.start(rasa_command(port, ROOT / "endpoints.redis.yml"),
                       {**redis_env(url), "SANIC_WORKERS": "2", "SAFE_REPORT_RATE_PER_ADDRESS": "100000",
                        "SAFE_REPORT_ACTIONS_URL": f"http://127.0.0.1:{scaled.actions_port}/webhook"},
                       stdout=log, stderr=log)
    assert wait_until_ready(f"http://127.0.0.1:{port}/webhooks/webchat/health", process=proc)
    yield port, proc.pid
    stack.stop()


def _socket_owners(pids):
    """inode of every socket -> the pid that holds it."""
    owners = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                owners[int(target[8:-1])] = pid
    return owners


def _tcp_sockets(port, state):
    """inodes of the IPv4 TCP sockets whose local port is `port`, in `state` (hex, as in /proc)."""
    inodes = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            inodes.append(int(fields[9]))
    return inodes


def _workers(parent_pid):
    children = Path(f"/proc/{parent_pid}/task/{parent_pid}/children").read_text().split()
    return [int(c) for c in children]


def test_each_sanic_worker_listens_on_its_own_socket(two_workers):
    port, parent = two_workers
    workers = _workers(parent)
    assert len(workers) == 2
    owners = _socket_owners(workers)
    listening = _tcp_sockets(port, "0A")
    # Sanic alone shares one socket between the workers (and one worker takes every connection).
    assert len(listening) == 2
    assert sorted(owners[i] for i in listening) == sorted(workers)


def test_connections_spread_over_both_workers_and_a_conversation_crosses_them(two_workers):
    port, parent = two_workers
    workers = _workers(parent)
    base = f"http://127.0.0.1:{port}"
    clients = [httpx.Client(base_url=base, timeout=60) for _ in range(16)]
    try:
        sender = "two-workers-conversation"
        answers = []
        for i, client in enumerate(clients):  # one connection each, kept open
            text = "my visa depends on my husband and he abuses me" if i == 0 else (
                "I'm in Scotland" if i == len(clients) - 1 else "hello")
            r = client.post("/webhooks/webchat/webhook",
                            json={"sender": sender if i in (0, len(clients) - 1) else f"w-{i}", "message": text})
            assert r.status_code == 200
            answers.append("\n".join(m.get("text", "") for m in r.json()))
        owners = _socket_owners(workers)
        held = [owners[i] for i in _tcp_sockets(port, "01") if i in owners]
        assert len(held) == 16
        # The kernel hashes each connection to one worker: both get some (all 16 on one: p = 3e-5).
        assert set(held) == set(workers)
        # The last message of the conversation continues the first, whichever worker took each.
        assert "Scotland" in answers[-1] and "Southall Black Sisters" in answers[-1]
    finally:
        for client in clients:
            client.close()
