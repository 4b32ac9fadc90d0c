"""The supported languages (data/languages.yml) and their privacy data (data/privacy/<code>.yml).

One loader for both, read once per process. Everything else asks here:

    from bot.privacy.registry import codes, language, privacy_data
    codes()                  -> ("en", "pl", ..., "vi")
    language("ur").direction -> "rtl"
    privacy_data("pl").kinship -> ("mój mąż", ...)
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache, lru_cache
from pathlib import Path

import yaml

from bot.settings import settings

OTHER = "other"  # the code of every language we do not support


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    english: str
    script: str
    direction: str
    gsm7: bool
    sms_words: tuple[str, ...]
    detector: str | None
    privacy: str
    # The NLU understands it and every answer exists in it (issue 14): until then its messages
    # are redacted and counted, but Rasa gets [OTHER_LANGUAGE] and answers with the fallback.
    answered: bool = False


@dataclass(frozen=True)
class PrivacyData:
    """What the redactor knows about one language (see data/privacy/README.md)."""

    code: str
    name_cues: tuple[str, ...] = ()
    intro_cues: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()
    kinship: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    after_name: tuple[str, ...] = ()
    street_before: tuple[str, ...] = ()
    street_after: tuple[str, ...] = ()
    numbered_places: tuple[str, ...] = ()
    number_words: tuple[str, ...] = ()
    faker_locales: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    common_words: tuple[str, ...] = ()
    stop_words: str | None = None
    suffixes: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    detect_words: tuple[str, ...] = ()


def _root() -> Path:
    return settings().root


@lru_cache(maxsize=1)
def _registry() -> dict:
    path = _root() / "data" / "languages.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("languages"), list):
        raise ValueError("data/languages.yml: a 'languages' list is required")
    return data


@lru_cache(maxsize=1)
def languages() -> tuple[Language, ...]:
    """Every supported language, in file order (English first)."""
    out = []
    for raw in _registry()["languages"]:
        out.append(Language(
            code=str(raw["code"]), name=str(raw["name"]), english=str(raw["english"]),
            script=str(raw["script"]), direction=str(raw["direction"]), gsm7=bool(raw["gsm7"]),
            sms_words=tuple(str(w) for w in raw.get("sms_words") or ()),
            detector=raw.get("detector"), privacy=str(raw["privacy"]),
            answered=bool(raw.get("answered", False))))
    seen = [lang.code for lang in out]
    if len(seen) != len(set(seen)) or OTHER in seen:
        raise ValueError("data/languages.yml: duplicate or reserved language code")
    return tuple(out)


def codes() -> tuple[str, ...]:
    return tuple(lang.code for lang in languages())


def language(code: str) -> Language:
    for lang in languages():
        if lang.code == code:
            return lang
    raise KeyError(code)


def decoys() -> tuple[str, ...]:
    """Detector languages we do not support, listed so they are not read as ours."""
    return tuple(str(d) for d in _registry().get("decoys") or ())


@cache
def privacy_data(code: str) -> PrivacyData:
    raw = yaml.safe_load((_root() / language(code).privacy).read_text(encoding="utf-8")) or {}
    values: dict[str, object] = {"code": code}
    for f in fields(PrivacyData):
        if f.name == "code" or f.name not in raw:
            continue
        value = raw[f.name]
        if f.name == "stop_words":
            values[f.name] = str(value) if value else None
        elif f.name == "faker_locales":
            values[f.name] = tuple(str(v) for v in (value or ()))
        else:
            values[f.name] = tuple(str(v).lower() for v in (value or ()))
    return PrivacyData(**values)


def all_privacy_data() -> tuple[PrivacyData, ...]:
    return tuple(privacy_data(code) for code in codes())


def is_answered(code: str) -> bool:
    """True if the assistant can understand and answer this language (not only redact it)."""
    try:
        return language(code).answered
    except KeyError:
        return False
