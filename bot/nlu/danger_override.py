"""An NLU component that makes immediate danger a deterministic class, not only a learned one.

It runs last in the pipeline. If bot.safety's danger patterns match the (redacted) message, the
intent becomes `danger` whatever DIET or the fallback said, and the learned prediction moves down
the ranking. The channel runs the same check on the raw text, so a person in danger gets 999 even
if this component or the model is unavailable; this component makes the dialogue follow too.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.safety import is_danger

DANGER_INTENT = "danger"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DangerOverride(GraphComponent, IntentClassifier):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> DangerOverride:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not is_danger(text):
                continue
            current = message.get(INTENT) or {}
            if current.get("name") == DANGER_INTENT:
                continue
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != DANGER_INTENT]
            override = {"name": DANGER_INTENT, "confidence": 1.0}
            message.set(INTENT, override, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [override, *ranking], add_to_output=True)
        return messages
