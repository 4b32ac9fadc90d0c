"""The form of a message the rules read, and the way back to the original's offsets.

People (and people hiding from filters) write numbers in their own digits, put right-to-left
marks and zero-width joiners inside words, and mix look-alike letters from other alphabets
into a Latin name ("Аgnieszka" with a Cyrillic А). The rules read a cleaned copy:
- invisible characters (zero-width space/joiners, direction marks and embeddings, word
  joiner, BOM, soft hyphen) are left out;
- native digits become ASCII (bot/privacy/digits.py);
- in a word that mixes Latin letters with Cyrillic or Greek look-alikes, those become Latin.
Findings on the copy are mapped back to the original, invisible characters included, so a
placeholder covers everything in between and nothing of the name survives.
"""
from __future__ import annotations

import re
from typing import List, Tuple

from bot.privacy.digits import to_ascii
from bot.privacy.scripts import script_of

INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
# Cyrillic and Greek letters that look like Latin ones.
_HOMOGLYPHS = str.maketrans(
    "АВЕКМНОРСТХЅІЈаеорсухѕіјԁһԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαικνορτυχ",
    "ABEKMHOPCTXSIJaeopcyxsijdhqwABEZHIKMNOPTYXaikvoptux")
_WORD = re.compile(r"\S+")


def _fold_mixed_words(text: str) -> str:
    """Look-alikes become Latin only inside words that also have Latin letters."""
    out = list(text)
    for m in _WORD.finditer(text):
        scripts = {script_of(ch) for ch in m.group()} - {None}
        if "Latn" in scripts and len(scripts) > 1:
            folded = m.group().translate(_HOMOGLYPHS)
            out[m.start():m.end()] = folded
    return "".join(out)


def for_analysis(text: str) -> Tuple[str, List[int]]:
    """(cleaned text, offsets): offsets[i] is where cleaned character i was in `text`;
    offsets[len(cleaned)] == len(text)."""
    kept = [i for i, ch in enumerate(text) if ch not in INVISIBLE]
    cleaned = "".join(text[i] for i in kept)
    cleaned = _fold_mixed_words(to_ascii(cleaned))
    return cleaned, kept + [len(text)]


def to_original(offsets: List[int], start: int, end: int) -> Tuple[int, int]:
    """A span of the cleaned text -> the span of the original it came from."""
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1
