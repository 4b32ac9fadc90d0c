"""What a translation must keep exactly as the English has it.

Phone numbers, the short numbers 999 and 55, web and e-mail addresses, service names (from
data/resources.yml) and {placeholders} are never translated: a wrong digit could send someone
in danger to nobody. `problems(english, translation)` lists every difference; the tests fail on
any, and the catalog does not serve a translation that has one.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, List, Sequence

# Numbers that are protected even though they are short (emergency, Silent Solution, police
# non-emergency, NHS). Any run of 6 or more digits is a phone number.
SHORT_NUMBERS = frozenset({"999", "55", "101", "111", "112"})
_MIN_PHONE_DIGITS = 6

# A run of digits joined by single spaces, as UK numbers are written ("0808 2000 247"). \d is
# Unicode-aware, so a number typed in Arabic-Indic or Bengali digits is a different token. A
# letter may touch it: Arabic writes "and 999" as "و999".
_DIGIT_RUN = re.compile(r"(?<![\d+])\+?\d+(?: \d+)*(?!\d)")
_TLDS = "uk|com|org|net|info|gov|scot|wales|cymru|eu|io"
WEB_ADDRESS = (
    r"(?:https?://)?(?:[A-Za-z0-9._%+-]+@)?(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    rf"\.(?:{_TLDS})\b(?:/[^\s)\]]*[^\s)\].,;:!?])?"
)
_WEB_RE = re.compile(rf"(?<![\w@.-]){WEB_ADDRESS}")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
_MIN_PARTIAL_NAME_WORDS = 3


def numbers(text: str) -> List[str]:
    """Phone numbers and protected short numbers, in order."""
    found = []
    for match in _DIGIT_RUN.finditer(text):
        token = match.group(0)
        digits = sum(ch.isdigit() for ch in token)
        if digits >= _MIN_PHONE_DIGITS or token in SHORT_NUMBERS:
            found.append(token)
    return found


def web_addresses(text: str) -> List[str]:
    return _WEB_RE.findall(text)


def placeholders(text: str) -> List[str]:
    return _PLACEHOLDER.findall(text)


def _name_forms(name: str) -> List[str]:
    """The forms of a directory name a text may use, longest first: the name without its
    bracketed part ("National Domestic Abuse Helpline (Refuge)"), then its last words, for texts
    that drop a leading place ("Scotland's Domestic Abuse and Forced Marriage Helpline")."""
    words = _PARENTHETICAL.sub("", name).split()
    return [" ".join(words[i:]) for i in range(0, max(1, len(words) - _MIN_PARTIAL_NAME_WORDS + 1))]


def service_names(text: str, directory_names: Iterable[str]) -> List[str]:
    """The service names from the directory that the text uses (the longest form of each, and
    none that is only part of another one found)."""
    found = set()
    for name in directory_names:
        form = next((f for f in _name_forms(name) if f and f in text), None)
        if form:
            found.add(form)
    return sorted(f for f in found if not any(f != other and f in other for other in found))


def _differs(what: str, english: Sequence[str], translation: Sequence[str]) -> List[str]:
    if Counter(english) == Counter(translation):
        return []
    return [f"{what} differ: English has {list(english)}, the translation has {list(translation)}"]


def problems(english: str, translation: str, directory_names: Iterable[str] = ()) -> List[str]:
    """Every way the translation changes what must stay exactly as in the English."""
    found = _differs("numbers", numbers(english), numbers(translation))
    found += _differs("web addresses", web_addresses(english), web_addresses(translation))
    found += _differs("placeholders", placeholders(english), placeholders(translation))
    missing = [name for name in service_names(english, directory_names) if name not in translation]
    if missing:
        found.append(f"service names must stay in English, exactly: {missing}")
    return found


def keep_unchanged_note(english: str, directory_names: Iterable[str] = ()) -> str:
    """A note for translators listing what they must copy exactly (empty if nothing)."""
    items = numbers(english) + web_addresses(english) + service_names(english, directory_names)
    items += placeholders(english)
    return "\n".join(["Keep exactly as written:", *dict.fromkeys(items)]) if items else ""
