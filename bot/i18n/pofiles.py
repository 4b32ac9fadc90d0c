"""The translation files: the template (data/translations/safe-report.pot) written from the
English, and the merge of that template into each language's PO file.

The merge is ours, not msgmerge's: entries are matched by context (the response key) only, so a
changed English text always becomes a stale entry of the same key instead of msgmerge's guess
(a fuzzy match to another text, or an obsolete entry when the texts are too different).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Optional

import polib

from bot.i18n import review
from bot.i18n.protected import keep_unchanged_note
from bot.i18n.source import SourceEntry

TEMPLATE_NAME = "safe-report.pot"
# Like `msgmerge --no-wrap`: one text on one line, so a diff shows the whole changed text and
# no phone number is ever split across two lines of the file.
_NO_WRAP = 0
_SOURCE_FILE = "domain.yml"
_HEADER = (
    "Safe Report: the assistant's answers. The English source is domain.yml; do not edit the "
    "msgid lines here.\nHow to translate and review: docs/translations.md."
)


def template_path(directory: Path) -> Path:
    return Path(directory) / TEMPLATE_NAME


def po_path(directory: Path, code: str) -> Path:
    return Path(directory) / f"{code}.po"


def _gettext_language(code: str) -> str:
    """gettext's spelling of a language code: ur-Latn -> ur@latin (like sr@latin)."""
    language, _, script = code.partition("-")
    return f"{language}@latin" if script == "Latn" else code.replace("-", "_")


def _metadata(code: Optional[str]) -> Dict[str, str]:
    data = {
        "Project-Id-Version": "Safe Report",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Source-Language": "en",
    }
    if code:
        data["Language"] = _gettext_language(code)
    return data


def template(entries: Iterable[SourceEntry], directory_names: Iterable[str] = ()) -> polib.POFile:
    """The POT file: one entry per English response variation, with a note of what to keep."""
    names = list(directory_names)
    pot = polib.POFile(wrapwidth=_NO_WRAP)
    pot.header = _HEADER
    pot.metadata = _metadata(None)
    for entry in entries:
        pot.append(polib.POEntry(
            msgctxt=entry.context, msgid=entry.text, msgstr="",
            comment=keep_unchanged_note(entry.text, names), occurrences=[(_SOURCE_FILE, "")],
        ))
    return pot


def new_catalog(code: str) -> polib.POFile:
    po = polib.POFile(wrapwidth=_NO_WRAP)
    po.header = _HEADER
    po.metadata = _metadata(code)
    return po


def merge(po: polib.POFile, pot: polib.POFile, code: str) -> None:
    """Make `po` follow the template: same entries in the same order, changed English marked
    stale, entries whose key left the domain kept as obsolete (#~) if they were translated."""
    old = {entry.msgctxt: entry for entry in po}
    merged: List[polib.POEntry] = []
    for source in pot:
        entry = old.pop(source.msgctxt, None) or polib.POEntry(msgctxt=source.msgctxt, msgid=source.msgid)
        entry.obsolete = False
        review.follow_english(entry, source.msgid)
        entry.comment, entry.occurrences = source.comment, list(source.occurrences)
        review.settle(entry)
        merged.append(entry)
    for entry in old.values():
        if entry.msgstr:
            entry.obsolete = True
            merged.append(entry)
    po[:] = merged
    po.metadata.update(_metadata(code))


def load(path: Path) -> polib.POFile:
    return polib.pofile(str(path), encoding="utf-8", wrapwidth=_NO_WRAP)


def save(po: polib.POFile, path: Path) -> None:
    Path(path).write_text(str(po) + "\n", encoding="utf-8")
