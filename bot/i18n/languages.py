"""The languages answers can be given in, and the direction each one is written in.

The registry data/languages.yml (one list, read by the detector, the picker and the SMS words
too) is the source when it exists; until it lands, FALLBACK_LANGUAGES below stands in for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Tuple

import yaml

# libyaml when it is there: domain.yml parses about ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SOURCE_LANGUAGE = "en"


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 as the registry writes it: "pl", "ur", "ur-Latn"
    direction: str  # "ltr" or "rtl"

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


# Stand-in for data/languages.yml while it is being written (issue 14): the same codes and
# directions. Roman Urdu (ur-Latn) is Urdu in Latin letters, so it runs left to right.
FALLBACK_LANGUAGES: Tuple[Language, ...] = tuple(
    Language(code, "rtl" if code in ("ar", "ur") else "ltr")
    for code in ("en", "pl", "ro", "pt", "es", "ur", "ur-Latn", "pa", "ar", "bn", "sq", "vi")
)


def load(registry: Optional[Path]) -> Tuple[Language, ...]:
    """Every language, English first: from the registry file if it exists, else the fallback."""
    if registry is None or not registry.exists():
        return FALLBACK_LANGUAGES
    data = yaml.load(registry.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    found = tuple(
        Language(str(item["code"]), str(item.get("direction") or "ltr"))
        for item in data.get("languages") or ()
    )
    if not any(language.code == SOURCE_LANGUAGE for language in found):
        raise ValueError(f"{registry}: no '{SOURCE_LANGUAGE}' entry")
    bad = [language.code for language in found if language.direction not in ("ltr", "rtl")]
    if bad:
        raise ValueError(f"{registry}: direction must be ltr or rtl for {bad}")
    return found


def translated(languages: Tuple[Language, ...]) -> Tuple[Language, ...]:
    """The languages that have a PO file: every one but the source."""
    return tuple(language for language in languages if language.code != SOURCE_LANGUAGE)
