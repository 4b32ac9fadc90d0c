"""The redacting, expiring tracker store with real Rasa trackers and our real domain."""
import asyncio
import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.paths import DOMAIN_FILE
from bot.tracker_store import RedactingTrackerStore

CANARIES = ["Chiamaka Okafor", "07700 900461", "chiamaka.okafor@example.com", "SW1A 2AA", "12 Acacia Road"]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(DOMAIN_FILE))


def store(domain, idle=1800, clock=None):
    extra = {"clock": clock} if clock else {}
    return RedactingTrackerStore(domain=domain, idle_expiry_seconds=idle, themes=False, **extra)


def tracker_with(domain, sender, text, intent="domestic_abuse", slot_value=None):
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    parse = {"intent": {"name": intent, "confidence": 0.9},
             "entities": [{"entity": "name", "value": "Chiamaka Okafor", "start": 0, "end": 5},
                          {"entity": "nation", "value": "Wales", "start": 0, "end": 5}],
             "text": text}
    tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse_data=parse, input_channel="webchat",
                               metadata={"ip": "203.0.113.9", "phone": "07700 900461"}))
    if slot_value:
        tracker.update(SlotSet("nation", "Wales"))
        tracker.update(SlotSet("requested_detail", slot_value))
    tracker.update(BotUttered("Echo: " + text, metadata={"utter_action": "utter_x", "ip": "203.0.113.9"}))
    return tracker


def run(coro):
    return asyncio.get_event_loop().run_until_complete(coro) if False else asyncio.run(coro)


def test_nothing_identifying_is_kept(domain):
    s = store(domain)
    text = "my name is Chiamaka Okafor, call 07700 900461 or chiamaka.okafor@example.com, I live at 12 Acacia Road SW1A 2AA"
    run(s.save(tracker_with(domain, "webchat-abc", text, slot_value="Chiamaka Okafor 07700 900461")))
    raw = s.backend.get("webchat-abc")
    assert raw is not None
    for canary in CANARIES + ["203.0.113.9"]:
        assert canary not in raw, canary
        assert json.dumps(canary)[1:-1] not in raw
    # What the assistant needs survives: the intent, the nation entity and slot, placeholders.
    data = json.loads(raw)
    user = next(e for e in data["events"] if e["event"] == "user")
    assert user["parse_data"]["intent"]["name"] == "domestic_abuse"
    assert "[NAME]" in user["text"] and "[PHONE]" in user["text"]
    assert {"entity": "nation", "value": "Wales"}.items() <= user["parse_data"]["entities"][1].items()
    assert user["metadata"] == {}
    restored = run(s.retrieve("webchat-abc"))
    assert restored.get_slot("nation") == "Wales"


def test_our_own_bot_texts_are_kept_verbatim(domain):
    s = store(domain)
    text = next(iter(domain.responses["utter_danger"]))["text"]
    tracker = DialogueStateTracker("webchat-x", domain.slots)
    tracker.update(BotUttered(text, metadata={"utter_action": "utter_danger"}))
    run(s.save(tracker))
    assert text in json.loads(s.backend.get("webchat-x"))["events"][0]["text"]


def test_idle_conversations_expire(domain):
    now = [1000.0]
    s = store(domain, idle=30, clock=lambda: now[0])
    run(s.save(tracker_with(domain, "webchat-exp", "hello")))
    now[0] += 29
    assert run(s.retrieve("webchat-exp")) is not None
    now[0] += 2  # 31 s after the save: the retrieve above did not refresh it, only a save does
    assert run(s.retrieve("webchat-exp")) is None
    assert "webchat-exp" not in list(run(s.keys()))


def test_forget_me_deletes_and_the_end_of_turn_save_does_not_bring_it_back(domain):
    s = store(domain)
    run(s.save(tracker_with(domain, "webchat-del", "I was trafficked", intent="trafficking")))
    tracker = run(s.retrieve("webchat-del"))
    tracker.update(UserUttered("/forget_me", {"name": "forget_me", "confidence": 1.0},
                               parse_data={"intent": {"name": "forget_me", "confidence": 1.0}, "entities": [],
                                           "text": "/forget_me"}))
    run(s.save(tracker))
    assert run(s.retrieve("webchat-del")) is None
    tracker.update(BotUttered("Done", metadata={"utter_action": "utter_forgotten"}))
    tracker.update(ActionExecuted("action_listen"))
    run(s.save(tracker))  # the processor's save at the end of the turn
    assert run(s.retrieve("webchat-del")) is None
    assert "webchat-del" not in list(run(s.keys()))
