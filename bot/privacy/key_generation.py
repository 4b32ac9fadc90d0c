"""One generation of the pseudonym key (shared by the memory and Redis key stores)."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ROTATION_SECONDS = 24 * 3600
DEFAULT_IDLE_SECONDS = 30 * 60


@dataclass(frozen=True)
class KeyGeneration:
    number: int
    key: bytes
    created: float
