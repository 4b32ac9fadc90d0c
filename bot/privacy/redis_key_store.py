"""The pseudonym key shared between Rasa instances and Sanic workers through Redis.

Keys never touch disk (Redis runs with persistence off: see docs/deployment.md) and expire:
  <prefix>:pkey:current      generation number of the current key, expires after `rotation`
  <prefix>:pkey:gen:<n>      the key itself, expires `rotation + idle` after it was made, so the
                             previous key stays usable for one idle window after a rotation
  <prefix>:active:<pseudonym>  marks a conversation active, expires after `idle`
  <prefix>:lang:<pseudonym>    the conversation's language code, same expiry (renewed together)
  <prefix>:conv:<pseudonym>    a hash of small values the channel keeps with the conversation
                               (chosen language, SMS text still to send), same expiry
A short in-process cache saves a round trip per message.
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Optional, Tuple

from bot.privacy.key_generation import KeyGeneration

CACHE_SECONDS = 1.0

# One atomic step, so instances that find the key expired at the same moment agree on one new
# generation, and generation numbers have no gaps (the previous key is always number - 1).
# KEYS: current, counter. ARGV: generation key prefix, a fresh key, rotation and idle seconds.
# Returns {number, key, previous key or nil}, rotating first when the current generation, or
# its key, is gone. The generation key is built here, so this needs one Redis, not a cluster.
KEYS_SCRIPT = """
local n = tonumber(redis.call('GET', KEYS[1]))
local key = n and redis.call('GET', ARGV[1] .. n)
if not key then
  n = redis.call('INCR', KEYS[2])
  key = ARGV[2]
  redis.call('SET', ARGV[1] .. n, key, 'EX', tonumber(ARGV[3]) + tonumber(ARGV[4]))
  redis.call('SET', KEYS[1], n, 'EX', tonumber(ARGV[3]))
end
return {n, key, redis.call('GET', ARGV[1] .. (n - 1))}
"""


class RedisKeyStore:
    def __init__(self, url: str, rotation_seconds: float, idle_seconds: float, prefix: str = "safereport",
                 client=None, cache_seconds: float = CACHE_SECONDS):
        import redis

        self.red = client or redis.Redis.from_url(url, socket_timeout=5)
        self.rotation = max(1, int(rotation_seconds))
        self.idle = max(1, int(idle_seconds))
        self.prefix = prefix
        self.cache_seconds = cache_seconds
        self._keys_script = self.red.register_script(KEYS_SCRIPT)
        self._lock = threading.Lock()
        self._cached: Optional[Tuple[float, KeyGeneration, Optional[KeyGeneration]]] = None

    def _k(self, *parts: str) -> str:
        return ":".join([self.prefix, *parts])

    def keys(self) -> "tuple[KeyGeneration, Optional[KeyGeneration]]":
        with self._lock:
            now = time.monotonic()
            if self._cached and now - self._cached[0] < self.cache_seconds:
                return self._cached[1], self._cached[2]
            number, key, previous_key = self._keys_script(
                keys=[self._k("pkey", "current"), self._k("pkey", "counter")],
                args=[self._k("pkey", "gen", ""), secrets.token_bytes(32), self.rotation, self.idle],
            )
            current = KeyGeneration(int(number), key, 0.0)
            previous = KeyGeneration(current.number - 1, previous_key, 0.0) if previous_key else None
            self._cached = (now, current, previous)
            return current, previous

    def is_active(self, pseudonym: str) -> bool:
        return bool(self.red.exists(self._k("active", pseudonym)))

    def touch(self, pseudonym: str) -> None:
        pipe = self.red.pipeline(transaction=False)
        pipe.set(self._k("active", pseudonym), 1, ex=self.idle)
        pipe.expire(self._k("lang", pseudonym), self.idle)
        pipe.expire(self._k("conv", pseudonym), self.idle)
        pipe.execute()

    def language(self, pseudonym: str) -> Optional[str]:
        value = self.red.get(self._k("lang", pseudonym))
        return value.decode("ascii", "replace") if value else None

    def set_language(self, pseudonym: str, code: str) -> None:
        self.red.set(self._k("lang", pseudonym), code, ex=self.idle)

    def state(self, pseudonym: str, name: str) -> Optional[str]:
        value = self.red.hget(self._k("conv", pseudonym), name)
        return value.decode("utf-8", "replace") if value else None

    def set_state(self, pseudonym: str, name: str, value: Optional[str]) -> None:
        key = self._k("conv", pseudonym)
        pipe = self.red.pipeline(transaction=False)
        if value is None:
            pipe.hdel(key, name)
        else:
            pipe.hset(key, name, value.encode("utf-8"))
        pipe.expire(key, self.idle)
        pipe.execute()

    def forget(self, pseudonym: str) -> None:
        self.red.delete(self._k("active", pseudonym), self._k("lang", pseudonym), self._k("conv", pseudonym))
