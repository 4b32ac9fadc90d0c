"""Rasa's telemetry and its error reporting become no-ops.

`rasa.telemetry.initialize_telemetry` writes ~/.config/rasa/global.yml with a tracking id even
when RASA_TELEMETRY_ENABLED=false, and `initialize_error_reporting` sets up Sentry. The guard
(bot/guard.py) also refuses to start unless RASA_TELEMETRY_ENABLED is 'false'.
"""
from __future__ import annotations

from bot.patches.versions import require

_PATCHED = False


def install() -> None:
    global _PATCHED
    if _PATCHED:
        return
    require("rasa", "telemetry")
    import rasa.telemetry

    rasa.telemetry.initialize_telemetry = lambda: False
    rasa.telemetry.initialize_error_reporting = lambda: None
    _PATCHED = True


def installed() -> bool:
    return _PATCHED
