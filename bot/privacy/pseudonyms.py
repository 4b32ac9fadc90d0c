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
import threading
from typing import Optional

from bot.privacy.key_generation import (  # noqa: F401  (re-exported for older imports)
    DEFAULT_IDLE_SECONDS, DEFAULT_ROTATION_SECONDS, KeyGeneration,
)
from bot.privacy.key_store import MemoryKeyStore, store_from_settings
from bot.settings import settings


def _hmac(key: bytes, raw_id: str) -> str:
    digest = hmac.new(key, raw_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return digest[:32]


class Pseudonymizer:
    def __init__(self, store=None, rotation_seconds: Optional[float] = None, idle_seconds: Optional[float] = None):
        rotation = rotation_seconds or settings().key_rotation_seconds
        idle = idle_seconds or settings().idle_seconds
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

    def conversation_language(self, pseudonym: str) -> Optional[str]:
        """The language of this conversation so far (None when it is new or has expired)."""
        return self.store.language(pseudonym)

    def remember_language(self, pseudonym: str, code: str) -> None:
        """Keep the conversation's language beside its pseudonym, with the same expiry."""
        self.store.set_language(pseudonym, code)

    def state(self, pseudonym: str, name: str) -> Optional[str]:
        """A small value kept with the conversation, with its expiry (None when unset)."""
        return self.store.state(pseudonym, name)

    def set_state(self, pseudonym: str, name: str, value: Optional[str]) -> None:
        self.store.set_state(pseudonym, name, value)

    def forget(self, pseudonym: str) -> None:
        self.store.forget(pseudonym)


_default: Optional[Pseudonymizer] = None
_default_lock = threading.Lock()


def default_pseudonymizer() -> Pseudonymizer:
    """One per process; with Redis configured, the key is shared between processes."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Pseudonymizer(store=store_from_settings())
        return _default
