"""Rasa's response generator, answering in the conversation's language.

Switched on in endpoints.yml and endpoints.redis.yml:

    nlg:
      type: bot.i18n.nlg.TranslatingNLG

Rasa still chooses the response and its variation (channel, conditions) from the domain exactly
as before; only its text is swapped for the catalog's text in the language the channel chose for
this message (UserMessage.metadata["reply_language"], see bot/channels/languages.py), or in a
LANGUAGE_SLOT if a domain ever defines one. The swap happens only when the model's English is the
English the translations were made from, so an older trained model can never get a translation
of a different text.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.i18n import catalog
from bot.i18n.source import context_for

# The slot that carries the conversation's language code (issue 14: found once, then kept with
# the conversation). Whoever adds the slot to domain.yml uses this name.
LANGUAGE_SLOT = "language"
METADATA_KEY = "reply_language"  # set by bot/channels/base.py on every message


class TranslatingNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text,
                       **kwargs: Any) -> Optional[Dict[Text, Any]]:
        filled_slots = dict(tracker.current_slot_values())
        metadata = tracker.latest_message.metadata if tracker.latest_message else None
        if isinstance(metadata, dict) and metadata.get(METADATA_KEY) and not filled_slots.get(LANGUAGE_SLOT):
            filled_slots[LANGUAGE_SLOT] = metadata[METADATA_KEY]
        return self.generate_from_slots(utter_action, filled_slots, output_channel, **kwargs)

    def generate_from_slots(self, utter_action: Text, filled_slots: Dict[Text, Any],
                            output_channel: Text, **kwargs: Any) -> Optional[Dict[Text, Any]]:
        chosen = self._random_response_for(utter_action, output_channel, filled_slots)
        if chosen is None:
            return None
        response = copy.deepcopy(chosen)
        language = (filled_slots or {}).get(LANGUAGE_SLOT)
        if language and isinstance(response.get("text"), str):
            index = next(i for i, variation in enumerate(self.responses[utter_action]) if variation is chosen)
            response["text"] = _translated(utter_action, index, response["text"], language)
        if isinstance(response.get("text"), str):
            response["text"] = catalog.fill(response["text"])
        return self._fill_response(response, filled_slots, **kwargs)


def _translated(key: str, index: int, english: str, language: object) -> str:
    current = catalog.catalog()
    if current.english.get(context_for(key, index)) != english:
        return english  # the model's English is not the English the translations follow
    return current.text(key, language, index)
