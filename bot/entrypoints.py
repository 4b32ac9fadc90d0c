"""The two server processes, `python -m bot rasa ...` and `python -m bot actions ...`, started
inside our own process setup.

Before either runs, the log scrubbing factory is installed (bot.log_privacy). For Rasa, the
guard checks the command line and the run-time patches (bot.patches) are installed. The same
protections are applied again when our channels are created, so a plain `rasa run` on our
credentials is protected too (bot/channels/base.py); starting here only applies them earlier.
"""
from __future__ import annotations

import os
import sys
from typing import List

from bot.settings import settings


def _common_env() -> None:
    # Variables that libraries read themselves; ours come from bot.settings.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    os.environ.setdefault("SAFE_REPORT_ACTIONS_URL", settings().actions_url)
    # Keras writes a default keras.json into ~/.keras on import: keep it out of the user's home.
    os.environ.setdefault("KERAS_HOME", str(settings().var_dir / "keras"))


def rasa_main(argv: List[str]) -> int:
    _common_env()
    from bot import guard, log_privacy, patches

    log_privacy.install()
    if argv and argv[0] == "run":
        guard.check(argv)
    elif argv and argv[0] in guard.FORBIDDEN_COMMANDS:
        raise guard.UnsafeConfiguration([f"'rasa {argv[0]}' bypasses the privacy layer; use 'make shell'"])
    patches.install()
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
