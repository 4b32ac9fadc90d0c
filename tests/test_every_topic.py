"""One conversation through /webhooks/webchat/webhook that reaches every topic of the assistant.

For each rule in data/rules.yml (intent -> first answer), send a training example of that intent
through the real channel, Rasa and the action server, and check that the answer starts with the
rule's first response from domain.yml. Nothing is hard-coded: the rules, the examples and the
answers all come from the project's own files."""
import re
import uuid

import pytest
import yaml

from support import ROOT

NOT_A_TOPIC = {"forget_me", "nlu_fallback", "other_language", "inform_nation"}


def _rules():
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text())["rules"]
    pairs = {}
    for rule in rules:
        steps = rule.get("steps") or []
        if rule.get("condition") or len(steps) < 2 or "intent" not in steps[0] or "action" not in steps[1]:
            continue
        pairs.setdefault(steps[0]["intent"], steps[1]["action"])
    return pairs


def _first_example(intent):
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu") or []:
            if block.get("intent") == intent:
                for line in block["examples"].splitlines():
                    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip()[2:].strip())
                    if text and "[" not in text and len(text) > 8:
                        return text
    return None


def _response(name):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    return domain["responses"][name][0]["text"]


TOPICS = sorted((i, a) for i, a in _rules().items() if i not in NOT_A_TOPIC)


def test_there_are_many_topics():
    assert len(TOPICS) >= 25


@pytest.mark.parametrize("intent,action", TOPICS)
def test_topic_is_reached_through_the_webchat(rasa_stack, intent, action):
    example = _first_example(intent)
    assert example, f"no plain example for {intent}"
    answer = rasa_stack.say(uuid.uuid4().hex, example)
    if action.startswith("utter_"):
        expected = _response(action)[:60]
        assert expected in answer, (intent, example, answer[:300])
    else:
        assert answer.strip(), (intent, example)


def test_new_topic_then_the_nation_through_the_webchat(rasa_stack):
    """A new topic (ways to report), then the nation in a later turn: that nation's services."""
    sender = uuid.uuid4().hex
    first = rasa_stack.say(sender, _first_example("how_to_report"))
    assert _response("utter_how_to_report")[:60] in first
    later = rasa_stack.say(sender, "I live in Scotland")
    assert "Services that can help in Scotland" in later
    assert "Victim Support Scotland" in later and "08 08 16 89 111" not in later


def test_suicidal_message_gets_the_danger_answer_with_samaritans(rasa_stack):
    answer = rasa_stack.say(uuid.uuid4().hex, "i want to end my life")
    assert "call 999, then press 55" in answer and "Samaritans 116 123" in answer
