"""Rasa and the action server, started inside our own process setup.

Before either runs: the log scrubbing factory is installed (bot.log_privacy), and for Rasa the
guard checks the command line and Rasa's telemetry start-up is replaced by a no-op, because
`initialize_telemetry` writes ~/.config/rasa/global.yml with a tracking id even when
RASA_TELEMETRY_ENABLED=false.
"""
from __future__ import annotations

import os
import sys
from typing import List


def _common_env() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("SAFE_REPORT_ACTIONS_URL", "http://localhost:5055/webhook")
    # Keras writes a default keras.json into ~/.keras on import: keep it out of the user's home.
    from bot.paths import ROOT

    os.environ.setdefault("KERAS_HOME", str(ROOT / "var" / "keras"))


def rasa_main(argv: List[str]) -> int:
    _common_env()
    from bot import guard, log_privacy

    log_privacy.install()
    if argv and argv[0] == "run":
        guard.check(argv)
    elif argv and argv[0] in guard.FORBIDDEN_COMMANDS:
        raise guard.UnsafeConfiguration([f"'rasa {argv[0]}' bypasses the privacy layer; use 'make shell'"])

    from bot import remote_action, sanic_workers

    remote_action.install()
    sanic_workers.install()
    import rasa.telemetry

    rasa.telemetry.initialize_telemetry = lambda: False
    rasa.telemetry.initialize_error_reporting = lambda: None
    import rasa.__main__

    sys.argv = ["rasa", *argv]
    rasa.__main__.main()
    return 0


def actions_main(argv: List[str]) -> int:
    _common_env()
    from bot import log_privacy

    log_privacy.install()
    from rasa_sdk.__main__ import main as sdk_main

    sys.argv = ["rasa_sdk", *argv]
    sdk_main()
    return 0
