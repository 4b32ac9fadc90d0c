"""The deterministic danger override in the NLU pipeline."""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.danger_override import DangerOverride


def message(text, intent, confidence=0.8):
    m = Message(data={TEXT: text})
    m.set(INTENT, {"name": intent, "confidence": confidence})
    m.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}, {"name": "danger", "confidence": 0.1}])
    return m


def test_danger_words_override_the_learned_intent():
    m = DangerOverride().process([message("my husband is hitting me now", "domestic_abuse")])[0]
    assert m.get(INTENT) == {"name": "danger", "confidence": 1.0}
    ranking = [r["name"] for r in m.get(INTENT_RANKING_KEY)]
    assert ranking[0] == "danger" and ranking.count("danger") == 1 and "domestic_abuse" in ranking


def test_fallback_is_overridden_too():
    m = DangerOverride().process([message("he has a knife", "nlu_fallback", 0.4)])[0]
    assert m.get(INTENT)["name"] == "danger"


def test_other_messages_are_left_alone():
    m = DangerOverride().process([message("will the police tell the home office", "police_share_data")])[0]
    assert m.get(INTENT) == {"name": "police_share_data", "confidence": 0.8}
