"""Where the pseudonym key and the state of active conversations live: this process's memory,
or Redis when scaled out (bot/privacy/redis_key_store.py).

Beside each active pseudonym the store keeps the conversation's language (a code of
data/languages.yml, or "other"), with the same expiry: the channel needs it before it can
redact a short message ("tak" continues a Polish conversation). Nothing else is kept, and
neither the pseudonym nor the language is ever logged.
"""
from __future__ import annotations

import secrets
import threading
import time
from typing import Dict, Optional, Tuple

from bot.privacy.key_generation import KeyGeneration
from bot.settings import settings

MAX_ENTRIES = 10000  # above this, idle entries are dropped on the next touch


class MemoryKeyStore:
    """Keys, active pseudonyms and their conversations' languages, in this process only."""

    def __init__(self, rotation_seconds: float, idle_seconds: float, clock=time.monotonic):
        self.rotation_seconds = rotation_seconds
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._current = KeyGeneration(1, secrets.token_bytes(32), clock())
        self._previous: Optional[KeyGeneration] = None
        self._active: Dict[str, float] = {}  # pseudonym -> last seen (monotonic)
        self._languages: Dict[str, str] = {}  # pseudonym -> conversation language
        self._states: Dict[str, Dict[str, str]] = {}  # pseudonym -> {field: value} (see state())

    def keys(self) -> Tuple[KeyGeneration, Optional[KeyGeneration]]:
        with self._lock:
            now = self._clock()
            if now - self._current.created >= self.rotation_seconds:
                self._previous = self._current
                self._current = KeyGeneration(self._current.number + 1, secrets.token_bytes(32), now)
            if self._previous and now - self._current.created >= self.idle_seconds:
                self._previous = None  # the grace window is over: the old key is gone for good
            return self._current, self._previous

    def _alive(self, pseudonym: str) -> bool:
        seen = self._active.get(pseudonym)
        return seen is not None and self._clock() - seen < self.idle_seconds

    def is_active(self, pseudonym: str) -> bool:
        with self._lock:
            return self._alive(pseudonym)

    def touch(self, pseudonym: str) -> None:
        with self._lock:
            now = self._clock()
            self._active[pseudonym] = now
            if len(self._active) > MAX_ENTRIES:  # drop idle entries now and then
                self._active = {p: t for p, t in self._active.items() if now - t < self.idle_seconds}
                self._languages = {p: c for p, c in self._languages.items() if p in self._active}
                self._states = {p: s for p, s in self._states.items() if p in self._active}

    def language(self, pseudonym: str) -> Optional[str]:
        with self._lock:
            return self._languages.get(pseudonym) if self._alive(pseudonym) else None

    def set_language(self, pseudonym: str, code: str) -> None:
        with self._lock:
            self._languages[pseudonym] = code

    def state(self, pseudonym: str, name: str) -> Optional[str]:
        """A small value the channel keeps with the conversation (its chosen language, the SMS
        answer still to send), expiring with it."""
        with self._lock:
            return self._states.get(pseudonym, {}).get(name) if self._alive(pseudonym) else None

    def set_state(self, pseudonym: str, name: str, value: Optional[str]) -> None:
        with self._lock:
            values = self._states.setdefault(pseudonym, {})
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value

    def forget(self, pseudonym: str) -> None:
        with self._lock:
            self._active.pop(pseudonym, None)
            self._languages.pop(pseudonym, None)
            self._states.pop(pseudonym, None)


def store_from_settings():
    """The memory store, or the Redis one when SAFE_REPORT_REDIS_URL is set."""
    s = settings()
    if s.redis_url:
        from bot.privacy.redis_key_store import RedisKeyStore

        return RedisKeyStore(s.redis_url, s.key_rotation_seconds, s.idle_seconds)
    return MemoryKeyStore(s.key_rotation_seconds, s.idle_seconds)

