"""Every custom action, run with a real rasa_sdk Tracker and CollectingDispatcher."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import TOPIC_INTENTS, ActionShowServices, current_topic
from bot import resources

ROOT = Path(__file__).resolve().parents[1]
DOMAIN: Dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
NATIONS: List[Optional[str]] = [None, "England", "Wales", "Scotland", "Northern Ireland"]
SERVICE_TOPICS = sorted(TOPIC_INTENTS)


def user_event(intent: str, text: str = "redacted", entities: Optional[list] = None) -> dict:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": 0.99},
            "entities": entities or [],
            "text": text,
        },
    }


def make_tracker(
    intents: List[str],
    nation: Optional[str] = None,
    nation_asked: bool = False,
    extra_events: Optional[list] = None,
    last_text: str = "redacted",
) -> Tracker:
    events: list = [{"event": "action", "name": "action_session_start"},
                    {"event": "session_started"},
                    {"event": "action", "name": "action_listen"}]
    events += extra_events or []
    for i, intent in enumerate(intents):
        text = last_text if i == len(intents) - 1 else "redacted"
        events.append(user_event(intent, text))
        events.append({"event": "action", "name": "action_listen"})
    latest = events[-2]["parse_data"] if intents else {}
    return Tracker(
        sender_id="pseudonym-test",
        slots={"nation": nation, "nation_asked": nation_asked},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def shown_name(entry: resources.Resource) -> str:
    """The name as printed; a nation label may be added inside a closing bracket."""
    return entry.name[:-1] if entry.name.endswith(")") else entry.name


def is_shown(entry: resources.Resource, joined: str) -> bool:
    """True if a line starts with the entry's name ("Victim Support" is not "Victim Support
    Scotland"): the name is followed by its contacts, a nation label or the end of the line."""
    pattern = r"(?m)^" + re.escape(shown_name(entry)) + r"(?=[:.,)]| \()"
    return bool(re.search(pattern, joined))


def run_show_services(tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = ActionShowServices().run(dispatcher, tracker, DOMAIN)
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    responses = [m["response"] for m in dispatcher.messages if m.get("response")]
    return texts, responses, events


def test_action_is_registered_in_domain():
    assert ActionShowServices().name() in DOMAIN["actions"]


@pytest.mark.parametrize("topic", SERVICE_TOPICS)
@pytest.mark.parametrize("nation", NATIONS)
def test_every_topic_and_nation_gives_short_messages_from_the_right_services(topic, nation):
    texts, _, _ = run_show_services(make_tracker([topic], nation=nation, nation_asked=True))
    assert texts, "the action must always send something"
    assert len(texts) <= 3
    assert all(len(t) <= 480 for t in texts)
    joined = "\n".join(texts)
    expected = resources.for_topic(topic, nation) or resources.for_topic("general", nation)
    for entry in expected:
        assert is_shown(entry, joined), entry.id
    # Nothing for another nation: every shown entry covers the user's nation.
    if nation:
        key = nation.lower().replace(" ", "_")
        for entry in resources.load():
            if is_shown(entry, joined):
                assert key in entry.nations, f"{entry.id} shown for {nation}"


@pytest.mark.parametrize(
    "topic, nation, must, must_not",
    [
        ("domestic_abuse", "Scotland", ["0800 027 1234"], ["0808 2000 247", "0808 80 10 800", "0808 802 1414"]),
        ("domestic_abuse", "Wales", ["0808 80 10 800", "text 07860077333"], ["0800 027 1234", "0808 2000 247"]),
        ("domestic_abuse", "Northern Ireland", ["0808 802 1414"], ["0808 2000 247", "0800 027 1234"]),
        ("domestic_abuse", "England", ["0808 2000 247", "020 8571 9595"], ["0800 027 1234", "0808 802 1414"]),
        ("domestic_abuse", None, ["0808 2000 247", "(Refuge, England)", "Live Fear Free (Wales)", "0800 027 1234", "0808 802 1414"], []),
        ("sexual_violence", "England", ["247sexualabusesupport.org.uk", "Check their website for the phone number"], ["0808 500 2222", "08088 01 03 02"]),
        ("sexual_violence", "Scotland", ["08088 01 03 02", "Check opening hours"], ["6pm-midnight", "247sexualabusesupport"]),
        ("legal_advice", "England", ["0345 345 4 345", "find-legal-advice.justice.gov.uk", "solicitors.lawsociety.org.uk"], []),
        ("legal_advice", "Scotland", ["slab.org.uk", "lawscot.org.uk", "Immigration Advice Authority"], ["I don't have a checked service", "0345 345 4 345", "legal aid adviser"]),
        ("legal_advice", "Northern Ireland", ["lawcentreni.org", "Law Society of Northern Ireland"], ["I don't have a checked service", "0345 345 4 345"]),
        ("legal_advice", "England", ["It does not cover visa or immigration problems"], ["80010"]),
        # Civil Legal Advice does not cover immigration: never shown for immigration topics.
        ("spouse_visa", "England", ["find-legal-advice.justice.gov.uk"], ["0345 345 4 345"]),
        ("police_share_data", "Wales", ["020 8571 9595", "bawso.org.uk"], ["0345 345 4 345"]),
        ("report_no_papers", "Scotland", ["justrightscotland.org.uk", "slab.org.uk"], ["0345 345 4 345"]),
        ("fear_arrest_deport", "Northern Ireland", ["lawcentreni.org"], ["0345 345 4 345"]),
        ("nrpf", "Wales", ["bawso.org.uk", "0808 80 10 800"], ["0808 2000 247", "0800 731 8147"]),
        ("children_fear", "England", ["0800 1111", "0808 800 5000", "Check opening hours"], []),
        ("visa_threat", "Scotland", ["slab.org.uk"], ["0345 345 4 345"]),
        ("stalking", "Scotland", ["0808 802 0300", "0800 160 1985"], ["08 08 16 89 111"]),
        ("economic_abuse", "Northern Ireland", ["0808 1968845", "0808 802 1414"], []),
        ("deaf_access", None, ["18000", "'register' to 999"], []),
        ("asylum_seeker", "England", ["migranthelpuk.org"], ["0808 8010 503"]),
        ("witness", "Northern Ireland", ["victimsupportni.com", "0800 555 111", "immigration"], []),
        ("how_to_report", "Wales", ["Police non-emergency number: 101", "report-it.org.uk"], []),
        ("work_exploitation", "Scotland", ["08000 121 700", "justrightscotland.org.uk"], []),
        ("sexual_violence", "England", ["Sexual Assault Referral Centres", "without reporting to the police"], []),
        ("hate_crime", "Scotland", ["third-party reporting centres"], ["report-it.org.uk"]),
        ("hate_crime", "Northern Ireland", ["report-it.org.uk", "0800 555 111", "Reports go to the police"], ["third-party reporting centres"]),
        ("anonymous_reporting", "England", ["0800 555 111", "immigration"], []),
        ("trafficking", "Scotland", ["08000 121 700"], ["0800 808 3733"]),
        ("trafficking", "Wales", ["08000 121 700", "0800 808 3733"], []),
        ("forced_marriage", "England", ["0800 5999 247", "020 7008 0151", "Check opening hours", "It helps anyone in the UK"], ["9am-9pm", "0800 027 1234", "who are abroad"]),
        ("lgbt_victim", "Wales", ["0800 999 5428", "report-it.org.uk"], ["10am-8:30pm", "10am-5pm"]),
        ("male_victim", "England", ["0808 801 0327", "08 08 16 89 111"], []),
        ("victims_code", "Wales", ["08 08 16 89 111"], []),
        ("specialist_groups", "England", ["020 8571 9595", "lawrs.org.uk", "Step Up Migrant Women"], ["Kanlungan"]),
    ],
)
def test_services_for_topic_and_nation(topic, nation, must, must_not):
    texts, _, _ = run_show_services(make_tracker([topic], nation=nation, nation_asked=True))
    joined = "\n".join(texts)
    for fragment in must:
        assert fragment in joined
    for fragment in must_not:
        assert fragment not in joined


def test_nation_given_in_a_later_turn_reruns_the_last_topic():
    tracker = make_tracker(["domestic_abuse", "thanks", "inform_nation"], nation="Wales")
    assert current_topic(tracker) == "domestic_abuse"
    texts, responses, events = run_show_services(tracker)
    joined = "\n".join(texts)
    assert "Live Fear Free" in joined and "in Wales" in joined
    assert "0808 2000 247" not in joined
    assert responses == [] and events == []


def test_latest_topic_wins_over_an_older_one():
    tracker = make_tracker(["domestic_abuse", "trafficking", "inform_nation"], nation="Scotland")
    assert current_topic(tracker) == "trafficking"
    texts, _, _ = run_show_services(tracker)
    assert "08000 121 700" in "\n".join(texts)


def test_topic_from_an_earlier_session_is_not_used():
    tracker = make_tracker(
        ["inform_nation"],
        nation="England",
        extra_events=[user_event("sexual_violence"), {"event": "session_started"}],
    )
    assert current_topic(tracker) == "general"
    texts, _, _ = run_show_services(tracker)
    assert "247sexualabusesupport" not in "\n".join(texts)
    assert "0808 2000 247" in "\n".join(texts)


def test_nation_is_asked_once_gently_when_it_matters_and_is_unknown():
    texts, responses, events = run_show_services(make_tracker(["domestic_abuse"]))
    assert responses == ["utter_ask_nation"]
    assert events == [SlotSet("nation_asked", True)]
    ask = DOMAIN["responses"]["utter_ask_nation"][0]["text"]
    for nation in ("England", "Wales", "Scotland", "Northern Ireland"):
        assert nation in ask
    assert "don't have to" in ask and "town" in ask  # optional, never a more precise place

    # Already asked: not again.
    _, responses, events = run_show_services(make_tracker(["domestic_abuse"], nation_asked=True))
    assert responses == [] and events == []
    # Nation known: never asked.
    _, responses, events = run_show_services(make_tracker(["domestic_abuse"], nation="Scotland"))
    assert responses == [] and events == []


def test_unknown_slot_value_is_treated_as_no_nation():
    texts, responses, _ = run_show_services(make_tracker(["domestic_abuse"], nation="Atlantis"))
    joined = "\n".join(texts)
    assert "Live Fear Free (Wales)" in joined and "(Refuge, England)" in joined
    assert responses == ["utter_ask_nation"]


def test_action_never_logs_or_repeats_user_text(caplog):
    secret = "my name is Jane Doe, 07700 900123, 10 Downing Street"
    caplog.set_level(logging.DEBUG)
    tracker = make_tracker(["domestic_abuse"], last_text=secret)
    texts, _, _ = run_show_services(tracker)
    everything = caplog.text + "\n".join(texts)
    for piece in ("Jane", "07700", "Downing"):
        assert piece not in everything


def test_every_nation_list_is_short_and_still_names_every_service():
    # legal_advice has the most services: with no nation they are shortened, none is dropped.
    texts, _, _ = run_show_services(make_tracker(["legal_advice"], nation_asked=True))
    joined = "\n".join(texts)
    assert len(texts) <= 3
    assert "Tell me your part of the UK" in joined
    for entry in resources.for_topic("legal_advice"):
        assert is_shown(entry, joined), entry.id
