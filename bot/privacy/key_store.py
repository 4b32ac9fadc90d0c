"""Choose where the pseudonym key lives: this process's memory, or Redis when scaled out."""
from __future__ import annotations

import os

from bot.privacy.pseudonyms import DEFAULT_IDLE_SECONDS, DEFAULT_ROTATION_SECONDS, MemoryKeyStore


def store_from_environment():
    rotation = float(os.environ.get("SAFE_REPORT_KEY_ROTATION_SECONDS", DEFAULT_ROTATION_SECONDS))
    idle = float(os.environ.get("SAFE_REPORT_IDLE_SECONDS", DEFAULT_IDLE_SECONDS))
    redis_url = os.environ.get("SAFE_REPORT_REDIS_URL")
    if redis_url:
        from bot.privacy.redis_key_store import RedisKeyStore

        return RedisKeyStore(redis_url, rotation, idle)
    return MemoryKeyStore(rotation, idle)
