"""Every setting an operator can change, read from the environment once per process.

    from bot.settings import settings
    settings().idle_seconds

docs/deployment.md lists the same variables (tests/test_settings.py keeps the two in step).
Tests that change a variable call `reload()` afterwards. The Twilio auth token is a secret: it
is kept out of repr() so that no log line or traceback can show it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Mapping, Optional, Tuple

from bot.lazy import Lazy

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    root: Path = field(metadata={"env": "SAFE_REPORT_ROOT"})
    host: str = field(metadata={"env": "SAFE_REPORT_HOST"})
    port: int = field(metadata={"env": "SAFE_REPORT_PORT"})
    actions_port: int = field(metadata={"env": "SAFE_REPORT_ACTIONS_PORT"})
    actions_url: str = field(metadata={"env": "SAFE_REPORT_ACTIONS_URL"})
    idle_seconds: float = field(metadata={"env": "SAFE_REPORT_IDLE_SECONDS"})
    key_rotation_seconds: float = field(metadata={"env": "SAFE_REPORT_KEY_ROTATION_SECONDS"})
    redis_url: Optional[str] = field(metadata={"env": "SAFE_REPORT_REDIS_URL"})
    redis_port: int = field(metadata={"env": "SAFE_REPORT_REDIS_PORT"})
    max_message_chars: int = field(metadata={"env": "SAFE_REPORT_MAX_MESSAGE_CHARS"})
    rate_per_conversation: int = field(metadata={"env": "SAFE_REPORT_RATE_PER_CONVERSATION"})
    rate_per_address: int = field(metadata={"env": "SAFE_REPORT_RATE_PER_ADDRESS"})
    sms_replay_ttl_seconds: float = field(metadata={"env": "SAFE_REPORT_SMS_REPLAY_TTL_SECONDS"})
    public_url: Optional[str] = field(metadata={"env": "SAFE_REPORT_PUBLIC_URL"})
    twilio_auth_token: str = field(repr=False, metadata={"env": "TWILIO_AUTH_TOKEN"})
    themes_db: Path = field(metadata={"env": "SAFE_REPORT_THEMES_DB"})
    themes_flush_seconds: float = field(metadata={"env": "SAFE_REPORT_THEMES_FLUSH_SECONDS"})
    telemetry_enabled: str = field(metadata={"env": "RASA_TELEMETRY_ENABLED"})
    languages_disabled: Tuple[str, ...] = field(metadata={"env": "SAFE_REPORT_LANGUAGES_DISABLED"})

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def var_dir(self) -> Path:
        return self.root / "var"


# Defaults: what `make run` uses on one machine with nothing configured.
DEFAULTS = {
    "SAFE_REPORT_HOST": "127.0.0.1",
    "SAFE_REPORT_PORT": "5005",
    "SAFE_REPORT_ACTIONS_PORT": "5055",
    "SAFE_REPORT_ACTIONS_URL": "http://localhost:5055/webhook",
    "SAFE_REPORT_IDLE_SECONDS": "1800",
    "SAFE_REPORT_KEY_ROTATION_SECONDS": "86400",
    "SAFE_REPORT_REDIS_PORT": "6379",
    "SAFE_REPORT_MAX_MESSAGE_CHARS": "2000",
    "SAFE_REPORT_RATE_PER_CONVERSATION": "20",
    "SAFE_REPORT_RATE_PER_ADDRESS": "600",
    "SAFE_REPORT_SMS_REPLAY_TTL_SECONDS": "3600",
    "SAFE_REPORT_THEMES_FLUSH_SECONDS": "900",
    "RASA_TELEMETRY_ENABLED": "false",
}


def env_names() -> "list[str]":
    """Every environment variable a setting is read from (docs/deployment.md lists them)."""
    return [f.metadata["env"] for f in fields(Settings)]


def from_environment(environ: Mapping[str, str] = os.environ) -> Settings:
    def get(name: str) -> Optional[str]:
        value = environ.get(name)
        return value if value not in (None, "") else DEFAULTS.get(name)

    root = Path(get("SAFE_REPORT_ROOT") or _PACKAGE_ROOT)
    themes_db = get("SAFE_REPORT_THEMES_DB")
    return Settings(
        root=root,
        host=get("SAFE_REPORT_HOST"),
        port=int(get("SAFE_REPORT_PORT")),
        actions_port=int(get("SAFE_REPORT_ACTIONS_PORT")),
        actions_url=get("SAFE_REPORT_ACTIONS_URL"),
        idle_seconds=float(get("SAFE_REPORT_IDLE_SECONDS")),
        key_rotation_seconds=float(get("SAFE_REPORT_KEY_ROTATION_SECONDS")),
        redis_url=get("SAFE_REPORT_REDIS_URL"),
        redis_port=int(get("SAFE_REPORT_REDIS_PORT")),
        max_message_chars=int(get("SAFE_REPORT_MAX_MESSAGE_CHARS")),
        rate_per_conversation=int(get("SAFE_REPORT_RATE_PER_CONVERSATION")),
        rate_per_address=int(get("SAFE_REPORT_RATE_PER_ADDRESS")),
        sms_replay_ttl_seconds=float(get("SAFE_REPORT_SMS_REPLAY_TTL_SECONDS")),
        public_url=get("SAFE_REPORT_PUBLIC_URL"),
        twilio_auth_token=get("TWILIO_AUTH_TOKEN") or "",
        themes_db=Path(themes_db) if themes_db else root / "var" / "themes.db",
        themes_flush_seconds=float(get("SAFE_REPORT_THEMES_FLUSH_SECONDS")),
        telemetry_enabled=str(get("RASA_TELEMETRY_ENABLED")).lower(),
        languages_disabled=tuple(
            c.strip() for c in (get("SAFE_REPORT_LANGUAGES_DISABLED") or "").split(",") if c.strip()),
    )


_settings: Lazy[Settings] = Lazy(lambda: from_environment())
settings = _settings.get  # the settings of this process, read on first use
reload = _settings.reload  # read the environment again (tests that change a variable call this)
