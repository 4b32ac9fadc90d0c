"""The pseudonym key shared between Rasa instances and Sanic workers through Redis.

Keys never touch disk (Redis runs with persistence off: see docs/deployment.md) and expire:
  <prefix>:pkey:current      generation number of the current key, expires after `rotation`
  <prefix>:pkey:gen:<n>      the key itself, expires `rotation + idle` after it was made, so the
                             previous key stays usable for one idle window after a rotation
  <prefix>:active:<pseudonym>  marks a conversation active, expires after `idle`
A short in-process cache saves a round trip per message.
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Optional, Tuple

from bot.privacy.pseudonyms import KeyGeneration

CACHE_SECONDS = 1.0


class RedisKeyStore:
    def __init__(self, url: str, rotation_seconds: float, idle_seconds: float, prefix: str = "safereport", client=None):
        import redis

        self.red = client or redis.Redis.from_url(url, socket_timeout=5)
        self.rotation = max(1, int(rotation_seconds))
        self.idle = max(1, int(idle_seconds))
        self.prefix = prefix
        self._lock = threading.Lock()
        self._cached: Optional[Tuple[float, KeyGeneration, Optional[KeyGeneration]]] = None

    def _k(self, *parts: str) -> str:
        return ":".join([self.prefix, *parts])

    def _generation(self, number: int) -> Optional[KeyGeneration]:
        key = self.red.get(self._k("pkey", "gen", str(number)))
        return KeyGeneration(number, key, 0.0) if key else None

    def _rotate(self) -> int:
        number = int(self.red.incr(self._k("pkey", "counter")))
        self.red.set(self._k("pkey", "gen", str(number)), secrets.token_bytes(32), ex=self.rotation + self.idle, nx=True)
        if self.red.set(self._k("pkey", "current"), number, ex=self.rotation, nx=True):
            return number
        # Another instance rotated at the same moment: use its generation.
        self.red.delete(self._k("pkey", "gen", str(number)))
        return int(self.red.get(self._k("pkey", "current")))

    def keys(self) -> "tuple[KeyGeneration, Optional[KeyGeneration]]":
        with self._lock:
            now = time.monotonic()
            if self._cached and now - self._cached[0] < CACHE_SECONDS:
                return self._cached[1], self._cached[2]
            current_number = self.red.get(self._k("pkey", "current"))
            current = self._generation(int(current_number)) if current_number else None
            if current is None:
                current = self._generation(self._rotate())
            previous = self._generation(current.number - 1) if current.number > 1 else None
            self._cached = (now, current, previous)
            return current, previous

    def is_active(self, pseudonym: str) -> bool:
        return bool(self.red.exists(self._k("active", pseudonym)))

    def touch(self, pseudonym: str) -> None:
        self.red.set(self._k("active", pseudonym), 1, ex=self.idle)

    def forget(self, pseudonym: str) -> None:
        self.red.delete(self._k("active", pseudonym))
