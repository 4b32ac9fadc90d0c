"""Content checks over everything the assistant can say: every domain response and the output
of action_show_services for every topic x nation.

(a) every phone number, web address and email it says is in data/resources.yml;
(b) nothing marked unverified is said as fact;
(c) every message is at most 480 characters (and plain ASCII, so an SMS stays GSM-7);
(d) the responses the channels read directly exist, have one variation and say what they must;
(e) no message promises what nobody can promise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import GENERAL_TOPIC, TOPIC_INTENTS, ActionShowServices
from bot import resources

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES: Dict[str, list] = DOMAIN["responses"]
NATIONS = [None, "England", "Wales", "Scotland", "Northern Ireland"]

CHANNEL_RESPONSES = [
    "utter_danger",
    "utter_danger_more",
    "utter_other_language",
    "utter_error",
    "utter_rate_limited",
    "utter_empty",
    "utter_too_long",
    "utter_media",
    "utter_bad_request",
    "utter_sms_first",
    "utter_forgotten",
    "utter_greet",
]
POLICE_IDS = {"emergency_999", "silent_solution", "police_101"}

# A run of digits, possibly with single spaces inside ("0808 2000 247"), not touching a
# hyphen or another digit ("2020-2023" is a range of years, not a number to call).
NUMBER_RE = re.compile(r"(?<![\d-])\d(?:\d| (?=\d))*(?![\d-])")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
WEB_RE = re.compile(
    r"\b(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+(?:uk|org|com|scot|wales|info|net)(?:/[\w./-]*)?)",
    re.IGNORECASE,
)
# Promises about what the police, the Home Office or anyone else will (not) do.
PROMISE_RE = re.compile(
    r"\b(?:police|officers?|they|immigration enforcement|the home office)\b"
    r"(?:\s+\w+){0,2}?\s+(?:will not|won't|will never|never|do not|don't|does not|doesn't|cannot|can't)\s+"
    r"(?:tell|share|pass|report|contact|check|arrest|deport|detain|remove|take)\b"
    r"|\byou will not be (?:arrested|deported|detained|removed|reported)"
    r"|\b(?:your details|your information|your data)\s+(?:will not|won't|will never)\b"
    r"|\b(?:guarantee|100% safe|completely safe|totally safe|no risk)\b",
    re.IGNORECASE,
)


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def is_year(number: str) -> bool:
    return bool(re.fullmatch(r"(?:19|20)\d\d", number))


def said_numbers(text: str) -> List[str]:
    """Numbers someone could call or text: 3+ digits, not a year."""
    without_addresses = WEB_RE.sub(" ", EMAIL_RE.sub(" ", text))  # "247sexualabusesupport.org.uk"
    found = [digits(m.group()) for m in NUMBER_RE.finditer(without_addresses)]
    return [n for n in found if len(n) >= 3 and not is_year(n)]


def said_webs(text: str) -> List[str]:
    return [m.group(1).rstrip("./").lower() for m in WEB_RE.finditer(EMAIL_RE.sub(" ", text))]


def action_output(topic: str, nation, nation_asked: bool = False) -> List[str]:
    events = [{"event": "session_started"},
              {"event": "user", "text": "x",
               "parse_data": {"intent": {"name": topic}, "entities": [], "text": "x"}}]
    tracker = Tracker("t", {"nation": nation, "nation_asked": nation_asked},
                      events[-1]["parse_data"], events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionShowServices().run(dispatcher, tracker, DOMAIN)
    out = []
    for message in dispatcher.messages:
        if message.get("text"):
            out.append(message["text"])
        else:
            out.append(RESPONSES[message["response"]][0]["text"])
    return out


def everything_said() -> List[Tuple[str, str]]:
    """(where, text) for every response variation and every action output."""
    said = [(name, v["text"]) for name, variations in RESPONSES.items() for v in variations]
    for topic in sorted(TOPIC_INTENTS | {GENERAL_TOPIC}):
        for nation in NATIONS:
            for text in action_output(topic, nation):
                said.append((f"action_show_services[{topic}, {nation}]", text))
    return said


SAID = everything_said()


def usable_numbers() -> Set[str]:
    numbers: Set[str] = set()
    for r in resources.load():
        if r.usable("phone"):
            numbers.add(digits(r.phone))
        if r.usable("text"):
            numbers.add(digits(r.text))
        if r.verified:
            numbers.update(digits(n) for n in r.extra_numbers)
    return numbers


def usable_webs() -> Set[str]:
    return {r.web.lower().rstrip("/") for r in resources.load() if r.usable("web")}


def usable_emails() -> Set[str]:
    return {r.email.lower() for r in resources.load() if r.usable("email")}


# ---- the extractors themselves (so the checks below cannot pass vacuously) ----

def test_extractors_find_numbers_webs_and_promises():
    sample = "Call 0808 2000 247 or 999, text 07860077333, see gov.wales/live-fear-free. 2020-2023, 12 rights."
    assert said_numbers(sample) == ["08082000247", "999", "07860077333"]
    assert said_webs(sample) == ["gov.wales/live-fear-free"]
    assert said_webs("write to help@galop.org.uk") == []
    assert PROMISE_RE.search("The police will not tell the Home Office.")
    assert PROMISE_RE.search("Officers never share your status.")
    assert PROMISE_RE.search("You will not be deported.")
    assert not PROMISE_RE.search("I can't promise what the police will do with your details.")
    assert len(SAID) > 100


# ---- (a) every number, web address and email is in the directory ----

@pytest.mark.parametrize("where, text", SAID)
def test_every_number_web_and_email_said_is_a_usable_directory_entry(where, text):
    numbers, webs, emails = usable_numbers(), usable_webs(), usable_emails()
    for number in said_numbers(text):
        assert number in numbers, f"{where}: number {number} is not a usable entry in resources.yml"
    for web in said_webs(text):
        assert web in webs, f"{where}: web address {web} is not a usable entry in resources.yml"
    for email in EMAIL_RE.findall(text):
        assert email.lower() in emails, f"{where}: email {email} is not in resources.yml"


# ---- (b) nothing unverified is said as fact ----

def test_no_unverified_field_or_entry_is_ever_said():
    all_text = "\n".join(text for _, text in SAID)
    all_digits = [set(said_numbers(text)) for _, text in SAID]
    checked = 0
    for r in resources.load():
        if not r.verified:
            assert r.name not in all_text, f"unverified entry {r.id} is named"
            checked += 1
        for field in r.unverified_fields:
            value = getattr(r, field)
            if not value:
                continue
            checked += 1
            if field in ("phone", "text"):
                assert not any(digits(value) in said for said in all_digits), f"{r.id}.{field} said"
            else:
                # Another service may share the value (hours "Mon-Fri 9am-5pm"), so look
                # only at lines that name this service.
                name = r.name[:-1] if r.name.endswith(")") else r.name
                for _, text in SAID:
                    for line in text.splitlines():
                        if name in line:
                            assert str(value) not in line, f"{r.id}.{field} said as fact"
    assert checked >= 5  # Rape Crisis E&W phone, Galop/Karma Nirvana hours, Kanlungan, ...


def test_unverified_phone_points_to_the_website_instead():
    line = resources.format_line(resources.by_id("rape_crisis_england_wales"))
    assert "247sexualabusesupport.org.uk" in line
    assert "Check their website for the phone number" in line
    assert "0808 500 2222" not in line


def test_unverified_entry_cannot_be_formatted():
    with pytest.raises(ValueError):
        resources.format_line(resources.by_id("kanlungan"))
    assert all(r.verified for topic in resources.topics() for r in resources.for_topic(topic))


# ---- (c) short and SMS-safe ----

@pytest.mark.parametrize("where, text", SAID)
def test_every_message_is_at_most_480_characters_and_ascii(where, text):
    assert len(text) <= 480, f"{where} is {len(text)} characters"
    assert text.isascii(), f"{where} has a non-ASCII character (SMS would fall back to UCS-2)"


def test_pack_messages_splits_at_the_limit_and_rejects_an_overlong_line():
    lines = ["x" * 200, "y" * 200, "z" * 200]
    packed = resources.pack_messages("Header:", lines, limit=480)
    assert len(packed) == 2 and all(len(m) <= 480 for m in packed)
    with pytest.raises(ValueError):
        resources.pack_messages("Header:", ["w" * 481])


# ---- (d) what the channels need ----

@pytest.mark.parametrize("name", CHANNEL_RESPONSES)
def test_channel_responses_exist_with_exactly_one_variation(name):
    assert name in RESPONSES
    assert len(RESPONSES[name]) == 1 and RESPONSES[name][0]["text"].strip()


def non_police_247_numbers() -> Set[str]:
    return {
        digits(r.phone)
        for r in resources.load()
        if r.usable("phone") and r.hours == "24/7" and r.id not in POLICE_IDS
    }


def text_of(name: str) -> str:
    return RESPONSES[name][0]["text"]


def test_danger_gives_999_silent_solution_a_non_police_line_and_no_live_reader():
    danger = text_of("utter_danger")
    numbers = set(said_numbers(danger))
    assert "999" in numbers and re.search(r"\b55\b", danger)
    assert numbers & non_police_247_numbers()
    assert "nobody reads this chat live" in danger.lower()


def test_danger_more_covers_the_other_nations():
    more = text_of("utter_danger_more")
    for nation in ("Scotland", "Wales", "Northern Ireland"):
        assert nation in more
    for rid in ("sdafmh", "live_fear_free", "ni_dsa_helpline"):
        assert resources.by_id(rid).phone in more


@pytest.mark.parametrize("name", ["utter_error", "utter_rate_limited"])
def test_error_and_rate_limit_still_give_999_55_and_a_helpline(name):
    text = text_of(name)
    assert "999" in said_numbers(text) and re.search(r"\b55\b", text)
    assert set(said_numbers(text)) & non_police_247_numbers()


@pytest.mark.parametrize("name", ["utter_empty", "utter_too_long", "utter_media", "utter_bad_request", "utter_fallback",
                                  "utter_default"])
def test_short_replies_still_give_999(name):
    assert "999" in said_numbers(text_of(name))


def test_other_language_gives_999_and_lines_with_other_languages():
    text = text_of("utter_other_language")
    assert "999" in said_numbers(text)
    multilingual = {
        digits(r.phone)
        for r in resources.load()
        if r.usable("phone") and any(lang.lower() != "english" for lang in r.languages)
    }
    assert len(set(said_numbers(text)) & multilingual) >= 2


def test_sms_first_reply_is_neutral_on_a_lock_screen_and_honest_about_records():
    text = text_of("utter_sms_first")
    head = text[:60].lower()
    for word in ("abuse", "police", "immigration", "crime", "victim", "home office"):
        assert word not in head
    assert "delete" in text.lower() and "provider" in text.lower() and "records" in text.lower()


def test_greeting_has_a_menu_and_a_gentle_warning():
    text = text_of("utter_greet")
    assert text.count("\n- ") >= 4
    assert re.search(r"don't share names, addresses or phone numbers", text)
    assert "999" in text


def test_forget_me_words_are_not_sms_opt_out_words():
    for name in ("utter_goodbye", "utter_privacy_info", "utter_privacy_limits", "utter_phone_safety_exit"):
        quoted = re.findall(r"'([^']+)'", text_of(name))
        assert quoted, name
        assert not {q.upper() for q in quoted} & {"STOP", "END", "CANCEL", "QUIT", "UNSUBSCRIBE"}


# ---- (e) honesty ----

@pytest.mark.parametrize("where, text", SAID)
def test_no_message_promises_what_nobody_can_promise(where, text):
    match = PROMISE_RE.search(text)
    assert not match, f"{where}: {match.group()!r}"


def test_crimestoppers_number_always_comes_with_its_caveat():
    number = resources.by_id("crimestoppers").phone
    for where, text in SAID:
        if number in text:
            assert "immigration" in text, where


def test_part_of_the_uk_is_named_for_legal_aid_and_nhs_rules():
    for name, variations in RESPONSES.items():
        text = variations[0]["text"]
        if "legal aid" in text.lower():
            assert "England and Wales" in text, name
        if "NHS" in text:
            assert "England" in text, name


def test_police_answers_are_honest_about_sharing():
    share = text_of("utter_police_share_data") + text_of("utter_police_super_complaint")
    assert "NPCC" in share and "2018" in share
    assert "Immigration Enforcement" in share
    assert "Safe to share?" in share and "2020" in share
    assert "each police force acts in its own way" in text_of("utter_police_may_share").lower()
    # The guidance is dated 2018 but was revised in April 2020, and it is for England and Wales.
    for name in ("utter_police_share_data", "utter_report_no_papers"):
        assert "April 2020" in text_of(name) and "England and Wales" in text_of(name), name


def test_case_specific_answers_point_to_a_regulated_adviser():
    sentence = "A regulated adviser or solicitor can tell you whether this applies to you."
    for name in ("utter_safer_first_steps", "utter_spouse_visa_settle"):
        assert sentence in text_of(name)


# ---- (f) easy to read: Flesch-Kincaid grade 8 or below ----

MAX_GRADE = 8.0
# Names said as they are: they are not words the reader has to understand.
PROPER_NAMES = (
    "Home Office", "Immigration Enforcement", "Immigration Advice Authority", "National Referral Mechanism",
    "Migrant Victims of Domestic Abuse Concession", "Liberty", "Southall Black Sisters", "Police Scotland",
    "Northern Ireland", "England and Wales", "Victims' Code", "Relay UK", "Civil Legal Advice",
    "Sexual Assault Referral Centre", "Modern Slavery & Exploitation Helpline", "Forced Marriage Unit",
    "Latin American Women's Rights Service", "Step Up Migrant Women", "Salvation Army", "Migrant Help",
    "Victim Support", "Crimestoppers", "True Vision", "National Domestic Abuse Helpline",
)


def readable_text(text: str) -> str:
    """What the reader has to read: no addresses, numbers or service names; each line a sentence."""
    text = WEB_RE.sub(" ", EMAIL_RE.sub(" ", text))
    names = sorted({r.name for r in resources.load()}
                   | {re.sub(r"\s*\(.*\)", "", r.name) for r in resources.load()}
                   | set(PROPER_NAMES), key=len, reverse=True)
    for name in names:
        text = text.replace(name, " ")
    text = re.sub(r"\d[\d ]*", " ", text)
    # A menu line or list item is a sentence of its own.
    return "\n".join(line if re.search(r"[.!?:]\s*$", line) or not line.strip() else line + "."
                     for line in text.split("\n"))


def reading_grade(text: str) -> float:
    import textstat

    return textstat.flesch_kincaid_grade(readable_text(text))


def test_reading_grade_measure_can_fail():
    hard = ("Notwithstanding the aforementioned considerations, individuals experiencing "
            "immigration-related apprehension should consult appropriately regulated practitioners.")
    assert reading_grade(hard) > MAX_GRADE
    assert reading_grade("You can call a helpline. It is free. They will listen to you.") <= MAX_GRADE
    assert "0808" not in readable_text("Call 0808 2000 247 or see gov.wales/live-fear-free.")


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_reads_at_grade_8_or_below(name):
    grade = reading_grade(text_of(name))
    assert grade <= MAX_GRADE, f"{name} reads at grade {grade:.1f}"


# ---- (g) every fact traceable: data/facts.yml ----

FACTS = yaml.safe_load((ROOT / "data" / "facts.yml").read_text(encoding="utf-8"))["facts"]


def test_every_fact_has_a_source_a_date_field_and_real_responses():
    ids = [fact["id"] for fact in FACTS]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    for fact in FACTS:
        assert fact["fact"].strip() and fact["sources"], fact["id"]
        for source in fact["sources"]:
            url = source["url"]
            assert url.startswith("http") or (ROOT / url.removeprefix("repo:")).is_file(), fact["id"]
            assert "date" in source, fact["id"]  # the date the source gives, or null
        for name in fact.get("used_by") or []:
            assert name in RESPONSES or name.startswith("resources:"), (fact["id"], name)
            if name.startswith("resources:"):
                resources.by_id(name.split(":", 1)[1])


def test_every_topic_response_is_backed_by_a_fact():
    backed = {name for fact in FACTS for name in fact.get("used_by") or []}
    channel_only = {"utter_empty", "utter_too_long", "utter_media", "utter_bad_request", "utter_sms_first",
                    "utter_forgotten", "utter_goodbye", "utter_thanks", "utter_menu", "utter_menu_more",
                    "utter_ask_nation", "utter_fallback", "utter_default", "utter_greet", "utter_phone_safety",
                    "utter_phone_safety_exit", "utter_privacy_limits", "utter_domestic_abuse", "utter_male_victim",
                    "utter_lgbt_victim", "utter_hate_crime", "utter_safer_first_steps",
                    "utter_language_set", "utter_sms_more_hint", "utter_sms_no_more"}
    missing = sorted(set(RESPONSES) - channel_only - backed)
    assert missing == []


def test_resources_keep_two_honest_dates():
    for r in resources.load():
        assert r.source_date is None or re.fullmatch(r"\d{4}(?:/\d{4}|-\d\d(?:-\d\d)?)?", r.source_date), r.id
        # Nobody has checked an entry on the provider's live site yet; when someone does, the
        # date must be a real day, not a month copied from a fact sheet.
        assert r.provider_checked is None or re.fullmatch(r"\d{4}-\d\d-\d\d", r.provider_checked), r.id


# ---- (h) the corrections of issue 13 stay corrected ----

def test_civil_legal_advice_is_never_shown_for_visa_topics():
    visa_topics = {"spouse_visa", "visa_threat", "report_no_papers", "police_share_data", "fear_arrest_deport",
                   "asylum_seeker", "trafficking", "duty_to_notify"}
    assert not visa_topics & set(resources.by_id("civil_legal_advice").topics)
    assert "not cover visa" in text_of("utter_legal_advice_regulated")


def test_no_answer_overstates_confidentiality_or_cost():
    for where, text in SAID:
        low = text.lower()
        assert "i keep nothing that identifies you" not in low, where
        assert "not shared with the home office" not in low, where
        assert "free legal advice" not in low and "free, confidential legal advice" not in low, where
        if "legal aid" in low and "free" in low and where.startswith("utter_"):
            assert "if you qualify" in low, where


def test_forced_marriage_answer_is_right_about_the_unit_and_the_crime():
    text = text_of("utter_forced_marriage")
    assert "government unit" in text and "anyone in the UK" in text and "crime" in text


def test_trafficking_answer_is_right_about_decisions_and_support():
    text = text_of("utter_trafficking_support")
    assert "Home Office decides" in text and "reasonable grounds" in text
    assert "does not by itself give you the right to stay" in text


def test_reporting_routes_say_they_go_to_the_police():
    assert "sends them to the police" in text_of("utter_anonymous_reporting_hate")
    assert "pass it to the police" in text_of("utter_anonymous_reporting_hate")
    assert "send the report to the police" in text_of("utter_hate_crime")


@pytest.mark.parametrize("name", ["utter_danger", "utter_error", "utter_rate_limited", "utter_other_language",
                                  "utter_fallback", "utter_default", "utter_bad_request"])
def test_silent_solution_is_said_in_full(name):
    assert re.search(r"999, then press 55 on a mobile", text_of(name)), name


def test_danger_answer_gives_samaritans_and_landline_advice():
    danger = text_of("utter_danger")
    assert "Samaritans" in danger and "116 123" in danger
    assert "landline" in danger and "cough or tap" in danger
