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
    """Every response variation with a text, in domain.yml order, then the page's texts."""
    return _domain_entries(domain_file) + _page_entries(page_file(domain_file))


def _page_entries(path: Path) -> List[SourceEntry]:
    if not path.exists():
        return []
    page = (yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}).get("page") or {}
    return [SourceEntry(str(key), 0, text) for key, text in page.items() if isinstance(text, str) and text]


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

