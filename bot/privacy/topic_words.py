"""Words only one language's NLU training data uses ("denuncia", "policía", "zgłosić"): the
language detector counts them with the language's function words.

A message to this service is about the same few topics in every language, so the words people
use for them are the strongest sign of the language on a first, short message, where a trigram
detector alone takes Spanish for Italian ("si pongo una denuncia, la policía le va a dar mis
datos"). Read once from data/nlu/ (English: its top-level files; every other language: its own
folder data/nlu/<code>/). A word counts for a language if it appears there at least twice and
in no other language's data. Written as typed and without marks on Latin letters.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import yaml

from bot.nlu.fold import fold_latin
from bot.settings import settings

_WORD = re.compile(r"[^\W\d_]{3,}")
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")
MIN_COUNT = 2


def _examples(files) -> list:
    found = []
    for path in files:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and "intent" in block and block.get("intent") != "other_language":
                found += [_ANNOTATION.sub(r"\1", line[2:]) for line in str(block.get("examples") or "").splitlines()
                          if line.startswith("- ")]
    return found


@cache
def _counts() -> dict:
    root = settings().data_dir / "nlu"
    counts = {"en": Counter(w for t in _examples(sorted(root.glob("*.yml"))) for w in _WORD.findall(t.lower()))}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        counts[folder.name] = Counter(w for t in _examples(sorted(folder.glob("*.yml")))
                                      for w in _WORD.findall(t.lower()))
    return counts


@cache
def topic_words(code: str) -> frozenset:
    counts = _counts()
    mine = counts.get(code)
    if not mine:
        return frozenset()
    others = set().union(*(set(c) for other, c in counts.items() if other != code))
    words = {w for w, n in mine.items() if n >= MIN_COUNT and w not in others}
    return frozenset(words | {fold_latin(w) for w in words})
