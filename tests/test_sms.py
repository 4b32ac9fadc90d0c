"""The Twilio SMS channel: signatures, TwiML answers, replays, odd input, and no trace of forgeries.

Requests are signed with the twilio SDK's own RequestValidator, as Twilio signs them: over the
public URL the shared stack is configured with (SAFE_REPORT_PUBLIC_URL), never the local one.
"""
from __future__ import annotations

import logging
import secrets
import shutil
import socket
import subprocess
import time
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.channels.sms import (
    SMS_PART_CHARS,
    ReplayGuard,
    SignatureCheck,
    TwilioSMSInput,
    parse_form,
    sms_text,
    split_for_sms,
    twiml,
)
from bot.channels import sms_pages
from bot.safety import response_text
from support import SERVICES

TOKEN = "test-auth-token-not-secret"  # what tests/conftest.py gives the shared stack
PUBLIC_URL = "https://safe-report.example.org"
PATH = "/webhooks/twilio/webhook"


# --- helpers ------------------------------------------------------------------------------------

def sender() -> str:
    return "+1555" + str(secrets.randbelow(10**7)).zfill(7)


def form(body: str, from_: Optional[str] = None, **extra: str) -> Dict[str, str]:
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": from_ or sender(),
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }
    params.update(extra)
    return params


def sign(params, url: str = PUBLIC_URL + PATH, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def post(stack, params, signature: Optional[str] = "sign") -> httpx.Response:
    headers = {}
    if signature == "sign":
        signature = sign(params)
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return httpx.post(stack.url + PATH, data=params, headers=headers, timeout=60)


def messages(resp: httpx.Response) -> List[str]:
    """The <Message> texts of a TwiML answer (asserts it is one, with SMS-sized parts)."""
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "Response"
    texts = [m.text or "" for m in root]
    assert all(m.tag == "Message" for m in root)
    assert all(0 < len(t) <= SMS_PART_CHARS for t in texts), [len(t) for t in texts]
    return texts


def webchat_answer(stack, text: str) -> List[str]:
    r = stack.webchat("sms-compare-" + secrets.token_hex(8), text)
    assert r.status_code == 200
    return [m["text"] for m in r.json() if m.get("text")]


# --- against the running stack ------------------------------------------------------------------

def all_pages(stack, question: str, number: str) -> List[str]:
    """The first SMS reply to a question, then every page MORE brings, notice left out."""
    texts = messages(post(stack, form(question, number)))[1:]
    hint = response_text("utter_sms_more_hint")
    while texts[-1].endswith(hint):
        texts[-1] = texts[-1][: -len(hint)].rstrip()
        texts += messages(post(stack, form("more", number)))
    return texts


def words(texts: List[str]) -> List[str]:
    return " ".join(texts).split()


def test_signed_question_gets_twiml_answer_starting_with_neutral_notice(rasa_stack):
    question, number = "can i report a crime if i have no papers", sender()
    texts = messages(post(rasa_stack, form(question, number)))
    assert texts[0] == response_text("utter_sms_first")
    assert len(texts) == 2 and response_text("utter_error") not in texts
    # The same answer the web chat gives, in pages (only the SMS notice is added).
    pages = all_pages(rasa_stack, question, sender())
    # (the first service is brought forward, so the words are compared in any order)
    assert sorted(words(pages)) == sorted(words(webchat_answer(rasa_stack, question)))


def test_first_notice_only_once_per_conversation(rasa_stack):
    number = sender()
    first = messages(post(rasa_stack, form("hello", number)))
    second = messages(post(rasa_stack, form("what can you help with", number)))
    notice = response_text("utter_sms_first")
    assert first[0] == notice
    assert notice not in second and second


def test_neutral_notice_is_safe_on_a_lock_screen():
    notice = response_text("utter_sms_first").lower()
    for word in ("abuse", "police", "immigration"):
        assert word not in notice[:60]
    assert "phone" in notice and "records" in notice


def test_missing_signature_is_refused(rasa_stack):
    r = post(rasa_stack, form("hello"), signature=None)
    assert r.status_code == 403 and r.content == b""


def test_only_post_is_accepted_and_health_says_configured(rasa_stack):
    assert httpx.get(rasa_stack.url + PATH, params=form("hello"), timeout=30).status_code == 405
    assert httpx.get(rasa_stack.url + "/webhooks/twilio/", timeout=30).json() == {"status": "ok"}


def test_wrong_signature_is_refused(rasa_stack):
    params = form("hello")
    assert post(rasa_stack, params, signature=sign(params, token="some-other-token")).status_code == 403
    assert post(rasa_stack, params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert post(rasa_stack, params, signature="").status_code == 403


def test_signature_over_the_local_url_is_refused(rasa_stack):
    # Signed for the address the client really used: refused, because only the configured public
    # URL counts (a Host header can say anything).
    params = form("hello")
    assert post(rasa_stack, params, signature=sign(params, url=rasa_stack.url + PATH)).status_code == 403


def test_signature_with_changed_parameters_is_refused(rasa_stack):
    params = form("hello")
    signature = sign(params)
    assert messages(post(rasa_stack, params, signature))  # the genuine request is answered
    for changed in ({"Body": "something else"}, {"From": sender()}, {"MessageSid": "SM" + secrets.token_hex(16)},
                    {"NumMedia": "1"}):
        assert post(rasa_stack, {**params, **changed}, signature).status_code == 403
    extra = {**params, "Extra": "x"}
    assert post(rasa_stack, extra, signature).status_code == 403


def test_exact_replay_is_not_processed_again(rasa_stack):
    params = form("what can you help with")
    signature = sign(params)
    assert messages(post(rasa_stack, params, signature))
    replay = post(rasa_stack, params, signature)
    assert messages(replay) == []  # an empty <Response/>, 200 so Twilio does not retry


def test_forged_requests_leave_no_trace(rasa_stack):
    canary_from = "whatsapp:canaryfrom" + secrets.token_hex(6)
    canary_body = "canarybody" + secrets.token_hex(6) + " he is hitting me"
    genuine = form("hello", canary_from)
    responses = [
        post(rasa_stack, form(canary_body, canary_from), signature=None),
        post(rasa_stack, form(canary_body, canary_from), signature="bm90IGEgc2lnbmF0dXJl"),
        post(rasa_stack, {**genuine, "Body": canary_body}, signature=sign(genuine)),
        post(rasa_stack, form(canary_body, canary_from), signature=sign(form("x"), token="wrong-token")),
    ]
    for r in responses:
        assert r.status_code == 403
        assert r.content == b""
    # Never processed: this number is still unknown, so its first genuine text gets the notice.
    assert messages(post(rasa_stack, form("hello", canary_from)))[0] == response_text("utter_sms_first")
    time.sleep(1)  # let the stack flush its log
    log = rasa_stack.log_file.read_text(encoding="utf-8", errors="replace")
    assert log.strip()  # the search runs over a real, non-empty log
    for canary in (canary_from, canary_body.split()[0]):
        assert canary not in log


def test_danger_message_gets_999_and_silent_solution(rasa_stack):
    texts = messages(post(rasa_stack, form("he is hitting me right now")))
    assert texts[0] == response_text("utter_sms_first")
    joined = "\n".join(texts)
    assert "999" in joined and "55" in joined


NOTICE = response_text("utter_sms_first")


def test_media_message(rasa_stack):
    picture = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1", "MediaContentType0": "image/jpeg"}
    number = sender()
    # No conversation yet, so the reply is a first reply and carries the notice; until a real
    # conversation starts, every reply does.
    assert messages(post(rasa_stack, form("", number, **picture))) == [NOTICE, response_text("utter_media")]
    assert messages(post(rasa_stack, form("hello", number)))[0] == NOTICE
    assert messages(post(rasa_stack, form("", number, **picture))) == [response_text("utter_media")]
    # A picture with words: the words are answered (danger included), then the picture note.
    texts = messages(post(rasa_stack, form("he is hitting me", **picture)))
    assert texts[-1] == response_text("utter_media")
    assert "999" in "\n".join(texts[:-1])


def test_empty_body(rasa_stack):
    number = sender()
    assert messages(post(rasa_stack, form("", number))) == [NOTICE, response_text("utter_empty")]
    messages(post(rasa_stack, form("hello", number)))
    assert messages(post(rasa_stack, form("   \n ", number))) == [response_text("utter_empty")]


def test_oversized_body(rasa_stack):
    number = sender()
    assert messages(post(rasa_stack, form("word " * 350, number))) == [NOTICE, response_text("utter_too_long")]  # > 1600
    messages(post(rasa_stack, form("hello", number)))
    assert messages(post(rasa_stack, form("word " * 350, number))) == [response_text("utter_too_long")]
    texts = messages(post(rasa_stack, form("he is hitting me " + "word " * 400, number)))
    assert texts[-1] == response_text("utter_too_long")
    assert "999" in texts[0] and "55" in texts[0]


def test_odd_forms_do_not_crash(rasa_stack):
    odd = [
        form("hello", NumMedia="lots"),
        form("hello", NumMedia="-3"),
        form("\x00\x01 caf\u00e9 \U0001f600 \u202e"),
        {k: v for k, v in form("hello").items() if k != "From"},
    ]
    for params in odd:
        assert messages(post(rasa_stack, params))
    no_sid = {k: v for k, v in form("hello").items() if k != "MessageSid"}
    r = post(rasa_stack, no_sid)
    assert r.status_code == 400 and ET.fromstring(r.content).tag == "Response"
    repeated = [("Body", "one"), ("Body", "two"), ("From", sender()), ("MessageSid", "SM" + secrets.token_hex(16))]
    sig = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + PATH, _MultiDict(repeated))
    r = httpx.post(rasa_stack.url + PATH, content=httpx.QueryParams(repeated).__str__().encode(),
                   headers={"X-Twilio-Signature": sig, "Content-Type": "application/x-www-form-urlencoded"},
                   timeout=60)
    assert messages(r)
    for junk in (b"\xff\xfe%%%", b"=" * 10, b"a=" + b"x" * 70000):
        r = httpx.post(rasa_stack.url + PATH, content=junk, headers={"X-Twilio-Signature": "abc"}, timeout=60)
        assert r.status_code == 403
    assert messages(post(rasa_stack, form("hello")))  # still serving


def test_long_answers_come_in_short_pages_and_more_sends_the_rest(rasa_stack):
    sender = "+447700900" + str(secrets.randbelow(900) + 100)
    texts = messages(post(rasa_stack, form("will the police tell the home office about my visa", sender)))
    notice, page = texts[0], texts[1:]
    assert notice == response_text("utter_sms_first") and len(page) == 1
    assert sms_pages.segments(page[0]) <= sms_pages.SERVICE_PAGE_SEGMENTS
    assert page[0].endswith(response_text("utter_sms_more_hint"))
    seen = [page[0]]
    for _ in range(10):
        more = messages(post(rasa_stack, form("MORE", sender)))
        assert len(more) == 1 and sms_pages.segments(more[0]) <= sms_pages.MAX_SEGMENTS
        if more[0] == response_text("utter_sms_no_more"):
            break
        seen.append(more[0])
    else:
        raise AssertionError("MORE never ran out")
    assert len(seen) >= 2 and SERVICES in " ".join(seen)


class _MultiDict(dict):
    def __init__(self, pairs):
        super().__init__()
        for k, v in pairs:
            self.setdefault(k, []).append(v)

    def getlist(self, name):
        return self[name]


# --- splitting and rendering (no server) --------------------------------------------------------

PART = 480  # any part size: the splitter is a guard for Twilio's 1,600-character limit

def test_short_text_is_one_part():
    assert split_for_sms("Call 999.", PART) == ["Call 999."]
    assert split_for_sms("x" * PART, PART) == ["x" * PART]
    assert split_for_sms("   ", PART) == []


def test_split_prefers_sentence_ends():
    sentences = [f"This is sentence number {i} of the answer, and it says something useful." for i in range(20)]
    parts = split_for_sms(" ".join(sentences), PART)
    assert len(parts) > 1
    for part in parts:
        assert len(part) <= PART and part.endswith(".")
    assert " ".join(parts) == " ".join(sentences)


def test_split_at_words_when_no_sentence_end_fits():
    text = " ".join(["word"] * 300)
    parts = split_for_sms(text, PART)
    assert all(len(p) <= PART and not p.startswith(" ") and p.endswith("word") for p in parts)
    assert " ".join(parts) == text


def test_split_prefers_line_breaks():
    lines = ["- line %d with some words in it" % i for i in range(30)]
    parts = split_for_sms("\n".join(lines), PART)
    assert all(p.startswith("- line") for p in parts)
    assert "\n".join(parts) == "\n".join(lines)


def test_split_cuts_a_giant_word():
    parts = split_for_sms("a" * 1000, PART)
    assert parts == ["a" * 480, "a" * 480, "a" * 40]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\u00e9\U0001f600")), max_size=3000),
       st.integers(min_value=20, max_value=600))
def test_split_keeps_every_character_and_the_limit(text, limit):
    parts = split_for_sms(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert all(p == p.strip() for p in parts)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze("".join(parts)) == squeeze(text)
    if all(len(w) <= limit for w in text.split()):
        assert " ".join(parts).split() == text.split()


def test_buttons_become_reply_with_text():
    text = sms_text({"text": "What would you like to know?",
                     "buttons": [{"title": "Police", "payload": "/police_share_data"}, {"title": "Legal advice"}]})
    assert text == "What would you like to know?\nReply with: Police / Legal advice"
    assert sms_text({"image": "https://example.org/x.png"}) == ""


def test_twiml_one_message_per_part_and_escaped():
    long = "Sentence with <angle> & ampersand. " * 60
    root = ET.fromstring(twiml([{"text": "Hi & bye <b>"}, {"text": long}, {"image": "x"}]).encode())
    texts = [m.text for m in root.findall("Message")]
    assert texts[0] == "Hi & bye <b>"
    assert len(texts) == 1 + len(split_for_sms(long)) and len(texts) >= 3
    assert all(len(t) <= SMS_PART_CHARS for t in texts)
    assert ET.fromstring(twiml([{"text": "bad \x00\x0b char"}]).encode()).find("Message").text == "bad  char"


# --- signature check, configuration, replay guard (no server) -----------------------------------

def test_signature_check_uses_public_url_path_and_query():
    params = {"Body": "", "From": "+15550000000", "MessageSid": "SM1"}
    check = SignatureCheck(TOKEN, PUBLIC_URL + "/")
    assert check.authentic(PATH, "", parse_form(httpx.QueryParams(params).__str__().encode()), sign(params))
    assert not check.authentic(PATH, "a=1", {k: [v] for k, v in params.items()}, sign(params))
    with_query = sign(params, url=PUBLIC_URL + PATH + "?a=1")
    assert check.authentic(PATH, "a=1", {k: [v] for k, v in params.items()}, with_query)
    # Behind a proxy that strips a path prefix, the prefix belongs in the public URL.
    prefixed = SignatureCheck(TOKEN, "https://example.org/safe-report")
    signed = sign(params, url="https://example.org/safe-report" + PATH)
    assert prefixed.authentic(PATH, "", {k: [v] for k, v in params.items()}, signed)


def test_unconfigured_channel_refuses_everything_and_says_so_once(monkeypatch, caplog):
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("SAFE_REPORT_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("SAFE_REPORT_REDIS_URL", raising=False)
    with caplog.at_level(logging.ERROR, logger="bot.channels.sms"):
        channel = TwilioSMSInput()
    errors = [r for r in caplog.records if r.name == "bot.channels.sms"]
    assert len(errors) == 1 and "TWILIO_AUTH_TOKEN" in errors[0].getMessage()
    params = {"Body": "hi", "From": "+15550000000", "MessageSid": "SM1"}
    for token in ("", TOKEN):
        assert not channel.signatures.authentic(PATH, "", {k: [v] for k, v in params.items()}, sign(params, token=token))

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    for bad in ("", "safe-report.example.org", "ftp://x.org", "https://x.org/?a=1"):
        assert not SignatureCheck(TOKEN, bad).ready
    monkeypatch.setenv("SAFE_REPORT_PUBLIC_URL", "")
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="bot.channels.sms"):
        channel = TwilioSMSInput()
    assert not channel.signatures.ready
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_token_in_credentials_file_is_rejected():
    with pytest.raises(ValueError) as err:
        TwilioSMSInput(auth_token="secret-in-a-file", account_sid="AC1")
    assert "TWILIO_AUTH_TOKEN" in str(err.value) and "secret-in-a-file" not in str(err.value)


def _run(coro):
    import asyncio

    return asyncio.run(coro)


def test_replay_guard_in_memory_ttl_and_bound():
    now = [0.0]
    guard = ReplayGuard(TOKEN, ttl_seconds=60, max_entries=3, clock=lambda: now[0])
    assert _run(guard.first_time("SMa")) is True
    assert _run(guard.first_time("SMa")) is False
    assert all("SMa" not in k for k in guard._seen)  # only keyed hashes are kept
    now[0] = 61
    assert _run(guard.first_time("SMa")) is True  # forgotten after the TTL
    for sid in ("SMb", "SMc", "SMd", "SMe"):
        _run(guard.first_time(sid))
    assert len(guard._seen) <= 3
    other = ReplayGuard("another-token")
    assert other.digest("SMa") != guard.digest("SMa")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (make system installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_replay_to_another_instance_is_caught_through_redis(redis_url):
    import redis

    one, two = ReplayGuard(TOKEN, redis_url=redis_url), ReplayGuard(TOKEN, redis_url=redis_url)
    sid = "SM" + secrets.token_hex(16)
    assert _run(one.first_time(sid)) is True
    assert _run(two.first_time(sid)) is False  # the other instance has never seen it itself
    client = redis.Redis.from_url(redis_url)
    keys = [k.decode() for k in client.keys("safereport:sms-seen:*")]
    assert keys and all(sid not in k for k in keys)
    assert all(0 < client.ttl(k) <= 3600 for k in keys)
