"""What every Safe Report channel does with a message before and after Rasa.

1. Bad input (not text, empty, too long) gets a short, safe answer and never reaches Rasa.
2. The deterministic danger check runs on the raw text (in memory only).
3. The sender id is replaced by a keyed pseudonym; the message's language is found (short
   messages continue the conversation's, kept beside the pseudonym with the same expiry);
   the text is redacted in that language (bot.privacy). Rasa gets the language as
   UserMessage.metadata["language"]: a code of data/languages.yml or "other".
4. Rasa answers through a collecting output channel. If anything fails, the person still gets
   the fixed error answer with 999; if the check found danger and the answer lacks 999 and the
   Silent Solution, the emergency answer is put first.
All the raw values are registered with bot.log_privacy so no log record of this request can
carry them.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage

from bot import safety
from bot.channels import languages as choice
from bot.log_privacy import register_sensitive, sensitive
from bot.privacy import memo
from bot.privacy.entities import OTHER_LANGUAGE
from bot.privacy.pseudonyms import default_pseudonymizer
from bot.privacy.registry import is_answered
from bot.settings import settings

logger = logging.getLogger(__name__)

OTHER = "other"  # the language code of every language we do not support

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _language_and_redact(text: str, previous: Optional[str]) -> Tuple[str, str]:
    """(language, redacted text). If finding the language fails, the message is treated as
    a language we do not support: replaced whole, never passed on raw."""
    from bot.privacy import detect_language, redact  # imported late: loads Presidio and spaCy

    try:
        language = detect_language(text, previous)
    except Exception as exc:  # fail closed
        logger.error("language detection failed (%s); message withheld", type(exc).__name__)
        language = OTHER
    return language, redact(text, language)


def _language_forms(language: Optional[str]) -> List[str]:
    """How the language can appear in Rasa's DEBUG logs (its session-start metadata slot is
    logged as a dict): registered as sensitive so no log record of this request carries it."""
    if not language:
        return []
    return [form for key in ("language", "reply_language") for form in (
        f"'{key}': '{language}'", f'"{key}": "{language}"', f"'{key}':'{language}'", f'"{key}":"{language}"')]


def fixed(name: str, language: Optional[str] = None) -> List[Dict[str, Any]]:
    return [{"text": safety.response_text(name, language)}]


@dataclass
class Turn:
    """What the channel knows about one message once it has been answered."""

    first: bool  # the first message of this conversation
    sender: Optional[str] = None  # the pseudonym (None if it could not be made)
    language: Optional[str] = None  # the language the answer is in (None: English)
    danger: bool = False  # the deterministic check found danger


class SafeInputChannel(InputChannel):
    """Base class; subclasses parse their transport and call `answer`."""

    channel_kind = "safe"

    def __init__(self) -> None:
        self.pseudonymizer = default_pseudonymizer()
        from bot.privacy import warm_up

        warm_up()  # load Presidio and spaCy now, not on the first person's message

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        # Rasa creates its channels in every process that serves people, however it was started
        # (`python -m bot rasa run` or a plain `rasa run`): apply every protection here too.
        from bot import guard, log_privacy, patches

        log_privacy.install()
        guard.check_runtime()
        patches.install()
        return cls(**(credentials or {}))

    async def answer(self, raw_text: Any, raw_sender: str, on_new_message: OnNewMessage,
                     requested_language: Any = None) -> List[Dict[str, Any]]:
        """Run one message through the privacy layer and Rasa; always returns something to say.
        `requested_language` is the web page's picker value (None: unchanged; see languages.py)."""
        with sensitive(raw_sender, raw_text if isinstance(raw_text, str) else ""):
            requested = choice.requested(requested_language)
            if not isinstance(raw_text, str) or not raw_text.strip():
                return fixed("utter_empty", requested)
            danger_language = safety.danger_language(raw_text)
            if len(raw_text) > settings().max_message_chars:
                return ((safety.danger_messages(requested or danger_language) if danger_language else [])
                        + fixed("utter_too_long", requested))
            turn = Turn(first=True, language=requested, danger=danger_language is not None)
            try:
                messages = await self._converse(raw_text, raw_sender, requested_language, on_new_message, turn)
            except Exception as exc:
                logger.error("Could not answer a %s message (%s)", self.channel_kind, type(exc).__name__)
                messages = []
            messages = messages or fixed("utter_error", turn.language)
            if turn.danger and not safety.contains_emergency_numbers(messages):
                messages = safety.danger_messages(turn.language or danger_language) + messages
            return self.decorate(choice.isolated(messages, turn.language), turn)

    async def _converse(self, raw_text: str, raw_sender: str, requested_language: Any,
                        on_new_message: OnNewMessage, turn: Turn) -> List[Dict[str, Any]]:
        # Inside the caller's try: with Redis down the pseudonym key store raises too.
        turn.first = not self.pseudonymizer.is_known(raw_sender, self.channel_kind)
        sender = turn.sender = self.pseudonymizer.pseudonym(raw_sender, self.channel_kind)
        register_sensitive([sender])
        chosen = choice.apply(self.pseudonymizer, sender, requested_language, raw_text)
        turn.language = chosen.reply_language
        if chosen.named:  # the whole message named a language: say so, no need to ask Rasa
            return choice.confirmation(chosen.named)
        if safety.is_forget_command(raw_text):
            turn.language = choice.current(self.pseudonymizer, sender)  # the confirmation in their language
            register_sensitive(_language_forms(turn.language))
            messages = await self._ask_rasa("/" + safety.FORGET_INTENT, sender, on_new_message,
                                            reply_language=turn.language)
            self._forget(sender)
            return messages
        language, text = await self._language_and_text(raw_text, sender, turn.first)
        turn.language = chosen.reply_language or choice.follow(self.pseudonymizer, sender, language)
        register_sensitive([text, *_language_forms(language), *_language_forms(turn.language)])
        messages = await self._ask_rasa(text, sender, on_new_message, language, turn.language)
        if messages and not turn.danger:
            messages += choice.interpreter_note_once(self.pseudonymizer, sender, turn.language)
        return messages

    def _forget(self, sender: str) -> None:
        try:
            self.pseudonymizer.forget(sender)
        except Exception as exc:
            logger.error("Could not forget a pseudonym (%s)", type(exc).__name__)

    async def _language_and_text(self, raw_text: str, sender: str, first: bool) -> Tuple[str, str]:
        """The message's language (kept beside the pseudonym) and its redacted text."""
        # A leading "/" would make Rasa skip the NLU and read an intent and slot values
        # straight from the text: people type text, not commands.
        plain = raw_text.lstrip().lstrip("/") or raw_text
        previous = None if first else self.pseudonymizer.conversation_language(sender)
        # Off the event loop: detection and redaction are CPU work (spaCy + regexes).
        language, text = await asyncio.to_thread(_language_and_redact, plain, previous)
        self.pseudonymizer.remember_language(sender, language)
        if not is_answered(language):
            # Redacted and counted, but the NLU does not read this language yet: the fallback
            # answer, never a guess by a model trained on English (data/languages.yml).
            text = OTHER_LANGUAGE
        memo.mark_clean(text)
        return language, text

    def decorate(self, messages: List[Dict[str, Any]], turn: Turn) -> List[Dict[str, Any]]:
        """Channel-specific additions to an answer (the SMS channel adds its first-contact notice
        and keeps long answers for MORE)."""
        return messages

    async def _ask_rasa(self, text: str, sender: str, on_new_message: OnNewMessage,
                        language: Optional[str] = None, reply_language: Optional[str] = None) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        # "language": what the message was written in (counted per week by the tracker store);
        # "reply_language": what the answer is in (bot.i18n.nlg reads it).
        metadata = {k: v for k, v in (("language", language), ("reply_language", reply_language)) if v} or None
        await on_new_message(
            UserMessage(text, collector, sender, input_channel=self.channel_kind, metadata=metadata)
        )
        return [{k: v for k, v in m.items() if k != "recipient_id"} for m in collector.messages]
