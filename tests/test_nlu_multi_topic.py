"""Two questions in one message get two answers (issue 13).

The first tests are fast and need no model: the composing action, the policy and the
detector's rules. The last one parses the two-topic holdout with the trained model
(models/safe-report.tar.gz) and requires both topics answered in at least 90% of it.
"""
import asyncio
import logging
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.two_topics import ActionAnswerTwoTopics, combined_services, ordered_topics
from bot.nlu import multi_topic_eval as mt
from bot.nlu.clauses import CLAUSE_INTENTS, clauses
from bot.nlu.two_topics import TwoTopicDetector
from bot.nlu.two_topics_policy import ANSWER_ACTION, TwoTopicsPolicy
from bot.paths import DOMAIN_FILE
from bot.safety import contains_emergency_numbers

ROOT = Path(__file__).resolve().parents[1]
MULTI_HOLDOUT = ROOT / "tests" / "nlu_multi_holdout.yml"
TRAINING_DIR = ROOT / "data" / "nlu"
MIN_BOTH_ANSWERED = 0.90
RESPONSES = mt.domain_responses()


def test_danger_comes_first_and_at_most_two_other_topics_are_answered():
    assert ordered_topics(["spouse_visa", "police_share_data", "danger"], RESPONSES) == [
        "danger", "police_share_data", "spouse_visa"]
    assert ordered_topics(["privacy_info", "spouse_visa", "police_share_data"], RESPONSES) == [
        "police_share_data", "spouse_visa"]
    assert ordered_topics(["police_share_data", "domestic_abuse"], RESPONSES) == [
        "domestic_abuse", "police_share_data"]
    assert ordered_topics(["no_such_topic", "legal_advice"], RESPONSES) == ["legal_advice"]


def test_one_services_list_without_duplicates():
    messages = combined_services(["domestic_abuse", "spouse_visa"], "Wales")
    lines = [line for m in messages for line in m.splitlines()[1:]]
    assert lines and len(lines) == len(set(lines))
    assert messages[0].startswith("Services that can help in Wales")
    assert combined_services(["danger"], None) == []


def run_action(topics, slots=None):
    tracker = Tracker("pseudonym", slots or {}, {"intent": {"name": topics[0]}, "topics": topics},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionAnswerTwoTopics().run(dispatcher, tracker, {"responses": RESPONSES})
    return dispatcher.messages, events


def test_danger_and_a_topic_emergency_answer_first_then_the_topic():
    messages, _ = run_action(["spouse_visa", "danger"], {"nation": "Scotland"})
    assert [m.get("response") for m in messages[:2]] == ["utter_danger", "utter_spouse_visa"]
    assert messages[2:] and all(m.get("response") is None and m["text"] for m in messages[2:])


def test_nation_is_asked_once_when_it_changes_the_list():
    messages, events = run_action(["domestic_abuse", "police_share_data"])
    assert messages[-1].get("response") == "utter_ask_nation"
    assert events == [{"event": "slot", "timestamp": None, "name": "nation_asked", "value": True}]


def policy_prediction(parse_data, latest_action="action_listen"):
    domain = Domain.load(str(DOMAIN_FILE))
    tracker = DialogueStateTracker.from_events("x", [
        ActionExecuted("action_listen"),
        UserUttered("redacted", parse_data["intent"], [], parse_data),
        *([ActionExecuted(latest_action)] if latest_action != "action_listen" else [])])
    policy = TwoTopicsPolicy.create({}, None, None, ExecutionContext(GraphSchema({}), "test"))
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    return domain.action_names_or_texts[best] if prediction.max_confidence > 0 else None, prediction


def test_policy_answers_two_topics_then_listens_and_abstains_otherwise():
    two = {"intent": {"name": "spouse_visa", "confidence": 0.6}, "topics": ["spouse_visa", "police_share_data"]}
    action, prediction = policy_prediction(two)
    assert action == ANSWER_ACTION and prediction.policy_priority > 6  # above RulePolicy
    assert policy_prediction(two, ANSWER_ACTION)[0] == "action_listen"
    assert policy_prediction({"intent": {"name": "spouse_visa", "confidence": 0.9}})[0] is None


class detector:
    """The detector's rules with fixed clause labels (as the intent classifier would give)."""

    def __init__(self, labels):
        self.labels, self.rules = labels, TwoTopicDetector({})

    def topics(self, text, intent, ranking):
        return self.rules.topics(text, intent, ranking, self.labels[: len(clauses(text))])

    def process(self, messages):
        for message in messages:
            message.set(CLAUSE_INTENTS, self.labels[: len(clauses(message.get(TEXT)))])
        return self.rules.process(messages)


def test_detector_rules():
    intent = {"name": "domestic_abuse", "confidence": 0.7}
    # one clause: never two topics
    assert detector(["police_share_data"]).topics("my husband hits me", intent, []) == []
    # two clauses, two topics, in the order found
    assert detector(["domestic_abuse", "police_share_data"]).topics(
        "my husband hits me, will police tell home office", intent, []) == [
        "domestic_abuse", "police_share_data"]
    # non-topics never count
    assert detector(["greet", "inform_nation"]).topics(
        "hello there friend, i live in wales", {"name": "greet"}, []) == []
    # danger found by the patterns; domestic abuse is then part of the emergency answer
    assert detector(["domestic_abuse", "report_no_papers"]).topics(
        "he is hitting me right now, i have no papers at all", intent, []) == [
        "danger", "report_no_papers"]
    # a more specific abuse topic replaces the general one
    assert detector(["male_victim", "specialist_groups"]).topics(
        "i am a man and my wife beats me. is there a group for me", intent, []) == [
        "male_victim", "specialist_groups"]
    # erasure is never combined
    message = Message(data={TEXT: "please forget me now, will police tell home office"})
    message.set(INTENT, {"name": "forget_me", "confidence": 0.9})
    detector(["domestic_abuse", "police_share_data"]).process([message])
    assert message.get("topics") is None and message.get(INTENT)["name"] == "forget_me"


def test_no_multi_holdout_message_is_in_the_training_data():
    from rasa.shared.nlu.training_data.loading import load_data

    training = {m.get("text").strip().lower() for m in load_data(str(TRAINING_DIR)).intent_examples}
    multi = mt.load_multi_holdout(MULTI_HOLDOUT)
    assert len(multi) >= 40
    assert [text for text, _ in multi if text.strip().lower() in training] == []


@pytest.mark.timeout(900)
def test_both_topics_are_answered_in_the_multi_holdout(trained_model):
    from rasa.core.agent import Agent

    logging.disable(logging.CRITICAL)
    try:
        agent = Agent.load(str(trained_model))
        multi = mt.load_multi_holdout(MULTI_HOLDOUT)

        async def parse_all():
            return [await agent.parse_message(text) for text, _ in multi]

        parses = asyncio.run(parse_all())
    finally:
        logging.disable(logging.NOTSET)
    missed = [(text, mt.answered_topics(p, RESPONSES)) for p, (text, expected) in zip(parses, multi)
              if not mt.covers(mt.answered_topics(p, RESPONSES), expected)]
    assert 1 - len(missed) / len(multi) >= MIN_BOTH_ANSWERED, missed


@pytest.mark.timeout(600)
def test_through_the_real_stack_both_answers_once_each(rasa_stack):
    """The issue's message through the web chat: emergency answer (the danger patterns match
    "he hits me"), the partner-visa answer and the police answer, one services list."""
    text = ("my husband brought me here on a spouse visa and he hits me. "
            "if i go to police will they send me back?")
    answer = rasa_stack.say("two-topics-test", text)
    assert contains_emergency_numbers([{"text": answer}])  # 999 and the Silent Solution
    assert RESPONSES["utter_spouse_visa"][0]["text"][:60] in answer
    fear = [RESPONSES[f"utter_{t}"][0]["text"][:60]
            for t in ("police_share_data", "fear_arrest_deport", "report_no_papers")]
    assert any(f in answer for f in fear)
    assert answer.count("Services that can help") == 1
    assert answer.count(RESPONSES["utter_danger"][0]["text"][:60]) == 1
