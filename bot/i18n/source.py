"""The English source texts: every `text` of every response in domain.yml, then the web page's
own words (data/page.yml, context = their key).

Each variation is one translation entry. Its context (gettext msgctxt) is the response key for
the first variation and `key#<index>` for the others, so that adding a second variation later
does not orphan the translations of the first.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List

import yaml

# libyaml when it is there: domain.yml parses about ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SourceEntry:
    key: str  # the response name, e.g. "utter_danger"
    index: int  # which variation of that response
    text: str  # the English text

    @property
    def context(self) -> str:
        return context_for(self.key, self.index)


def context_for(key: str, index: int = 0) -> str:
    return key if index == 0 else f"{key}#{index}"


def page_file(domain_file: Path) -> Path:
    """The page's texts live beside the data of the checkout whose domain.yml is given."""
    return Path(domain_file).parent / "data" / "page.yml"


def english_entries(domain_file: Path) -> List[SourceEntry]:
    """Every response variation with a text, in domain.yml order, then the page's texts, the
    services lists' phrases and the services' notes."""
    data = Path(domain_file).parent / "data"
    return (_domain_entries(domain_file) + _mapping_entries(page_file(domain_file), "page")
            + _mapping_entries(data / "phrases.yml", "phrases") + _note_entries(data / "resources.yml"))


def _mapping_entries(path: Path, section: str) -> List[SourceEntry]:
    if not path.exists():
        return []
    texts = (yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}).get(section) or {}
    return [SourceEntry(str(key), 0, text) for key, text in texts.items() if isinstance(text, str) and text]


def _note_entries(path: Path) -> List[SourceEntry]:
    """Each shown service's note (msgctxt resource_note:<id>); unverified services are never shown."""
    if not path.exists():
        return []
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    entries = raw.get("resources") if isinstance(raw, dict) else raw
    return [SourceEntry(f"resource_note:{r['id']}", 0, r["note"]) for r in entries or []
            if isinstance(r, dict) and r.get("verified") and isinstance(r.get("note"), str) and r["note"]
            and "note" not in (r.get("unverified_fields") or [])]


def _domain_entries(domain_file: Path) -> List[SourceEntry]:
    domain = yaml.load(Path(domain_file).read_text(encoding="utf-8"), Loader=_LOADER) or {}
    entries = []
    for key, variations in (domain.get("responses") or {}).items():
        if not isinstance(variations, list):
            continue
        for index, variation in enumerate(variations):
            if isinstance(variation, dict) and isinstance(variation.get("text"), str) and variation["text"]:
                entries.append(SourceEntry(str(key), index, variation["text"]))
    return entries

