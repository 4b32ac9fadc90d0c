"""Custom actions. They never log or store what the user wrote: they read only intent names
and the `nation` slot, and send text built from data/resources.yml."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.localise import note, reply_language, sayer
from bot import resources

# Intents that are a topic the user may want services for. A later turn that only names a
# nation (inform_nation) re-shows services for the most recent of these.
TOPIC_INTENTS = frozenset(
    {
        "danger",
        "report_no_papers",
        "police_share_data",
        "fear_arrest_deport",
        "options_without_police",
        "legal_advice",
        "specialist_groups",
        "anonymous_reporting",
        "hate_crime",
        "domestic_abuse",
        "spouse_visa",
        "trafficking",
        "duty_to_notify",
        "sexual_violence",
        "forced_marriage",
        "male_victim",
        "lgbt_victim",
        "nhs_treatment",
        "victims_code",
        "nrpf",
        "children_fear",
        "visa_threat",
        "witness",
        "work_exploitation",
        "asylum_seeker",
        "how_to_report",
        "stalking",
        "economic_abuse",
        "deaf_access",
    }
)
GENERAL_TOPIC = "general"
MESSAGE_LIMIT = 480
# An SMS answer should stay short. When every nation's services do not fit in this many
# messages, services for one part of the UK are shortened to their name and one contact.
MAX_SERVICE_MESSAGES = 3


def current_topic(tracker: Tracker) -> Text:
    """The most recent topic intent in this session, or 'general' if there is none."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent in TOPIC_INTENTS:
            return intent
    latest = (tracker.latest_message.get("intent") or {}).get("name")
    return latest if latest in TOPIC_INTENTS else GENERAL_TOPIC


def nation_from_slot(tracker: Tracker) -> Optional[Text]:
    """The nation slot as a display name ('Northern Ireland'), or None if unknown/invalid."""
    key = resources._to_nation_key(tracker.get_slot("nation"))
    return resources.NATION_NAMES[key] if key else None


def services_header(nation: Optional[Text], found: bool, say: resources.Say = resources.say_english) -> Text:
    """The first line of a services list; `nation` is a display name ('Northern Ireland')."""
    place = say("phrase_" + resources._to_nation_key(nation)) if nation else None
    if found:
        return say("phrase_services_in", nation=place) if place else say("phrase_services")
    return say("phrase_no_service_in", nation=place) if place else say("phrase_no_service")


def service_lines(entries, nation: Optional[Text], language: Optional[Text]) -> List[Text]:
    say = sayer(language)
    return [resources.format_line(e, show_nations=nation is None, say=say, note=note(e, language))
            for e in entries]


def services_messages(topic: Text, nation: Optional[Text], language: Optional[Text] = None) -> List[Text]:
    """The messages that list services for a topic, for one nation or (None) for all."""
    say = sayer(language)
    entries = resources.for_topic(topic, nation)
    header = services_header(nation, bool(entries), say)
    if not entries:
        entries = resources.for_topic(GENERAL_TOPIC, nation)
    messages = resources.pack_messages(header, service_lines(entries, nation, language), limit=MESSAGE_LIMIT)
    if len(messages) > MAX_SERVICE_MESSAGES:
        lines = [resources.format_line(e, show_nations=True, say=say, note=note(e, language)) if e.uk_wide
                 else short_line(e, say) for e in entries]
        header += " " + say("phrase_tell_nation")
        messages = resources.pack_messages(header, lines, limit=MESSAGE_LIMIT)
    return messages


def short_line(resource: resources.Resource, say: resources.Say = resources.say_english) -> Text:
    """'Name (Scotland): one contact.' Only fields usable as fact; no note."""
    english = resources.nations_label(resource)
    name = resource.name if english in resource.name else resources._with_label(resource.name,
                                                                                resources.nations_label(resource, say))
    for field in ("phone", "web", "email"):
        if resource.usable(field):
            return f"{name}: {getattr(resource, field)}."
    return f"{name}."


def nation_matters(topic: Text) -> bool:
    """True when the services for a topic differ between the nations of the UK."""
    entries = resources.for_topic(topic) or resources.for_topic(GENERAL_TOPIC)
    return any(not e.uk_wide for e in entries)


class ActionShowServices(Action):
    """Sends the services for the current topic and the user's nation (if given), and asks
    once, optionally, which nation they are in when that would change the answer."""

    def name(self) -> Text:
        return "action_show_services"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        topic = current_topic(tracker)
        nation = nation_from_slot(tracker)
        for message in services_messages(topic, nation, reply_language(tracker)):
            dispatcher.utter_message(text=message)

        if nation is None and not tracker.get_slot("nation_asked") and nation_matters(topic):
            dispatcher.utter_message(response="utter_ask_nation")
            return [SlotSet("nation_asked", True)]
        return []
