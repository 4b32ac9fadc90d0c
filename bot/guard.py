"""Refuse to start Rasa with any of its defaults that would leak data left open.

* telemetry and its error reporting (Rasa enables them unless told otherwise);
* a channel that bypasses our redaction (Rasa's built-in rest, socketio, twilio, ...);
* the HTTP API, which exposes and accepts whole trackers (--enable-api);
* Rasa's own `shell` / `interactive` commands, whose cmdline channel skips our privacy layer.
Called by the launcher before anything starts, and again inside the Rasa process when our
channels are created, so `rasa run` started by hand is checked too.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable, List, Optional

import yaml

from bot.paths import CREDENTIALS_FILE

ALLOWED_CHANNELS = {"bot.channels.webchat.WebChatInput", "bot.channels.sms.TwilioSMSInput"}
FORBIDDEN_FLAGS = {"--enable-api", "--enable_api"}
FORBIDDEN_COMMANDS = {"shell", "interactive", "x"}


class UnsafeConfiguration(SystemExit):
    def __init__(self, problems: List[str]) -> None:
        self.problems = problems
        super().__init__("Safe Report refuses to start:\n  - " + "\n  - ".join(problems))


def problems_with(argv: Iterable[str], credentials_file: Optional[Path], environ=os.environ) -> List[str]:
    argv = list(argv)
    problems = []
    if str(environ.get("RASA_TELEMETRY_ENABLED", "")).lower() != "false":
        problems.append("RASA_TELEMETRY_ENABLED must be 'false' (Rasa reports usage and errors otherwise)")
    for flag in FORBIDDEN_FLAGS:
        if any(a == flag or a.startswith(flag + "=") for a in argv):
            problems.append(f"{flag} exposes whole conversations over HTTP; it is not allowed")
    commands = [a for a in argv if not a.startswith("-")][:1]
    if commands and commands[0] in FORBIDDEN_COMMANDS:
        problems.append(f"'rasa {commands[0]}' bypasses the privacy layer; use 'make shell'")
    if credentials_file is not None:
        try:
            channels = yaml.safe_load(Path(credentials_file).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            channels = None
            problems.append(f"cannot read the credentials file {credentials_file}")
        if isinstance(channels, dict):
            for name in channels:
                if name not in ALLOWED_CHANNELS:
                    problems.append(f"channel '{name}' in {Path(credentials_file).name} bypasses redaction")
        elif channels is not None:
            problems.append("the credentials file must map channel names to settings")
    return problems


def credentials_from_argv(argv: List[str]) -> Path:
    for i, a in enumerate(argv):
        if a == "--credentials" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if a.startswith("--credentials="):
            return Path(a.split("=", 1)[1])
    return Path("credentials.yml") if Path("credentials.yml").exists() else CREDENTIALS_FILE


def check(argv: List[str]) -> None:
    found = problems_with(argv, credentials_from_argv(argv))
    if found:
        raise UnsafeConfiguration(found)


def check_runtime() -> None:
    """Inside the Rasa process: check the command line it was started with."""
    check(sys.argv[1:])
