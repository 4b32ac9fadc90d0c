"""Splits a message into clauses, deterministically, to find a second question in it.

People write one long message with several worries: "my husband hits me, can i report him
without a visa". Sentence ends, semicolons, commas and a few joining words ("and", "but",
"also", "plus") separate the worries well enough; a clause of fewer than MIN_WORDS words
("and", "help", "in wales") rarely carries a topic and is dropped.
"""
from __future__ import annotations

import re

MIN_WORDS = 3
# Sentence ends and line breaks; commas; joining words between two word characters.
_BREAK = re.compile(r"[.?!;:\n]+|,|\s(?:and|but|also|plus|n)\s", re.IGNORECASE)


def clauses(text: str) -> list[str]:
    """The clauses of `text` with at least MIN_WORDS words, in order."""
    parts = (part.strip() for part in _BREAK.split(text or ""))
    return [part for part in parts if len(part.split()) >= MIN_WORDS]
