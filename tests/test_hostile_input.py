"""Hostile input against both webhooks of the shared running stack (property-based, hypothesis).

Properties, for every request:
* never a 5xx, and the server keeps answering (health checks after every test);
* no stack trace or exception name in the response, and none of the text we planted in the
  request (random unique tokens) echoed back;
* web chat: the answer is a JSON list of {"text": ...} messages; SMS: TwiML or an empty 403;
* a message that says the person is in danger gets 999 (and the Silent Solution, 55, whenever the
  message was read at all); a rate-limited answer (429) is safe too and still gives 999.
At the end the stack's log is scanned: none of the planted tokens, no traceback.
"""
from __future__ import annotations

import json
import re
import secrets
import urllib.parse
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Optional

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

TOKEN = "test-auth-token-not-secret"  # what tests/conftest.py gives the shared stack
PUBLIC_URL = "https://safe-report.example.org"
SMS_PATH = "/webhooks/twilio/webhook"
WEB_PATH = "/webhooks/webchat/webhook"

# Phrases the deterministic danger check must catch (from tests/test_safety.py).
DANGER = ["he is hitting me", "he has a knife", "I am locked in the room", "he said he is going to kill me",
          "im in danger", "someone is breaking in", "I am bleeding", "help me now"]

# Every token we put into a request; none may come back or reach the log.
PLANTED: List[str] = []

STACK_TRACE = re.compile(r'Traceback|File "|\b[A-Z]\w*(?:Error|Exception)\b|sanic\.exceptions|\bat 0x[0-9a-f]+')

HYPOTHESIS = dict(deadline=None, database=None, derandomize=False,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large, HealthCheck.large_base_example])

# Any code point, including controls, lone surrogates, non-characters and the private use area.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
# What can travel in a form post (UTF-8 cannot carry a lone surrogate).
FORM_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",))
# Characters that break naive code, mixed in often (a uniform draw over 1.1M code points rarely
# picks a surrogate or a bidi override).
NASTY = ["\ud800", "\udfff", "\udbff\udc00", "\x00", "\x1b[31m", "\r\n", "\u202e", "\ufeff", "\uffff", "\ufffe",
         "\u0085", "\u2028", "</script>", "]]>", "%00", "\\", '"', "{{7*7}}", "${jndi:ldap://x}", "\U0001f600",
         "e\u0301", "\u0000\u0000"]
NASTY_FORM = [c for c in NASTY if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in c)]


def hostile_text(max_size: int, form: bool = False):
    pieces = st.one_of(FORM_CHAR if form else ANY_CHAR, st.sampled_from(NASTY_FORM if form else NASTY))
    return st.lists(pieces, max_size=max_size).map("".join)



def plant() -> str:
    """A unique marker that no answer and no log line could contain by chance."""
    value = "qx" + secrets.token_hex(8)
    PLANTED.append(value)
    return value


def with_token(text: str, danger: Optional[str]) -> "tuple[str, str]":
    """(message, planted token). Separated by " . " so the danger phrase keeps its word boundaries."""
    token = plant()
    return " . ".join([text, token] + ([danger] if danger else [])), token


@pytest.fixture(scope="module")
def stack(rasa_stack):
    start = rasa_stack.log_file.stat().st_size if rasa_stack.log_file.exists() else 0
    rasa_stack.log_offset = start
    return rasa_stack


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=120) as c:
        yield c


@pytest.fixture(autouse=True)
def alive_after_each_batch(stack, client):
    yield
    assert_alive(stack, client)


def assert_alive(stack, client) -> None:
    r = client.get(stack.url + "/webhooks/webchat/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = client.get(stack.url + "/webhooks/twilio/")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def assert_no_leak(resp: httpx.Response, planted: List[str]) -> None:
    assert resp.status_code < 500, resp.status_code
    body = resp.content.decode("utf-8", "replace")
    assert not STACK_TRACE.search(body), body[:300]
    for value in planted:
        assert value not in body


def web_texts(resp: httpx.Response, planted: List[str]) -> str:
    """The answer texts of a web chat response, after checking its shape."""
    assert_no_leak(resp, planted)
    assert resp.headers["content-type"].startswith("application/json"), resp.headers["content-type"]
    data = resp.json()
    assert isinstance(data, list) and data, data
    for m in data:
        assert isinstance(m, dict) and isinstance(m.get("text"), str) and m["text"].strip(), m
    texts = "\n".join(m["text"] for m in data)
    for value in planted:
        assert value not in texts
    return texts


def post_web(client, stack, content: bytes, content_type: Optional[str] = "application/json") -> httpx.Response:
    # Bytes: a header value may be anything a client sends, not only ASCII.
    headers = {"Content-Type": content_type.encode("latin-1")} if content_type is not None else {}
    return client.post(stack.url + WEB_PATH, content=content, headers=headers)


def assert_danger_answered(resp: httpx.Response, texts: str, read: bool) -> None:
    """999 always; the Silent Solution too when the message was read (200)."""
    assert "999" in texts, texts
    if read and resp.status_code == 200:
        assert "55" in texts, texts


def sender_id() -> str:
    """A fresh conversation (the per-conversation rate limit is 20 a minute). Planted too: the
    answer may echo it as recipient_id (Rasa's REST contract), the log may not."""
    value = "hyp-" + secrets.token_hex(12)
    PLANTED.append(value)
    return value


# --- Web chat ------------------------------------------------------------------------------------

@settings(max_examples=100, **HYPOTHESIS)
@given(text=hostile_text(300), danger=st.none() | st.sampled_from(DANGER))
@example(text="\ud800", danger="he is hitting me")  # a lone surrogate, as JSON's \ud800 escape
@example(text="caf\udce9 \x00", danger=None)
def test_webchat_hostile_text_in_a_wellformed_request(stack, client, text, danger):
    message, token = with_token(text, danger)
    planted = [token]
    # ensure_ascii: lone surrogates travel as \udXXX escapes, as a browser's JSON.stringify sends them.
    body = json.dumps({"sender": sender_id(), "message": message}, ensure_ascii=True).encode()
    resp = post_web(client, stack, body)
    assert resp.status_code in (200, 429), resp.status_code
    texts = web_texts(resp, planted)
    if danger:
        assert_danger_answered(resp, texts, read=True)


json_scalars = (st.none() | st.booleans() | st.integers() | st.floats()
                | st.text(ANY_CHAR, max_size=40))
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(ANY_CHAR, max_size=8), children, max_size=4),
    max_leaves=25,
)


@st.composite
def webchat_objects(draw) -> "tuple[Any, Optional[str], List[str]]":
    """A JSON document: anything at all, or an object with sender/message of any type, present or
    missing, with extra fields. Returns (document, danger phrase in a string message or None,
    planted tokens)."""
    if draw(st.integers(0, 3)) == 0:
        return draw(json_values), None, []
    doc: Dict[str, Any] = draw(st.dictionaries(st.text(ANY_CHAR, max_size=12), json_values, max_size=4))
    danger, planted = None, []
    if draw(st.booleans()):
        doc["sender"] = draw(st.one_of(json_values, st.just(sender_id()), st.just(""), st.just("x" * 129)))
    elif draw(st.booleans()):
        doc["sender"] = sender_id()
    kind = draw(st.sampled_from(["text", "danger", "other", "missing"]))
    if kind in ("text", "danger"):
        danger = draw(st.sampled_from(DANGER)) if kind == "danger" else None
        doc["message"], token = with_token(draw(hostile_text(60)), danger)
        planted.append(token)
    elif kind == "other":
        doc["message"] = draw(json_values)
    return doc, danger, planted


@settings(max_examples=150, **HYPOTHESIS)
@given(case=webchat_objects(),
       content_type=st.sampled_from(["application/json", "text/plain", None, "application/x-www-form-urlencoded",
                                     "application/json; charset=utf-16", "multipart/form-data; boundary=zz"]))
@example(case=({"sender": "hyp-\ud800" + secrets.token_hex(8), "message": "hello"}, None, []), content_type="application/json")
def test_webchat_any_json_document(stack, client, case, content_type):
    doc, danger, planted = case
    resp = post_web(client, stack, json.dumps(doc, ensure_ascii=True).encode(), content_type)
    texts = web_texts(resp, planted)
    if danger:
        assert_danger_answered(resp, texts, read=True)


@st.composite
def junk_bytes(draw) -> bytes:
    kind = draw(st.sampled_from(["binary", "invalid_utf8", "truncated", "latin1", "utf16", "bom", "nul"]))
    token = plant().encode()
    if kind == "binary":
        return draw(st.binary(max_size=3000)) + token
    if kind == "invalid_utf8":
        bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80"]))
        return b'{"sender": "' + sender_id().encode() + b'", "message": "' + token + b" " + bad + b'"}'
    if kind == "truncated":
        full = json.dumps({"sender": sender_id(), "message": token.decode() + " he is hitting me"}).encode()
        return full[: draw(st.integers(0, len(full) - 1))]
    if kind == "latin1":
        return json.dumps({"sender": sender_id(), "message": token.decode() + " caf\u00e9"}, ensure_ascii=False).encode("latin-1")
    if kind == "utf16":
        return json.dumps({"sender": sender_id(), "message": token.decode()}).encode("utf-16")
    if kind == "bom":
        return b"\xef\xbb\xbf" + json.dumps({"sender": sender_id(), "message": token.decode()}).encode()
    return b'{"sender": "' + sender_id().encode() + b'", "message": "' + token + b'\x00\x01\x1b[31m"}'


@settings(max_examples=100, **HYPOTHESIS)
@given(body=junk_bytes(), content_type=st.sampled_from(["application/json", "application/octet-stream", None,
                                                           "image/png", "text/html; charset=\x7f", "\u00e9/\u00e9"
                                                           .encode("utf-8").decode("latin-1")]))
def test_webchat_binary_and_invalid_utf8(stack, client, body, content_type):
    resp = post_web(client, stack, body, content_type)
    web_texts(resp, [PLANTED[-1]])


@settings(max_examples=40, **HYPOTHESIS)
@given(depth=st.integers(1, 15000), opener=st.sampled_from(["[", '{"a":', '{"message":', '[{"sender":']),
       where=st.sampled_from(["top", "sender", "message", "extra"]))
def test_webchat_deeply_nested(stack, client, depth, opener, where):
    closer = {"[": "]", '{"a":': "}", '{"message":': "}", '[{"sender":': "}]"}[opener]
    nested = opener * depth + "1" + closer * depth
    if where == "top":
        body = nested
    else:
        sender = nested if where == "sender" else json.dumps(sender_id())
        message = nested if where == "message" else json.dumps(plant())
        extra = nested if where == "extra" else "0"
        body = f'{{"sender": {sender}, "message": {message}, "extra": {extra}}}'
    resp = post_web(client, stack, body.encode())
    web_texts(resp, PLANTED[-1:] if where != "message" else [])


def _huge_bodies() -> Dict[str, Any]:
    mb = 1024 * 1024
    token = plant()
    danger_message = "he is hitting me now " + token + " " + "a" * (2 * mb)
    return {
        "valid_json_huge_message_danger": (json.dumps({"sender": sender_id(), "message": danger_message}).encode(), True),
        "huge_sender": (json.dumps({"sender": "s" * mb + token, "message": "hello"}).encode(), False),
        "junk_3mb": (secrets.token_bytes(3 * mb) + token.encode(), False),
        "deep_1mb": (("[" * mb + "]" * mb).encode(), False),
        "many_keys": (json.dumps({f"k{i}": token for i in range(60000)}).encode(), False),
    }


@pytest.mark.parametrize("name", ["valid_json_huge_message_danger", "huge_sender", "junk_3mb", "deep_1mb", "many_keys"])
@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
def test_webchat_huge_bodies(stack, client, name, chunked):
    body, danger = _huge_bodies()[name]
    assert len(body) > 1024 * 1024
    content = (body[i:i + 65536] for i in range(0, len(body), 65536)) if chunked else body
    resp = client.post(stack.url + WEB_PATH, content=content, headers={"Content-Type": "application/json"})
    texts = web_texts(resp, [PLANTED[-1]])
    if danger:
        assert "999" in texts
    assert_alive(stack, client)


def test_webchat_still_answers_after_the_webchat_properties(stack, client):
    assert_alive(stack, client)
    resp = post_web(client, stack, json.dumps({"sender": sender_id(), "message": "he is hitting me now"}).encode())
    assert resp.status_code == 200
    texts = web_texts(resp, [])
    assert "999" in texts and "55" in texts


# --- SMS -----------------------------------------------------------------------------------------

def sign(params) -> str:
    return RequestValidator(TOKEN).compute_signature(PUBLIC_URL + SMS_PATH, params)


def twiml_texts(resp: httpx.Response, planted: List[str]) -> str:
    assert_no_leak(resp, planted)
    assert resp.headers["content-type"].startswith("application/xml"), resp.headers["content-type"]
    root = ET.fromstring(resp.content)
    assert root.tag == "Response" and all(m.tag == "Message" for m in root)
    texts = "\n".join(m.text or "" for m in root)
    for value in planted:
        assert value not in texts
    return texts


num_media = st.one_of(st.integers(-5, 10**25).map(str), st.text(FORM_CHAR, max_size=8), st.just(""), st.just("2"))


@st.composite
def sms_forms(draw) -> "tuple[Dict[str, str], Optional[str], List[str]]":
    danger = draw(st.none() | st.sampled_from(DANGER))
    from_token = plant()
    body = draw(hostile_text(300, form=True))
    body = draw(st.sampled_from([body, body + "]]></Message><Message>", "<![CDATA[" + body, "&amp;" + body]))
    body, body_token = with_token(body, danger)
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": "AC" + "0" * 32,
        "From": draw(st.sampled_from(["+44 7700 900", "", "whatsapp:+44", "\u202e+1"])) + draw(hostile_text(20, form=True)) + from_token,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": draw(num_media),
    }
    planted = [body_token, from_token]
    for name in draw(st.lists(st.sampled_from(["From", "Body", "NumMedia", "To", "AccountSid"]), max_size=2)):
        params.pop(name, None)
    extra_names = st.text(FORM_CHAR, min_size=1, max_size=10).filter(lambda k: k not in params and k != "MessageSid")
    params.update(draw(st.dictionaries(extra_names, st.text(FORM_CHAR, max_size=20), max_size=3)))
    if "MessageSid" not in params or not params["MessageSid"]:
        params["MessageSid"] = "SM" + secrets.token_hex(16)
    return params, (danger if "Body" in params else None), planted


@settings(max_examples=100, **HYPOTHESIS)
@given(case=sms_forms())
def test_sms_signed_posts_with_arbitrary_fields(stack, client, case):
    params, danger, planted = case
    # The signature covers the values as the server decodes them: NUL and other controls included.
    resp = client.post(stack.url + SMS_PATH, data=params, headers={"X-Twilio-Signature": sign(params)})
    assert resp.status_code == 200, resp.status_code
    texts = twiml_texts(resp, planted)
    assert texts.strip()
    if danger:
        assert "999" in texts, texts
        if len(params["Body"]) <= 1600:
            assert "55" in texts, texts


@st.composite
def raw_sms_bodies(draw) -> "tuple[bytes, Dict[str, List[str]], str]":
    """A form body whose Body field is arbitrary bytes (invalid UTF-8 included), percent-encoded."""
    token = plant()
    raw = draw(st.binary(max_size=400)) + b" " + token.encode() + b" " + draw(st.sampled_from([b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b""]))
    fields = [("MessageSid", ("SM" + secrets.token_hex(16)).encode()), ("From", ("+4477009" + secrets.token_hex(3)).encode()),
              ("Body", raw), ("NumMedia", b"0")]
    body = "&".join(f"{k}={urllib.parse.quote_from_bytes(v)}" for k, v in fields).encode()
    # What the server will see after decoding (invalid bytes become U+FFFD): that is what is signed.
    parsed = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return body, parsed, token


@settings(max_examples=60, **HYPOTHESIS)
@given(case=raw_sms_bodies())
def test_sms_signed_invalid_utf8(stack, client, case):
    body, parsed, token = case
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + SMS_PATH, _MultiDict(parsed))
    resp = client.post(stack.url + SMS_PATH, content=body,
                       headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 200, resp.status_code
    assert twiml_texts(resp, [token]).strip()


class _MultiDict(dict):
    def getlist(self, name):
        return list(self[name])


@st.composite
def unsigned_requests(draw) -> "tuple[bytes, Dict[str, str]]":
    token = plant()
    kind = draw(st.sampled_from(["binary", "form", "json", "xml"]))
    if kind == "binary":
        body = draw(st.binary(max_size=2000)) + token.encode()
    elif kind == "form":
        body = urllib.parse.urlencode({"From": token, "Body": "he is hitting me " + token, "MessageSid": "SM" + token}).encode()
    elif kind == "json":
        body = json.dumps({"From": token, "Body": token}).encode()
    else:
        body = f"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;{token}</x>".encode()
    headers: Dict[str, Any] = {"Content-Type": draw(st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                                     "text/xml", "application/octet-stream"]))}
    signature = draw(st.sampled_from([None, "", "x", "AAAA" * 7, token, "\u00ff\u00fe"]))
    if signature is not None:
        headers["X-Twilio-Signature"] = signature.encode("latin-1")
    return body, headers


@settings(max_examples=100, **HYPOTHESIS)
@given(case=unsigned_requests())
def test_sms_unsigned_junk_is_refused(stack, client, case):
    body, headers = case
    resp = client.post(stack.url + SMS_PATH, content=body, headers=headers)
    assert resp.status_code == 403, resp.status_code
    assert resp.content == b""


@pytest.mark.parametrize("signed", [False, True])
def test_sms_huge_body_is_refused(stack, client, signed):
    token = plant()
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": "+447700900" + token, "Body": "help me " + token * 80000}
    headers = {"X-Twilio-Signature": sign(params) if signed else "x"}
    resp = client.post(stack.url + SMS_PATH, data=params, headers=headers)
    assert_no_leak(resp, [token])
    assert resp.status_code == 403


def test_sms_still_answers_after_the_sms_properties(stack, client):
    assert_alive(stack, client)
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": "+447700900123", "Body": "he is hitting me now",
              "NumMedia": "0"}
    resp = client.post(stack.url + SMS_PATH, data=params, headers={"X-Twilio-Signature": sign(params)})
    texts = twiml_texts(resp, [])
    assert "999" in texts and "55" in texts


# --- The log -------------------------------------------------------------------------------------

def test_log_holds_no_planted_text_and_no_traceback(stack):
    """Runs last in this module: nothing we planted reached the log, and nothing crashed."""
    assert PLANTED, "the properties above planted nothing"
    log = stack.log_file.read_bytes().decode("utf-8", "replace")
    leaked = [p for p in PLANTED if p in log]
    assert not leaked, f"{len(leaked)} planted tokens reached the log"
    ours = log[len(stack.log_file.read_bytes()[: stack.log_offset].decode("utf-8", "replace")):]
    tracebacks = [line for line in ours.splitlines() if "Traceback" in line or "Logging error" in line]
    assert not tracebacks, "\n".join(ours.splitlines()[:0] + tracebacks[:5])
