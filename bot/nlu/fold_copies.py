"""A Rasa training-data component: every intent example written with marks on Latin letters is
also trained on without them ("tôi bị đánh" and "toi bi danh"), because people often type
Vietnamese, Polish, Romanian, Portuguese, Spanish or Albanian without diacritics (bot/nlu/fold.py).

    - name: bot.nlu.fold_copies.FoldedCopies     # first in the pipeline

Only training changes: at run time a message passes through untouched. Examples with entities
are not copied (their annotations point into the written text). tests/test_nlu_holdout.py
checks that no held-out message equals a training example with or without its marks.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.fold import fold_latin


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class FoldedCopies(GraphComponent):
    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> FoldedCopies:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        known = {(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples}
        copies = []
        for message in training_data.intent_examples:
            text, intent = message.get(TEXT), message.get(INTENT)
            if message.get(ENTITIES) or not isinstance(text, str):
                continue
            folded = fold_latin(text)
            if folded != text and (folded, intent) not in known:
                known.add((folded, intent))
                copies.append(Message(data={TEXT: folded, INTENT: intent}))
        return training_data.merge(TrainingData(training_examples=copies)) if copies else training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return messages
