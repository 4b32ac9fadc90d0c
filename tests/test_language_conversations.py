"""A conversation in every language through the real server: the web chat and SMS, the honest
answer about the police and the Home Office, legal help and danger, all in the person's language
(the translations of bot/i18n, chosen by detection or by the person), and bad input around the
choice of language. Lines: tests/data/conversation_<code>.yml, written by each language's author."""
from __future__ import annotations

import re
import secrets
from typing import Dict, List

import httpx
import pytest
import yaml

from bot.channels import sms_pages
from bot.i18n import catalog
from bot.paths import ROOT
from bot.privacy import registry
from bot.safety import contains_emergency_numbers, response_text
from support import PUBLIC_URL, SMS_PATH, TOKEN

CODES = [lang.code for lang in registry.languages() if lang.code != "en"]


def lines(code: str) -> Dict[str, str]:
    return yaml.safe_load((ROOT / "tests" / "data" / f"conversation_{code}.yml").read_text(encoding="utf-8"))


def said(code: str, key: str) -> str:
    """The start of an answer's first sentence as the person should see it in `code` (an SMS
    page may end after that sentence)."""
    first = re.split(r"(?<=[.!?\u06d4\u061f\u0964])\s", catalog.fill(catalog.text(key, code)).split("\n")[0])[0]
    return first[:60]


def web(stack, conversation: str, message, language=None) -> List[Dict]:
    body = {"sender": conversation, "message": message}
    if language is not None:
        body["metadata"] = {"language": language}
    r = httpx.post(f"{stack.url}/webhooks/webchat/webhook", json=body, timeout=120)
    assert r.status_code == 200, r.status_code
    data = r.json()
    assert isinstance(data, list) and data and all(isinstance(m.get("text"), str) for m in data)
    return data


def texts(messages: List[Dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def sms_to(stack, number: str, body: str) -> List[str]:
    import xml.etree.ElementTree as ET

    from twilio.request_validator import RequestValidator

    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": number, "Body": body, "NumMedia": "0"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + SMS_PATH, params)
    r = httpx.post(stack.url + SMS_PATH, data=params, headers={"X-Twilio-Signature": signature}, timeout=120)
    assert r.status_code == 200
    return [m.text or "" for m in ET.fromstring(r.content)]


@pytest.mark.parametrize("code", CODES)
def test_a_web_conversation_in_the_language_it_is_written_in(rasa_stack, code):
    conversation, line = "lang-" + secrets.token_hex(8), lines(code)
    status = texts(web(rasa_stack, conversation, line["status"]))
    assert said(code, "utter_police_share_data") in status, status
    assert said(code, "utter_interpreter_note") in status  # once per conversation ...
    legal = texts(web(rasa_stack, conversation, line["legal_help"]))
    assert said(code, "utter_legal_advice") in legal, legal
    assert said(code, "utter_interpreter_note") not in legal  # ... and only once
    danger = web(rasa_stack, conversation, line["danger"])
    assert contains_emergency_numbers(danger) and said(code, "utter_danger") in texts(danger)
    assert said(code, "utter_interpreter_note") not in texts(danger)


@pytest.mark.parametrize("code", ["pl", "ur", "ar", "bn"])
def test_by_sms_the_language_word_chooses_and_english_switches_back(rasa_stack, code):
    number = "+447700900" + str(secrets.randbelow(1000)).zfill(3)
    first = sms_to(rasa_stack, number, lines(code)["language_word"])
    assert first[0] == response_text("utter_sms_first", code)
    assert said(code, "utter_language_set") in first[1]
    answer = sms_to(rasa_stack, number, "will the police tell the home office")  # typed in English
    assert said(code, "utter_police_share_data") in answer[0]  # the choice holds
    assert sms_pages.segments(answer[0]) <= sms_pages.MAX_SEGMENTS
    back = sms_to(rasa_stack, number, "English")
    assert said("en", "utter_language_set") in back[0]


@pytest.mark.parametrize("code", ["pl", "ar", "vi"])
def test_by_sms_a_danger_message_gets_the_whole_emergency_answer_first_in_its_language(rasa_stack, code):
    number = "+447700901" + str(secrets.randbelow(1000)).zfill(3)
    reply = sms_to(rasa_stack, number, lines(code)["danger"])
    first_page = reply[1]
    assert catalog.text("utter_danger", code).replace("\n", " ") in first_page.replace("\n", " ")
    assert contains_emergency_numbers([{"text": first_page}])
    assert sms_pages.segments(first_page) <= sms_pages.MAX_SEGMENTS


@pytest.mark.parametrize("picker", ["", "auto", "xx", "../../etc/passwd", "p" * 5000, 42, ["pl"], None])
def test_a_strange_picker_value_gets_a_normal_english_answer(rasa_stack, picker):
    answer = texts(web(rasa_stack, "pick-" + secrets.token_hex(8), "can i report a crime with no papers", picker))
    assert said("en", "utter_report_no_papers") in answer


def test_the_picker_wins_over_the_written_language(rasa_stack):
    answer = texts(web(rasa_stack, "pick-" + secrets.token_hex(8), "can i report a crime with no papers", "pl"))
    assert said("pl", "utter_report_no_papers") in answer


def test_a_language_name_inside_a_sentence_does_not_switch(rasa_stack):
    conversation = "name-" + secrets.token_hex(8)
    answer = texts(web(rasa_stack, conversation, "I speak Polish, can I report a crime with no papers?"))
    assert said("en", "utter_report_no_papers") in answer


def test_switching_language_mid_message_is_answered_and_danger_is_never_in_the_wrong_language(rasa_stack):
    conversation = "mix-" + secrets.token_hex(8)
    first = texts(web(rasa_stack, conversation, lines("pl")["status"]))
    assert said("pl", "utter_police_share_data") in first
    mixed = web(rasa_stack, conversation, "please help, on mnie zabije teraz, he has a knife")
    assert contains_emergency_numbers(mixed)
    assert said("pl", "utter_danger") in texts(mixed)  # the conversation's language, not English


def test_an_unsupported_language_gets_the_fallback_with_every_language_named_in_itself(rasa_stack):
    answer = texts(web(rasa_stack, "other-" + secrets.token_hex(8), "bonjour, j'ai peur de la police et mon mari me frappe"))
    assert contains_emergency_numbers([{"text": answer}])
    for language in registry.languages():
        if language.answered:
            assert language.name in answer, language.name


def test_a_switched_off_language_is_answered_in_english(tmp_path, trained_model):
    from support import start_running_stack

    stack = start_running_stack(tmp_path, env={"SAFE_REPORT_LANGUAGES_DISABLED": "pl"})
    try:
        answer = texts(web(stack, "off-" + secrets.token_hex(8), lines("pl")["status"]))
        assert said("en", "utter_police_share_data") in answer or said("en", "utter_other_language") in answer
        assert said("pl", "utter_police_share_data") not in answer
    finally:
        stack.stop()




@pytest.mark.parametrize("code", ["pl", "ar"])
def test_erasing_in_a_language_is_confirmed_in_that_language(rasa_stack, code):
    conversation, line = "erase-" + secrets.token_hex(8), lines(code)
    web(rasa_stack, conversation, line["status"])
    erase = yaml.safe_load((ROOT / "tests" / "data" / f"danger_{code}.yml").read_text(encoding="utf-8"))["forget"][0]
    assert said(code, "utter_forgotten") in texts(web(rasa_stack, conversation, erase))
