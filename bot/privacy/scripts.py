"""Which script a letter is written in (Latin, Arabic, Gurmukhi, Bengali, ...)."""
from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

# Unicode name prefixes -> ISO 15924 codes of the scripts we read.
_PREFIXES = (("LATIN", "Latn"), ("ARABIC", "Arab"), ("GURMUKHI", "Guru"), ("BENGALI", "Beng"))


@lru_cache(maxsize=4096)
def script_of(ch: str) -> str | None:
    """ISO 15924 code for a letter ("Latn", "Arab", ...), "Zzzz" for letters of any other
    script, None for anything that is not a letter or mark."""
    if not (ch.isalpha() or unicodedata.category(ch).startswith("M")):
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "Zzzz"
    for prefix, code in _PREFIXES:
        if name.startswith(prefix):
            return code
    if unicodedata.category(ch).startswith("M"):
        return None  # a combining mark belongs to the letter before it
    return "Zzzz"


def letter_scripts(text: str) -> Counter:
    """How many letters of each script the text has."""
    return Counter(s for s in map(script_of, text) if s)


def word_script(word: str) -> str | None:
    """The script of a word's first letter (None if it has none)."""
    for ch in word:
        s = script_of(ch)
        if s:
            return s
    return None
