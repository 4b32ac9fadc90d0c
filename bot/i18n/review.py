"""Review status and staleness of one translation entry.

Status lives in the translator comment ("# " lines), because every tool keeps those: GNU
msgmerge and msgcat drop unknown flags such as `#, draft`, while Poedit, Lokalize and Weblate
show and keep translator comments. The lines are

    # status: draft; drafted-by: <role>
    # status: reviewed; reviewed-by: <role>; reviewed-on: YYYY-MM-DD

A translated entry without a status line is a draft. Drafts are served.

Stale means the English changed after the entry was translated. It is gettext's own mark:
`#, fuzzy` with the old English kept as `#| msgid "..."`, which translators' tools show as
"needs work" with a diff, and which msgfmt (like our catalog) does not serve. An entry whose
msgid no longer matches domain.yml, because nobody has run `update` yet, is stale too.
"""
from __future__ import annotations

import datetime
import re
from typing import Dict, List, Optional

import polib

DRAFT, REVIEWED, STALE, MISSING = "draft", "reviewed", "stale", "missing"
STATES = (REVIEWED, DRAFT, STALE, MISSING)
_FIELD = re.compile(r"^\s*(status|drafted-by|reviewed-by|reviewed-on)\s*:\s*(.*?)\s*$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _split(tcomment: str):
    """(review fields, every other comment line)."""
    fields: Dict[str, str] = {}
    other: List[str] = []
    for line in (tcomment or "").splitlines():
        parts = [_FIELD.match(part) for part in line.split(";")]
        if parts and all(parts):
            fields.update((m.group(1), m.group(2)) for m in parts)
        else:
            other.append(line)
    return fields, other


def review_fields(entry: polib.POEntry) -> Dict[str, str]:
    return _split(entry.tcomment)[0]


def _set_fields(entry: polib.POEntry, fields: Dict[str, str]) -> None:
    other = _split(entry.tcomment)[1]
    status = [f"status: {fields['status']}"] if fields.get("status") else []
    if fields.get("drafted-by"):
        status.append(f"drafted-by: {fields['drafted-by']}")
    who = [f"{key}: {fields[key]}" for key in ("reviewed-by", "reviewed-on") if fields.get(key)]
    lines = ["; ".join(status + who)] if status or who else []
    entry.tcomment = "\n".join(lines + other)


def state(entry: Optional[polib.POEntry], english: str) -> str:
    """reviewed, draft, stale or missing, against the current English text."""
    if entry is None or entry.obsolete or not entry.msgstr:
        return MISSING
    if "fuzzy" in entry.flags or entry.msgid != english:
        return STALE
    return REVIEWED if review_fields(entry).get("status") == REVIEWED else DRAFT


def follow_english(entry: polib.POEntry, english: str) -> None:
    """Bring an entry up to the current English. A translation of an earlier English text
    becomes stale: the text it was translated from is kept, the entry is flagged, and a review
    is demoted to draft, since the translation no longer says what was reviewed."""
    if entry.msgid == english:
        return
    if not entry.msgstr:
        entry.msgid, entry.previous_msgid = english, None
        return
    if "fuzzy" in entry.flags and entry.previous_msgid == english:  # the English came back
        entry.msgid, entry.previous_msgid = english, None
        entry.flags.remove("fuzzy")
        return
    entry.previous_msgid = entry.previous_msgid or entry.msgid
    entry.msgid = english
    if "fuzzy" not in entry.flags:
        entry.flags.insert(0, "fuzzy")
    fields = review_fields(entry)
    _set_fields(entry, {"status": DRAFT, "drafted-by": fields.get("drafted-by", "")})


def settle(entry: polib.POEntry) -> None:
    """Tidy an entry after a merge: a translation gets a status; once a translator has cleared
    the fuzzy mark, the old English is no longer needed."""
    if entry.msgstr and not review_fields(entry).get("status"):
        _set_fields(entry, {**review_fields(entry), "status": DRAFT})
    if "fuzzy" not in entry.flags:
        entry.previous_msgid = None


def comment_problems(entry: polib.POEntry, today: Optional[datetime.date] = None) -> List[str]:
    """What is wrong with an entry's review comment (empty when it is well formed)."""
    today = today or datetime.date.today()
    fields = review_fields(entry)
    found = []
    if fields.get("status") not in (None, DRAFT, REVIEWED):
        found.append(f"status must be '{DRAFT}' or '{REVIEWED}', not {fields['status']!r}")
    if fields.get("status") == REVIEWED:
        if not fields.get("reviewed-by"):
            found.append("reviewed without reviewed-by: <role>")
        try:
            on = datetime.date.fromisoformat(fields.get("reviewed-on", ""))
            if on > today:
                found.append(f"reviewed-on {on} is in the future")
        except ValueError:
            found.append("reviewed without reviewed-on: YYYY-MM-DD")
    if _EMAIL.search(entry.tcomment or ""):
        found.append("an e-mail address in a comment: give a role, never a person's details")
    return found
