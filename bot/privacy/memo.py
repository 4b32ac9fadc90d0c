"""Remember (as salted hashes, in memory, bounded) which strings are already redacted.

The channel redacts every message; the tracker store redacts again as a second line of defence.
Redacting the same text twice costs 10 ms a time, so the tracker store skips strings the channel
or an earlier save already produced. Only hashes are kept, never the text.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict

_SALT = secrets.token_bytes(16)
_MAX = 20000
_seen: "OrderedDict[bytes, None]" = OrderedDict()
_lock = threading.Lock()


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), key=_SALT, digest_size=16).digest()


def mark_clean(text: str) -> None:
    d = _digest(text)
    with _lock:
        _seen[d] = None
        _seen.move_to_end(d)
        while len(_seen) > _MAX:
            _seen.popitem(last=False)


def is_clean(text: str) -> bool:
    with _lock:
        return _digest(text) in _seen
