"""The pseudonym key in a real Redis: shared by instances, rotated once however many race for it,
and the previous key kept for live conversations for one idle window only."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis

from bot.privacy.pseudonyms import Pseudonymizer, _hmac
from bot.privacy.redis_key_store import RedisKeyStore

ROTATION, IDLE = 3, 2


@pytest.fixture(scope="module")
def redis_url(redis_server):
    return redis_server[0]


@pytest.fixture
def prefix():
    return f"test-{uuid.uuid4().hex[:8]}"


def store(url, prefix, rotation=ROTATION, idle=IDLE):
    # No in-process cache, so each call sees Redis as it is now.
    return RedisKeyStore(url, rotation, idle, prefix=prefix, cache_seconds=0)


def wait_for_rotation(client, prefix):
    ms = client.pttl(f"{prefix}:pkey:current")
    assert ms > 0
    time.sleep(ms / 1000 + 0.05)


def test_instances_share_one_key_that_expires(redis_url, prefix):
    a, b = Pseudonymizer(store=store(redis_url, prefix)), Pseudonymizer(store=store(redis_url, prefix))
    assert a.pseudonym("+447700900123", "twilio") == b.pseudonym("+447700900123", "twilio")
    client = redis.Redis.from_url(redis_url)
    assert 0 < client.ttl(f"{prefix}:pkey:current") <= ROTATION
    assert 0 < client.ttl(f"{prefix}:pkey:gen:1") <= ROTATION + IDLE
    active = list(client.scan_iter(f"{prefix}:active:*"))
    assert len(active) == 1 and 0 < client.ttl(active[0]) <= IDLE
    assert b"447700900123" not in b"".join(client.keys(f"{prefix}:*"))


def test_rotation_keeps_a_live_conversation_then_lets_the_old_key_go(redis_url, prefix):
    client = redis.Redis.from_url(redis_url)
    a, b = Pseudonymizer(store=store(redis_url, prefix)), Pseudonymizer(store=store(redis_url, prefix))
    live = a.pseudonym("+447700900123", "twilio")
    time.sleep(max(0, client.pttl(f"{prefix}:pkey:current") / 1000 - 0.8))
    assert b.pseudonym("+447700900123", "twilio") == live  # still talking just before the rotation
    wait_for_rotation(client, prefix)

    # The key has rotated; the person mid-conversation keeps their conversation, on either instance.
    assert b.pseudonym("+447700900123", "twilio") == live
    assert int(client.get(f"{prefix}:pkey:current")) == 2
    # Someone who was not talking before the rotation starts under the new key.
    new_key = client.get(f"{prefix}:pkey:gen:2")
    assert a.pseudonym("+447700900999", "twilio") == "twilio-" + _hmac(new_key, "twilio:+447700900999")

    # After the grace window the old key is gone from Redis, and with it the old pseudonym.
    time.sleep(IDLE + 0.3)
    assert client.get(f"{prefix}:pkey:gen:1") is None
    assert a.pseudonym("+447700900123", "twilio") != live


def test_instances_racing_to_rotate_agree_on_one_generation(redis_url, prefix):
    client = redis.Redis.from_url(redis_url)
    stores = [store(redis_url, prefix) for _ in range(8)]

    def race():
        barrier = threading.Barrier(len(stores))
        seen = []

        def run(s):
            barrier.wait()
            current, previous = s.keys()
            seen.append((current.number, current.key, previous.number if previous else None))

        threads = [threading.Thread(target=run, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return set(seen)

    assert race() == {(1, client.get(f"{prefix}:pkey:gen:1"), None)}
    wait_for_rotation(client, prefix)
    assert race() == {(2, client.get(f"{prefix}:pkey:gen:2"), 1)}
    # No generation was made and thrown away: the counter moved once per rotation.
    assert int(client.get(f"{prefix}:pkey:counter")) == 2


def test_a_lost_key_is_replaced_not_a_crash(redis_url, prefix):
    client = redis.Redis.from_url(redis_url)
    p = Pseudonymizer(store=store(redis_url, prefix))
    before = p.pseudonym("+447700900123", "twilio")
    client.delete(f"{prefix}:pkey:gen:1")  # for example evicted under memory pressure
    after = p.pseudonym("+447700900123", "twilio")
    assert after != before and int(client.get(f"{prefix}:pkey:current")) == 2
