"""An NLU component that finds the topics of a message that asks about two things.

    - name: bot.nlu.two_topics.TwoTopicDetector   # after FallbackClassifier, before DangerOverride

How it decides (deterministic, and each step can be explained to a reviewer):
1. The message is split into clauses (bot/nlu/clauses.py). One clause: nothing to do.
2. Topics are collected in this order: `danger` if the deterministic danger patterns match the
   message or a clause; the whole message's intent; then each clause's own intent, as the
   intent classifier labelled it (bot/nlu/clause_components.py: the same features and weights
   as for the whole message, None where it is less than its `clause_threshold` sure).
   Intents that are not topics (greetings, menu, nation, fallback, ...) never count.
3. domestic_abuse is dropped when a more specific abuse topic is there (danger, spouse_visa,
   male_victim, lgbt_victim): each of those answers already speaks to abuse by a partner or
   family (the emergency answer gives the domestic abuse helpline), and "he is hitting me",
   "i am a man and my wife beats me" are both.
4. Two or more distinct topics: they go into the parse result as `topics` (intent names
   only, never text), for bot.nlu.two_topics_policy and actions/two_topics.py. If the whole
   message had fallen to nlu_fallback (two topics split the classifier's confidence), the
   intent becomes the first topic found.
A message whose intent is forget_me is never combined: erasure must always work.

Nothing is trained here.
"""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.clause_components import clause_intents
from bot.nlu.clauses import clauses
from bot.safety import is_danger

TOPICS_KEY = "topics"
DANGER = "danger"
GENERAL_ABUSE = "domestic_abuse"
SPECIFIC_ABUSE = frozenset({DANGER, "spouse_visa", "male_victim", "lgbt_victim"})
NEVER_COMBINE = frozenset({"forget_me"})
NOT_TOPICS = ["greet", "goodbye", "thanks", "ask_menu", "ask_human", "inform_nation",
              "out_of_scope", "other_language", "forget_me", "nlu_fallback"]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TwoTopicDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"not_topics": NOT_TOPICS, "second_best_threshold": None}

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        self.not_topics = frozenset(self.config["not_topics"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TwoTopicDetector:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT)
        intent = message.get(INTENT) or {}
        if not isinstance(text, str) or intent.get("name") in NEVER_COMBINE:
            return
        topics = self.topics(text, intent, message.get(INTENT_RANKING_KEY) or [],
                             clause_intents(message))
        if len(topics) < 2:
            return
        message.set(TOPICS_KEY, topics, add_to_output=True)
        if intent.get("name") == "nlu_fallback":
            message.set(INTENT, {"name": topics[0], "confidence": intent.get("confidence", 0.0)},
                        add_to_output=True)

    def topics(self, text: str, intent: dict, ranking: list[dict],
               clause_labels: list[str | None] | None = None) -> list[str]:
        """The distinct topics of `text` in the order found (see the module docstring).
        `clause_labels`: the intent of each clause of `text`, in order (None: unknown)."""
        parts = clauses(text)
        found: list[str] = [DANGER] if is_danger(text) else []
        if len(parts) >= 2:
            labels = list(clause_labels or []) + [None] * len(parts)
            found.append(intent.get("name"))
            found += [DANGER if is_danger(part) else label for part, label in zip(parts, labels)]
        found += self._second_best(ranking)
        topics = [t for t in dict.fromkeys(found) if t and t not in self.not_topics]
        if SPECIFIC_ABUSE.intersection(topics):
            topics = [t for t in topics if t != GENERAL_ABUSE]
        return topics

    def _second_best(self, ranking: list[dict]) -> list[str]:
        """Optional (off by default): the classifier's first two intents, if the second is at
        least `second_best_threshold` sure. Kept for the measured comparison."""
        threshold = self.config["second_best_threshold"]
        learned = [r for r in ranking if r.get("name") != "nlu_fallback"]
        if threshold is None or len(learned) < 2 or learned[1]["confidence"] < threshold:
            return []
        return [learned[0]["name"], learned[1]["name"]]
