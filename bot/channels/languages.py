"""Which language a conversation is answered in, and how a person chooses it.

* Detected: the language the person writes in (bot.privacy's detector, kept per conversation).
* Chosen: the web page's picker (`metadata.language`, a code of data/languages.yml; "" or
  "auto" goes back to detection), or, by SMS or on the web, a message that is nothing but a
  language's name ("polski", "Română", "romana", "English"). A choice wins over detection and
  is kept only beside the conversation's pseudonym, expiring with it.
A language is answered only if data/languages.yml marks it `answered` and the operator has not
switched it off (SAFE_REPORT_LANGUAGES_DISABLED); otherwise the answer is English.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from bot import safety
from bot.privacy import registry
from bot.safety_words import command_form
from bot.settings import settings

CHOSEN = "chosen"  # the state field that holds a chosen language code
KEPT = "reply"  # the last language other than English the conversation was answered in
NOTED = "interpreters"  # set once the interpreter note has been given in this conversation
AUTOMATIC = ("", "auto")  # picker values that go back to detection


def answerable(code: Optional[str]) -> bool:
    """The language is understood, every answer exists in it, and it is switched on."""
    if not code:
        return False
    off = {c.strip().lower() for c in settings().languages_disabled}
    return registry.is_answered(code) and code.lower() not in off


def reply_language(detected: Optional[str]) -> Optional[str]:
    """The answer's language for a detected one: itself when answerable, else None (English)."""
    return detected if answerable(detected) else None


@functools.lru_cache(maxsize=1)
def _codes_by_form() -> Dict[str, str]:
    """Every way of naming a language that selects it: its codes, own name, English name, SMS words."""
    found: Dict[str, str] = {}
    # The words a language lists for itself first: "urdu" typed in Latin letters chooses Roman
    # Urdu (its SMS word), not Urdu script (whose English name it also is).
    for language in registry.languages():
        for word in (language.code, language.name, *language.sms_words):
            found.setdefault(command_form(word), language.code)
    for language in registry.languages():
        found.setdefault(command_form(language.english), language.code)
    return found


def named_language(text: Any) -> Optional[str]:
    """The code of the language a whole message names ("Polski!", "romana"), or None."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    return _codes_by_form().get(command_form(text))


def requested(value: Any) -> Optional[str]:
    """A picker value as a supported code, or None (absent, automatic, unknown or malformed)."""
    if not isinstance(value, str) or len(value) > 20:
        return None
    code = _codes_by_form().get(command_form(value))
    return code if code and value.strip().lower() == code.lower() else None


@dataclass(frozen=True)
class Choice:
    reply_language: Optional[str]  # the chosen language if answerable, else None
    named: Optional[str] = None  # the language this message only named (it asks nothing else)


def apply(pseudonymizer, sender: str, picker: Any, raw_text: str) -> Choice:
    """Record the picker's value or a language named by the whole message; return the choice."""
    if isinstance(picker, str):
        code = requested(picker)
        if code:
            pseudonymizer.set_state(sender, CHOSEN, code)
        elif picker.strip().lower() in AUTOMATIC:
            pseudonymizer.set_state(sender, CHOSEN, None)
    named = named_language(raw_text)
    if named:
        pseudonymizer.set_state(sender, CHOSEN, named)
        pseudonymizer.set_state(sender, KEPT, None if named == "en" else named)
    chosen = pseudonymizer.state(sender, CHOSEN)
    if named and not answerable(named):
        return Choice(None, named)
    return Choice(chosen if answerable(chosen) else None, named)


def confirmation(code: Optional[str]) -> List[Dict[str, str]]:
    """The answer to a message that only named a language."""
    if not answerable(code):
        return [{"text": safety.response_text("utter_other_language")}]
    return [{"text": safety.response_text("utter_language_set", code)},
            {"text": safety.response_text("utter_greet", code)}]


def isolated(messages: List[Dict[str, Any]], language: Optional[str]) -> List[Dict[str, Any]]:
    """In a right-to-left answer every number and web address is isolated (bot/i18n/bidi.py):
    the services lines the action server builds hold numbers that no translation isolated."""
    from bot.i18n import bidi, catalog

    if not language or catalog.catalog().direction(language) != "rtl":
        return messages
    return [{**m, "text": bidi.isolate(m["text"])} if isinstance(m.get("text"), str) else m for m in messages]


def interpreter_note_once(pseudonymizer, sender: str, language: Optional[str]) -> List[Dict[str, str]]:
    """Once per conversation in another language: helplines may answer in English first."""
    if not language or language == "en" or pseudonymizer.state(sender, NOTED):
        return []
    pseudonymizer.set_state(sender, NOTED, "1")
    return [{"text": safety.response_text("utter_interpreter_note", language)}]


def follow(pseudonymizer, sender: str, detected: Optional[str]) -> Optional[str]:
    """The answer's language when nobody chose one: the language of the message if it is one
    we answer in other than English; otherwise the conversation's language kept so far, so a
    message with English words in it ("ok", "he has a knife") does not switch a Polish
    conversation to English (writing "English" does); otherwise English."""
    if answerable(detected) and detected != "en":
        pseudonymizer.set_state(sender, KEPT, detected)
        return detected
    kept = pseudonymizer.state(sender, KEPT)
    return kept if answerable(kept) else reply_language(detected)


def current(pseudonymizer, sender: str) -> Optional[str]:
    """The language this conversation is answered in now (None: English)."""
    for code in (pseudonymizer.state(sender, CHOSEN), pseudonymizer.state(sender, KEPT)):
        if answerable(code):
            return code
    return reply_language(pseudonymizer.conversation_language(sender))
