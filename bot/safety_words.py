"""Each language's deterministic safety words: data/safety/<code>.yml (see data/safety/README.md).

Read once per process. A broken file or pattern never takes the safety net down: it is skipped
with a logged error (its name only), and every other language keeps working; the tests fail on it.
"""
from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Optional, Tuple

import yaml

from bot.settings import settings

logger = logging.getLogger(__name__)

# Words an SMS provider acts on (opt-out, help, opt-in): never one of our keywords.
CARRIER_WORDS = frozenset({"stop", "stopall", "end", "cancel", "quit", "unsubscribe", "help", "info",
                           "start", "unstop", "yes", "revoke", "optout", "opt out", "stop all"})


# Arabic-script short vowels, the dagger alif and the stretching tatweel: optional marks people
# add or leave out ("النَّجدة" is "النجدة"), so the patterns never depend on them.
_OPTIONAL_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def normalise(text: str) -> str:
    """NFKC, curly apostrophe as straight, optional Arabic-script marks dropped, whitespace
    collapsed: what every pattern sees."""
    text = _OPTIONAL_MARKS.sub("", unicodedata.normalize("NFKC", text).replace("\u2019", "'"))
    return " ".join(text.split())


def command_form(text: str) -> str:
    """How a whole-message keyword is compared: normalised, lower case, no punctuation at the ends."""
    return re.sub(r"^[\W_]+|[\W_]+$", "", normalise(text).casefold())


@dataclass(frozen=True)
class SafetyWords:
    code: str
    danger: Optional["re.Pattern[str]"] = None
    help_only: FrozenSet[str] = frozenset()
    forget: FrozenSet[str] = frozenset()
    more: FrozenSet[str] = frozenset()
    lock_screen_words: Tuple[str, ...] = ()

    def is_danger(self, text: str) -> bool:
        """`text` is already normalised."""
        return bool((self.danger and self.danger.search(text)) or command_form(text) in self.help_only)


def _compiled(code: str, patterns: list) -> Optional["re.Pattern[str]"]:
    good = []
    for index, pattern in enumerate(patterns):
        try:
            re.compile(str(pattern))
            good.append(f"(?:{pattern})")
        except re.error:
            logger.error("safety: pattern %d of data/safety/%s.yml does not compile; skipped", index, code)
    return re.compile("|".join(good), re.IGNORECASE) if good else None


def _words(raw: dict, key: str) -> FrozenSet[str]:
    return frozenset(command_form(str(w)) for w in raw.get(key) or () if command_form(str(w)))


def load(code: str, path: Path) -> SafetyWords:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return SafetyWords(code=code, danger=_compiled(code, list(raw.get("danger") or ())),
                       help_only=_words(raw, "help_only"), forget=_words(raw, "forget") - CARRIER_WORDS,
                       more=_words(raw, "more") - CARRIER_WORDS,
                       lock_screen_words=tuple(str(w).casefold() for w in raw.get("lock_screen_words") or ()))


@functools.lru_cache(maxsize=1)
def all_languages() -> Tuple[SafetyWords, ...]:
    """Every language that has a data/safety file, in data/languages.yml order."""
    from bot.privacy.registry import codes

    folder = settings().data_dir / "safety"
    found = []
    for code in codes():
        path = folder / f"{code}.yml"
        if not path.exists():
            continue
        try:
            found.append(load(code, path))
        except Exception as exc:  # one broken file must not take the others down
            logger.error("safety: data/safety/%s.yml not loaded (%s)", code, type(exc).__name__)
    return tuple(found)
