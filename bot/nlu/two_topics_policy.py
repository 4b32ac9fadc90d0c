"""A dialogue policy: a message with two topics gets the combined answer, and then we listen.

When the NLU's TwoTopicDetector put two or more `topics` into the latest message, this policy
predicts `action_answer_two_topics` (actions/two_topics.py) instead of the one-topic rule, with
a priority above RulePolicy's; after that action it predicts action_listen. Otherwise it
abstains (all zeros), so every other turn follows the rules as before. It reads intent names
only, never text.
"""
from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction, confidence_scores_for
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlu.two_topics import TOPICS_KEY

ANSWER_ACTION = "action_answer_two_topics"
# RulePolicy's priority is 6: on equal confidence the higher priority wins.
PRIORITY = 7


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT,
                          is_trainable=True)
class TwoTopicsPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": PRIORITY}

    def __init__(self, config: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__({**self.get_default_config(), **config}, *args, **kwargs)

    def train(self, training_trackers: list, domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn: the NLU found the topics

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: dict | None = None,
                                     **kwargs: Any) -> PolicyPrediction:
        latest = tracker.latest_message.parse_data if tracker.latest_message else {}
        two_topics = len(latest.get(TOPICS_KEY) or []) >= 2
        if ANSWER_ACTION not in domain.action_names_or_texts or not two_topics:
            return self._prediction(self._default_predictions(domain))
        if tracker.latest_action_name == ACTION_LISTEN_NAME:
            return self._prediction(confidence_scores_for(ANSWER_ACTION, 1.0, domain))
        if tracker.latest_action_name == ANSWER_ACTION:
            return self._prediction(confidence_scores_for(ACTION_LISTEN_NAME, 1.0, domain))
        return self._prediction(self._default_predictions(domain))
