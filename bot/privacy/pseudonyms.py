"""Keyed pseudonyms for senders: a phone number or browser id never reaches Rasa.

pseudonym = HMAC-SHA256(key, raw id). The key is random, lives only in memory (or, when scaled
out, in Redis with an expiry: see bot/privacy/key_store.py), and rotates, so a pseudonym cannot be
recomputed later from a phone number, nor linked across rotations. After a rotation the previous
key stays usable for one idle window, but only for conversations still active under it, so a
rotation does not cut a person off mid-conversation.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Dict, Optional

DEFAULT_ROTATION_SECONDS = 24 * 3600
DEFAULT_IDLE_SECONDS = 30 * 60


@dataclass(frozen=True)
class KeyGeneration:
    number: int
    key: bytes
    created: float


class MemoryKeyStore:
    """Keys and the set of active pseudonyms, held in this process only."""

    def __init__(self, rotation_seconds: float, idle_seconds: float, clock=time.monotonic):
        self.rotation_seconds = rotation_seconds
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._current = KeyGeneration(1, secrets.token_bytes(32), clock())
        self._previous: Optional[KeyGeneration] = None
        self._active: Dict[str, float] = {}  # pseudonym -> last seen (monotonic)

    def keys(self) -> "tuple[KeyGeneration, Optional[KeyGeneration]]":
        with self._lock:
            now = self._clock()
            if now - self._current.created >= self.rotation_seconds:
                self._previous = self._current
                self._current = KeyGeneration(self._current.number + 1, secrets.token_bytes(32), now)
            if self._previous and now - self._current.created >= self.idle_seconds:
                self._previous = None  # the grace window is over: the old key is gone for good
            return self._current, self._previous

    def is_active(self, pseudonym: str) -> bool:
        with self._lock:
            seen = self._active.get(pseudonym)
            return seen is not None and self._clock() - seen < self.idle_seconds

    def touch(self, pseudonym: str) -> None:
        with self._lock:
            now = self._clock()
            self._active[pseudonym] = now
            if len(self._active) > 10000:  # drop idle entries now and then
                self._active = {p: t for p, t in self._active.items() if now - t < self.idle_seconds}

    def forget(self, pseudonym: str) -> None:
        with self._lock:
            self._active.pop(pseudonym, None)


def _hmac(key: bytes, raw_id: str) -> str:
    digest = hmac.new(key, raw_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return digest[:32]


class Pseudonymizer:
    def __init__(self, store=None, rotation_seconds: Optional[float] = None, idle_seconds: Optional[float] = None):
        rotation = rotation_seconds or float(os.environ.get("SAFE_REPORT_KEY_ROTATION_SECONDS", DEFAULT_ROTATION_SECONDS))
        idle = idle_seconds or float(os.environ.get("SAFE_REPORT_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
        self.store = store or MemoryKeyStore(rotation, idle)

    def pseudonym(self, raw_id: str, channel_kind: str) -> str:
        """The conversation key for a raw sender id on a channel."""
        raw = f"{channel_kind}:{raw_id}"
        current, previous = self.store.keys()
        if previous is not None:
            old = f"{channel_kind}-{_hmac(previous.key, raw)}"
            if self.store.is_active(old):
                self.store.touch(old)
                return old
        new = f"{channel_kind}-{_hmac(current.key, raw)}"
        self.store.touch(new)
        return new

    def is_known(self, raw_id: str, channel_kind: str) -> bool:
        """True if this sender has an active conversation (under the current or previous key)."""
        raw = f"{channel_kind}:{raw_id}"
        current, previous = self.store.keys()
        return any(
            self.store.is_active(f"{channel_kind}-{_hmac(k.key, raw)}") for k in (current, previous) if k is not None
        )

    def forget(self, pseudonym: str) -> None:
        self.store.forget(pseudonym)


_default: Optional[Pseudonymizer] = None
_default_lock = threading.Lock()


def default_pseudonymizer() -> Pseudonymizer:
    """One per process; with Redis configured, the key is shared between processes."""
    global _default
    with _default_lock:
        if _default is None:
            from bot.privacy.key_store import store_from_environment

            _default = Pseudonymizer(store=store_from_environment())
        return _default
