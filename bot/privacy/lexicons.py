"""Name lists and everyday words per language, for the multilingual redactor.

Names come from the person providers of the `faker` package (data only: first and last names
per locale, read from the installed package), plus the short hand-written lists in
data/privacy/<code>.yml where Faker has no locale (Albanian, Gurmukhi) or lacks common
short forms. Everyday words (which are never a name without a cue) come from spaCy's
stop-word lists for the language (shipped inside spaCy, no model needed) and the file's
`common_words`.

Lookups go through `fold()`: lower case, accents kept but Arabic-script letter variants and
short vowels folded, so Faker's Arabic lists also find Urdu spellings (فاطمة ~ فاطمہ).
"""
from __future__ import annotations

import importlib
import re
import unicodedata
from functools import cache

from bot.privacy.registry import privacy_data

# Name parts: split on spaces and hyphens only (Python's \w would split Bengali and
# Gurmukhi words at their vowel signs, which are combining marks).
_SPLIT = re.compile(r"[\s\-\u2010.,()]+")


def _parts(name: str):
    return [p for p in _SPLIT.split(name) if any(ch.isalpha() for ch in p)]

# Arabic-script letter variants that differ between Arabic and Urdu spelling.
_ARABIC_FOLD = str.maketrans({
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ہ", "ه": "ہ", "ھ": "ہ", "ۃ": "ہ",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ۓ": "ے",
    "\u200c": None, "\u200d": None, "\u0640": None,  # ZWNJ, ZWJ, tatweel
})
_ARABIC_VOWELS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")


def fold(word: str) -> str:
    """The form names and words are compared in."""
    w = unicodedata.normalize("NFC", word).lower()
    if any("\u0600" <= ch <= "\u06ff" for ch in w):
        w = _ARABIC_VOWELS.sub("", w.translate(_ARABIC_FOLD))
    return w


def _provider_names(locale: str) -> set:
    try:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ImportError:  # a locale renamed upstream must not stop the redactor
        return set()
    out: set = set()
    for attr in dir(provider):
        if not attr.startswith(("first_name", "last_name")) or attr.endswith("_formats"):
            continue
        value = getattr(provider, attr)
        if isinstance(value, dict):  # weighted: {name: frequency}
            value = value.keys()
        if isinstance(value, str) or not hasattr(value, "__iter__"):
            continue
        for name in value:
            if isinstance(name, str):
                out.update(fold(w) for w in _parts(name))
    return out


@cache
def function_words(code: str) -> frozenset[str]:
    """spaCy's stop words for the language (folded): pronouns, particles, auxiliaries."""
    data = privacy_data(code)
    if not data.stop_words:
        return frozenset()
    try:
        module = importlib.import_module(f"spacy.lang.{data.stop_words}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(fold(w) for entry in module.STOP_WORDS for w in str(entry).split())


@cache
def everyday_words(code: str) -> frozenset[str]:
    """Stop words and common words of the language (folded)."""
    return function_words(code) | {fold(w) for w in privacy_data(code).common_words}


@cache
def all_names(code: str) -> frozenset[str]:
    """First and last names for the language (folded), everyday words included ("Drita" is
    also "light"): enough after a cue such as "jam" or "my sister"."""
    data = privacy_data(code)
    found = {fold(n) for raw in data.names for n in _parts(raw)}
    for locale in data.faker_locales:
        found |= _provider_names(locale)
    return frozenset(n for n in found if len(n) > 1)


@cache
def names(code: str) -> frozenset[str]:
    """The names that are not everyday words of the language: a name even with no cue."""
    common = everyday_words(code)
    return frozenset(n for n in all_names(code) if n not in common)


def is_name(word: str, code: str, cued: bool = False) -> bool:
    """True if the word (or the word without a case ending) is a name of the language;
    with `cued`, also names that are everyday words."""
    w = fold(word)
    lexicon = all_names(code) if cued else names(code)
    if w in lexicon:
        return True
    # "ending>replacement" (or just "ending"): Polish "kowalskiego" -> "kowalski"
    for rule in privacy_data(code).suffixes:
        ending, _, replacement = rule.partition(">")
        if w.endswith(ending) and len(w) - len(ending) >= 2:
            if w[: -len(ending)] + replacement in lexicon:
                return True
    return False


def is_everyday(word: str, code: str) -> bool:
    return fold(word) in everyday_words(code)
