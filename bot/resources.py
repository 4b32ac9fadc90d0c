"""The services directory (data/resources.yml): loading, choosing by topic and nation, and
formatting entries as short lines the assistant can send.

Safety rule enforced here: an entry with `verified: false` is never returned, and a field
listed in `unverified_fields` is never printed; the line points to the website instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.settings import settings

NATIONS: Tuple[str, ...] = ("england", "wales", "scotland", "northern_ireland")
NATION_NAMES = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}
# Longest first, so that a combined label is preferred to listing the nations one by one.
_NATION_GROUP_LABELS = {
    frozenset(NATIONS): "phrase_uk",
    frozenset({"england", "wales"}): "phrase_england_and_wales",
    frozenset({"england", "wales", "northern_ireland"}): "phrase_england_wales_ni",
}

# say(key, **values): one phrase of data/phrases.yml, filled, in the reader's language. The
# default is English; the actions pass the translation catalog's (bot/i18n).
Say = Callable[..., str]


@functools.lru_cache(maxsize=1)
def english_phrases() -> Dict[str, str]:
    raw = yaml.safe_load((settings().data_dir / "phrases.yml").read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (raw.get("phrases") or {}).items()}


def say_english(key: str, **values: str) -> str:
    return english_phrases()[key].format(**values)


def note_key(resource: "Resource") -> str:
    """The translation context of a service's note."""
    return f"resource_note:{resource.id}"


def _default_path() -> Path:
    return settings().data_dir / "resources.yml"


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    phone: Optional[str]
    text: Optional[str]
    extra_numbers: Tuple[str, ...]
    web: Optional[str]
    email: Optional[str]
    hours: Optional[str]
    languages: Tuple[str, ...]
    nations: Tuple[str, ...]
    topics: Tuple[str, ...]
    free: bool
    note: Optional[str]
    source: str
    source_date: Optional[str]  # the date the source itself gives
    provider_checked: Optional[str]  # last checked on the provider's own site (None: never)
    verified: bool
    unverified_fields: Tuple[str, ...]

    def usable(self, field: str) -> bool:
        """True when the field has a value that may be said as fact."""
        return (
            self.verified
            and field not in self.unverified_fields
            and bool(getattr(self, field))
        )

    @property
    def uk_wide(self) -> bool:
        return set(self.nations) == set(NATIONS)


def _to_nation_key(nation: Optional[str]) -> Optional[str]:
    """'Northern Ireland' (the slot value) -> 'northern_ireland'; unknown -> None."""
    if not nation:
        return None
    key = str(nation).strip().lower().replace(" ", "_")
    return key if key in NATIONS else None


def _parse(raw: dict) -> Resource:
    def tup(name: str) -> Tuple[str, ...]:
        return tuple(str(v) for v in (raw.get(name) or ()))

    def opt(name: str) -> Optional[str]:
        value = raw.get(name)
        return None if value is None else str(value)

    resource = Resource(
        id=str(raw["id"]),
        name=str(raw["name"]),
        phone=opt("phone"),
        text=opt("text"),
        extra_numbers=tup("extra_numbers"),
        web=opt("web"),
        email=opt("email"),
        hours=opt("hours"),
        languages=tup("languages"),
        nations=tup("nations"),
        topics=tup("topics"),
        free=bool(raw.get("free", False)),
        note=opt("note"),
        source=str(raw["source"]),
        source_date=opt("source_date"),
        provider_checked=opt("provider_checked"),
        verified=bool(raw["verified"]),
        unverified_fields=tup("unverified_fields"),
    )
    unknown = set(resource.nations) - set(NATIONS)
    if unknown:
        raise ValueError(f"resource {resource.id}: unknown nations {sorted(unknown)}")
    return resource


@functools.lru_cache(maxsize=4)
def load(path: Optional[str] = None) -> Tuple[Resource, ...]:
    """All entries, in file order (which is the order they are shown). Loaded once."""
    file = Path(path) if path else _default_path()
    with file.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    resources = tuple(_parse(raw) for raw in data["resources"])
    ids = [r.id for r in resources]
    if len(ids) != len(set(ids)):
        raise ValueError("duplicate resource ids in resources.yml")
    return resources


def by_id(resource_id: str) -> Resource:
    for resource in load():
        if resource.id == resource_id:
            return resource
    raise KeyError(resource_id)


def for_topic(topic: str, nation: Optional[str] = None) -> List[Resource]:
    """Verified entries for a topic, limited to those covering `nation` when it is known."""
    key = _to_nation_key(nation)
    return [
        r
        for r in load()
        if r.verified and topic in r.topics and (key is None or key in r.nations)
    ]


def topics() -> List[str]:
    """Every topic key that has at least one verified entry."""
    seen: List[str] = []
    for r in load():
        if r.verified:
            seen.extend(t for t in r.topics if t not in seen)
    return seen


def nations_label(resource: Resource, say: Say = say_english) -> str:
    group = _NATION_GROUP_LABELS.get(frozenset(resource.nations))
    if group:
        return say(group)
    return f" {say('phrase_and')} ".join(say(f"phrase_{n}") for n in NATIONS if n in resource.nations)


def _languages_phrase(resource: Resource, say: Say) -> Optional[str]:
    others = [lang for lang in resource.languages if lang.lower() != "english"]
    if not others:
        return None
    if others == ["interpreters"]:
        return say("phrase_interpreters")
    # Two entries name no language but say how many: said in the reader's language.
    if others == ["many languages"]:
        return say("phrase_many_languages")
    if others == ["several other languages"]:
        return say("phrase_several_languages")
    return say("phrase_in_languages", languages=f" {say('phrase_and')} ".join(others))


def format_line(resource: Resource, show_nations: bool = False, say: Say = say_english,
                note: Optional[str] = None) -> str:
    """One short line, e.g. 'Southall Black Sisters: 020 8571 9595 (Mon-Fri 9am-5pm)'.

    Only fields usable as fact are printed. An unverified number points the reader to the
    website (or, with no website, to searching for the name); unverified hours are replaced
    by a reminder to check them.
    """
    if not resource.verified:
        raise ValueError(f"resource {resource.id} is not verified and must not be shown")

    label = None
    if show_nations and not resource.uk_wide:
        # "Rape Crisis Scotland" needs no "(Scotland)", nor "(Szkocja)": compared in English.
        label = None if nations_label(resource) in resource.name else nations_label(resource, say)

    contacts: List[str] = []
    if resource.usable("phone"):
        contacts.append(resource.phone)  # type: ignore[arg-type]
    if resource.usable("text"):
        contacts.append(say("phrase_text", number=resource.text))
    if resource.usable("web"):
        contacts.append(resource.web)  # type: ignore[arg-type]
    elif resource.usable("email"):
        contacts.append(resource.email)  # type: ignore[arg-type]

    details: List[str] = []
    if resource.usable("hours"):
        details.append(resource.hours)  # type: ignore[arg-type]
    if resource.usable("free"):
        details.append(say("phrase_free"))
    languages = _languages_phrase(resource, say) if resource.usable("languages") else None
    if languages:
        details.append(languages)

    if contacts:
        line = _with_label(resource.name, label)
        line += ": " + ", ".join(contacts)
        if details:
            line += " (" + ", ".join(details) + ")"
    else:
        line = _with_label(resource.name, ", ".join(([label] if label else []) + details))
    line += "."

    if resource.usable("note"):
        line += " " + (note or resource.note)  # type: ignore[operator]
    if "phone" in resource.unverified_fields:
        line += " " + say("phrase_check_website" if resource.usable("web") else "phrase_search_name")
    if "hours" in resource.unverified_fields:
        line += " " + say("phrase_check_hours")
    return line


def _with_label(name: str, label: Optional[str]) -> str:
    """'Name' + 'England' -> 'Name (England)'; 'Name (X)' + 'England' -> 'Name (X, England)'."""
    if not label:
        return name
    if name.endswith(")"):
        return f"{name[:-1]}, {label})"
    return f"{name} ({label})"


def pack_messages(header: str, lines: Sequence[str], limit: int = 480) -> List[str]:
    """Pack lines into as few messages as possible, each at most `limit` characters.

    The header starts the first message. A single line longer than the limit is a content
    error, so it raises rather than being cut mid-sentence.
    """
    messages: List[str] = []
    current = header
    for line in lines:
        if len(line) > limit:
            raise ValueError(f"a resource line is longer than {limit} characters")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = line
    if current:
        messages.append(current)
    return messages
