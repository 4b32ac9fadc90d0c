"""The services lists in the conversation's language.

The channel puts the answer's language on every message (metadata "reply_language", see
bot/channels/base.py); Rasa passes the message's parse data, metadata included, to the action
server as `tracker.latest_message`. Phrases and services' notes come from the translation
catalog (bot/i18n), which serves English for anything not (or no longer) translated; names,
numbers, web addresses and hours always come from data/resources.yml as they are.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker

from bot import resources


def reply_language(tracker: Tracker) -> Optional[str]:
    metadata = (tracker.latest_message or {}).get("metadata")
    language = metadata.get("reply_language") if isinstance(metadata, dict) else None
    return language if isinstance(language, str) and language else None


def sayer(language: Optional[str]) -> resources.Say:
    """say(key, **values) for data/phrases.yml in `language`, English when it has no text."""
    if not language:
        return resources.say_english
    from bot.i18n import catalog

    def say(key: str, **values: Any) -> str:
        try:
            return catalog.text(key, language).format(**values)
        except (KeyError, IndexError, ValueError):  # a broken translation: the English is correct
            return resources.say_english(key, **values)

    return say


def note(resource: resources.Resource, language: Optional[str]) -> Optional[str]:
    """The service's note in `language` (None: the English of data/resources.yml)."""
    if not language or not resource.usable("note"):
        return None
    from bot.i18n import catalog

    try:
        return catalog.text(resources.note_key(resource), language)
    except KeyError:
        return None
