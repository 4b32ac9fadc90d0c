"""Splits a message into clauses, deterministically, to find a second question in it.

People write one long message with several worries: "my husband hits me, can i report him
without a visa". Sentence ends, semicolons, commas and a few joining words ("and", "but",
"also", "plus") separate the worries well enough; a clause of fewer than MIN_WORDS words
("and", "help", "in wales") rarely carries a topic and is dropped.

The clause components (bot/nlu/clause_components.py) featurize and classify each clause at
parse time and leave their results in the message under the keys below, never in its output.
"""
from __future__ import annotations

import re

MIN_WORDS = 3
# Sentence ends and line breaks; commas; joining words between two word characters.
_BREAK = re.compile(r"[.?!;:\n]+|,|\s(?:and|but|also|plus|n)\s", re.IGNORECASE)

# Message keys (internal: not added to the parse result, so never stored or logged).
CLAUSE_SPARSE = "clause_sparse_features"
CLAUSE_DENSE = "clause_dense_features"
CLAUSE_INTENTS = "clause_intents"


def clause_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of `text` with at least MIN_WORDS words, in order."""
    text = text or ""
    spans, position = [], 0
    for end, next_position in [(m.start(), m.end()) for m in _BREAK.finditer(text)] + [(len(text), None)]:
        piece = text[position:end]
        stripped = piece.strip()
        if len(stripped.split()) >= MIN_WORDS:
            start = position + len(piece) - len(piece.lstrip())
            spans.append((start, start + len(stripped)))
        position = next_position
    return spans


def clauses(text: str) -> list[str]:
    """The clauses of `text` with at least MIN_WORDS words, in order."""
    return [text[start:end] for start, end in clause_spans(text)]
