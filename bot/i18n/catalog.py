"""The runtime lookup of an answer in the person's language.

    from bot.i18n.catalog import text
    text("utter_danger", "pl")

The translation is served when its language is enabled (SAFE_REPORT_LANGUAGES_DISABLED switches
one off), the entry is translated, reviewed or draft, not stale, and keeps every number, web
address and service name of the English exactly. Otherwise the English is served: a stale
translation may carry an outdated number or rule, and English is always correct. Right-to-left
texts get their numbers and web addresses isolated here. Everything is read once, at first use;
a lookup is a dictionary access. No machine translation happens, ever.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional, Tuple

import polib

from bot import resources
from bot.i18n import languages as registry
from bot.i18n import pofiles, review
from bot.i18n.bidi import isolate
from bot.lazy import Lazy
from bot.i18n.protected import problems
from bot.i18n.source import context_for, english_entries
from bot.paths import DOMAIN_FILE
from bot.settings import settings

logger = logging.getLogger(__name__)


def normalise_code(code: object) -> str:
    """'UR_latn ' -> 'ur-latn': how codes are compared (never shown)."""
    return str(code or "").strip().lower().replace("_", "-")


@dataclass(frozen=True)
class Catalog:
    english: Mapping[str, str]  # context -> English text
    served: Mapping[Tuple[str, str], str] = field(default_factory=dict)  # (code, context) -> text
    enabled: Mapping[str, registry.Language] = field(default_factory=dict)  # normalised code -> language

    def language(self, requested: object) -> Optional[registry.Language]:
        """The enabled language for a code ('pl', 'ur-Latn'), or None: the answer is English."""
        return self.enabled.get(normalise_code(requested))

    def direction(self, requested: object) -> str:
        language = self.language(requested)
        return language.direction if language else "ltr"

    def text(self, key: str, language: object = None, variation: int = 0) -> str:
        """The answer `key` (its `variation`-th text) in `language`, or in English."""
        context = context_for(key, variation)
        if context not in self.english:
            context = context_for(key, 0)
        if context not in self.english:
            raise KeyError(f"no response {key!r} in domain.yml")
        chosen = self.language(language)
        if chosen is not None:
            translated = self.served.get((chosen.code, context))
            if translated:
                return translated
        return self.english[context]


def _servable(language: registry.Language, po: polib.POFile, english: Mapping[str, str],
              names: Tuple[str, ...]) -> Dict[Tuple[str, str], str]:
    served = {}
    for entry in po:
        source = english.get(entry.msgctxt)
        if source is None or review.state(entry, source) not in (review.DRAFT, review.REVIEWED):
            continue
        if problems(source, entry.msgstr, names):
            # Only the key: the reasons are for the translators' check, not for the logs.
            logger.warning("i18n: %s %s fails the safety check; English is served "
                           "(scripts/translations.py check)", language.code, entry.msgctxt)
            continue
        served[(language.code, entry.msgctxt)] = isolate(entry.msgstr) if language.rtl else entry.msgstr
    return served


def _load_language(language: registry.Language, path: Path, english: Mapping[str, str],
                   names: Tuple[str, ...]) -> Dict[Tuple[str, str], str]:
    try:
        return _servable(language, pofiles.load(path), english, names)
    except Exception as exc:  # one broken file must not take the other languages down
        logger.error("i18n: %s not loaded (%s); answering in English", path.name, type(exc).__name__)
        return {}


def build(domain_file: Path, translations_dir: Optional[Path], registry_file: Optional[Path],
          disabled: Iterable[str] = (), directory_names: Iterable[str] = ()) -> Catalog:
    """Read the English, the registry and every enabled language's PO file."""
    english = {entry.context: entry.text for entry in english_entries(domain_file)}
    off = {normalise_code(code) for code in disabled}
    names = tuple(directory_names)
    known = registry.load(registry_file)
    enabled, served = {}, {}
    for language in registry.translated(known):
        if normalise_code(language.code) in off:
            continue
        enabled[normalise_code(language.code)] = language
        path = pofiles.po_path(translations_dir, language.code) if translations_dir else None
        if path is not None and path.exists():
            served.update(_load_language(language, path, english, names))
    unknown = off - {normalise_code(language.code) for language in known}
    if unknown:
        logger.warning("i18n: SAFE_REPORT_LANGUAGES_DISABLED names unknown codes %s", sorted(unknown))
    return Catalog(english, served, enabled)


def _from_settings() -> Catalog:
    data = settings().data_dir
    try:
        return build(DOMAIN_FILE, data / "translations", data / "languages.yml",
                     settings().languages_disabled, [r.name for r in resources.load()])
    except Exception as exc:  # e.g. an unreadable language list: English must still work
        logger.error("i18n: translations not loaded (%s); answering in English", type(exc).__name__)
        return Catalog({entry.context: entry.text for entry in english_entries(DOMAIN_FILE)})


_catalog: Lazy[Catalog] = Lazy(lambda: _from_settings())
catalog = _catalog.get  # the catalog of this process, read on first use
reload = _catalog.reload  # read the files and settings again (tests, or after an operator changes them)


def text(key: str, language: object = None, variation: int = 0) -> str:
    """The answer `key` in `language` if it is served, else in English (see the module doc)."""
    return catalog().text(key, language, variation)


def answered_language_names() -> list:
    """Each language the assistant answers in now, named in itself (English first)."""
    from bot.privacy.registry import languages  # the one registry of languages

    off = {normalise_code(code) for code in settings().languages_disabled}
    names = []
    for language in languages():
        if not language.answered or normalise_code(language.code) in off:
            continue
        # An Arabic-script name inside other text is isolated, so it cannot reorder its neighbours.
        names.append(f"\u2068{language.name}\u2069" if language.direction == "rtl" else language.name)
    return names


def fill(text: str) -> str:
    """Fill the placeholders the channels' texts may carry: {languages}."""
    if "{languages}" in text:
        text = text.replace("{languages}", ", ".join(answered_language_names()))
    return text
