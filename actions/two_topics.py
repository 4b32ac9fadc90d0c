"""The answer to a message that asks about two things (issue 13, "two questions").

bot.nlu.two_topics puts the topics it found into the parse result (`topics`, intent names
only); bot.nlu.two_topics_policy then runs this action instead of the one-topic rule. It sends,
most urgent first: the emergency answer if there is danger (whole, never cut), the main answer
of each of the two most urgent other topics, then ONE list of services for them all, then asks
for the nation once if that would change the list. Like every action here it never reads what
the user wrote.
"""
from __future__ import annotations

import functools
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    GENERAL_TOPIC,
    MESSAGE_LIMIT,
    TOPIC_INTENTS,
    nation_from_slot,
    nation_matters,
    service_lines,
    services_header,
)
from actions.localise import reply_language, sayer
from bot import resources
from bot.paths import DOMAIN_FILE

TOPICS_KEY = "topics"  # bot.nlu.two_topics.TOPICS_KEY (not imported: the action server has no NLU)
MAX_TOPICS = 2
DANGER = "danger"
# Most urgent first: immediate danger, a phone that may be watched, harm going on, then the
# fear of reporting, then status and support, then questions about this chat. Topics not
# listed (new intents) come after these, in the order they were found.
URGENCY = [
    DANGER, "phone_safety",
    "trafficking", "sexual_violence", "forced_marriage", "domestic_abuse", "male_victim",
    "lgbt_victim", "hate_crime",
    "police_share_data", "fear_arrest_deport", "report_no_papers", "duty_to_notify",
    "anonymous_reporting", "options_without_police",
    "spouse_visa", "legal_advice", "specialist_groups", "nhs_treatment", "victims_code",
    "privacy_info",
]


@functools.lru_cache(maxsize=1)
def response_names() -> frozenset:
    """The responses in domain.yml. Rasa sends no domain to our actions
    (enable_selective_domain in endpoints.yml), so it is read here once."""
    with open(DOMAIN_FILE, encoding="utf-8") as f:
        return frozenset((yaml.safe_load(f) or {}).get("responses") or {})


def ordered_topics(found: list[str], responses: dict) -> list[str]:
    """The topics to answer, most urgent first: danger if found (the emergency answer is a
    safety net, not one of the person's questions, so it does not count), then the MAX_TOPICS
    most urgent others that have a main answer `utter_<topic>`."""
    answerable = [t for t in dict.fromkeys(found) if f"utter_{t}" in responses]
    rank = {topic: i for i, topic in enumerate(URGENCY)}
    ordered = sorted(answerable, key=lambda t: (rank.get(t, len(URGENCY)), answerable.index(t)))
    danger = [t for t in ordered if t == DANGER]
    return danger + [t for t in ordered if t != DANGER][:MAX_TOPICS]


def combined_services(topics: list[str], nation: str | None, language: str | None = None) -> list[str]:
    """One services list for all `topics` that show services (danger's are in its answer)."""
    with_services = [t for t in topics if t in TOPIC_INTENTS and t != DANGER]
    if not with_services:
        return []
    entries = list({e.id: e for t in with_services for e in resources.for_topic(t, nation)}.values())
    header = services_header(nation, bool(entries), sayer(language))
    if not entries:
        entries = resources.for_topic(GENERAL_TOPIC, nation)
    return resources.pack_messages(header, service_lines(entries, nation, language), limit=MESSAGE_LIMIT)


class ActionAnswerTwoTopics(Action):
    def name(self) -> str:
        return "action_answer_two_topics"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        found = list(tracker.latest_message.get(TOPICS_KEY) or [])
        topics = ordered_topics(found, domain.get("responses") or response_names())
        if not topics:  # the policy only calls this with two topics; be safe anyway
            dispatcher.utter_message(response="utter_fallback")
            return []
        for topic in topics:
            dispatcher.utter_message(response=f"utter_{topic}")
        nation = nation_from_slot(tracker)
        for message in combined_services(topics, nation, reply_language(tracker)):
            dispatcher.utter_message(text=message)
        shown = [t for t in topics if t in TOPIC_INTENTS and t != DANGER]
        if (nation is None and shown and not tracker.get_slot("nation_asked")
                and any(nation_matters(t) for t in shown)):
            dispatcher.utter_message(response="utter_ask_nation")
            return [SlotSet("nation_asked", True)]
        return []
