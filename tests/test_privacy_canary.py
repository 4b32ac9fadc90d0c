"""The canary test: plant names, numbers, emails and addresses (Latin and non-Latin scripts) in
conversations through both channels, with Rasa and the action server logging at DEBUG, then
search every byte the run wrote: files under the project, under a fresh HOME, the temporary
directory, the theme database and all log output. Zero occurrences, in any encoding.

Since issue 12: a name, a number in the language's own digits and an address in every
supported language and script, each searched also in NFC and NFD and with its digits in
ASCII; and the conversation's language never appears in the log."""
from __future__ import annotations

import json
import os
import time
import unicodedata
import urllib.parse
import uuid
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from support import ROOT, start_running_stack

TOKEN = "canary-test-token"
PUBLIC = "https://safe-report.example.org"


def j(*parts: str) -> str:
    # Joined at run time so that no compiled file holds the whole canary.
    return "".join(parts)


CANARIES = {
    "name_south_asian": j("Harpreet", " Kaur ", "Dhaliwal"),
    "name_african": j("Chukwuemeka", " Obiora"),
    "name_eastern_european": j("Agnieszka", " Wróblewska"),
    "name_arabic": j("Zainab", " Al-Qureshi"),
    "name_arabic_script": j("محمد", " ", "الفاروقي"),
    "name_gurmukhi": j("ਹਰਪ੍ਰੀਤ", " ", "ਕੌਰ"),
    "name_cyrillic": j("Влада", " ", "Коваленко"),
    "address_arabic_script": j("شارع", " الملك ", "٤٥"),
    "phone": j("07700", " 900", "417"),
    "phone_intl": j("+44", "7700", "900", "418"),
    "email": j("zq.canary", "417", "@example.org"),
    "street": j("47 Thornbury", " Crescent"),
    "postcode": j("LS6", " 2QX"),
    "ni_number": j("QQ", " 12 34 56 ", "C"),
    "brp": j("ZU", "8823", "417"),
    "handle": j("@zq_canary", "_417"),
    # one name, one number in the language's own digits, one address per language
    "pl_name": j("Bożydar", " Wąsowicz"), "pl_address": j("ul. Jaśminowa", " 47"),
    "pl_phone": j("07700", " 900 ", "611"),
    "ro_name": j("Ștefania", " Bălănescu"), "ro_address": j("Strada Zorelelor", " 38"),
    "pt_name": j("Joaquina", " Valadão"), "pt_address": j("Rua dos Pinheirais", " 73"),
    "es_name": j("Eufemia", " Zurbarán"), "es_address": j("Calle Almendrales", " 29"),
    "ur_name": j("صغریٰ", " قزلباش"), "ur_phone": j("۰۷۷۰۰", " ۹۰۰ ", "۶۲۷"),
    "ur_address": j("مکان نمبر ۹۳،", " گلی نمبر ۱۷"),
    "ur_latn_name": j("Sughra", " Qizilbash"), "ur_latn_phone": j("07700", "900", "628"),
    "pa_name": j("ਗੁਰਬਖ਼ਸ਼", " ਕੌਰ"), "pa_phone": j("੦੭੭੦੦", " ੯੦੦ ", "੬੨੯"),
    "pa_address": j("ਮਕਾਨ ਨੰਬਰ", " ੮੪"),
    "ar_name": j("نجلاء", " الطرابلسي"), "ar_phone": j("٠٧٧٠٠", " ٩٠٠ ", "٦٣١"),
    "ar_address": j("شارع الياسمين", " ٥٩"),
    "bn_name": j("সুরাইয়া", " তালুকদার"), "bn_phone": j("০৭৭০০", " ৯০০ ", "৬৩২"),
    "bn_address": j("৬৮ প্যারেড", " স্ট্রিট"),
    "sq_name": j("Drandofile", " Bushati"), "sq_address": j("Rruga Qemal", " Stafa 88"),
    "vi_name": j("Quách", " Thị Diễm"), "vi_address": j("số 64", " đường Bà Triệu"),
    "sender_id": j("canary-sender-", uuid.uuid4().hex[:8]),
    "forwarded_ip": j("203.0.113.", "77"),
}


def _ascii_digits(value: str) -> str:
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in value)


def encodings(value: str):
    normal = {value, unicodedata.normalize("NFC", value), unicodedata.normalize("NFD", value),
              _ascii_digits(value)}
    forms = set()
    for v in normal:
        forms.update({v, json.dumps(v)[1:-1], json.dumps(v, ensure_ascii=False)[1:-1],
                      urllib.parse.quote(v), urllib.parse.quote_plus(v)})
    digits = _ascii_digits("".join(ch for ch in value if ch.isdigit()))
    if len(digits) >= 10:  # phone numbers however they are spaced
        forms.update({digits, digits[-10:]})
    return {f.encode("utf-8") for f in forms if len(f) >= 5} | {
        v.encode("utf-16-le") for v in normal}


def conversation_texts():
    c = CANARIES
    return [
        f"hi my name is {c['name_south_asian']} and my husband hits me",
        f"I am {c['name_african']}, my visa depends on my wife. call me on {c['phone']}",
        f"my email is {c['email']} and I live at {c['street']} {c['postcode']}",
        f"he is hitting me now, I'm at {c['street']}",
        f"my NI number is {c['ni_number']} and my BRP is {c['brp']}, will police tell home office",
        f"{c['name_eastern_european']} took my passport and makes me work",
        f"اسمي {c['name_arabic_script']} وأعيش في {c['address_arabic_script']}",
        f"ਮੇਰਾ ਨਾਮ {c['name_gurmukhi']} ਹੈ",
        f"меня зовут {c['name_cyrillic']}",
        f"my friend {c['name_arabic']} needs a solicitor in Scotland",
        f"find me on insta {c['handle']}",
        f"Nazywam się {c['pl_name']}, mieszkam na {c['pl_address']}, tel. {c['pl_phone']}",
        "tak",
        f"Mă numesc {c['ro_name']} și stau pe {c['ro_address']}",
        f"Meu nome é {c['pt_name']}, moro na {c['pt_address']}",
        f"Me llamo {c['es_name']} y vivo en {c['es_address']}",
        f"میرا نام {c['ur_name']} ہے، میرا نمبر {c['ur_phone']} ہے، {c['ur_address']}",
        f"mera naam {c['ur_latn_name']} hai, mera number {c['ur_latn_phone']} hai",
        f"ਮੇਰਾ ਨਾਮ {c['pa_name']} ਹੈ, ਮੇਰਾ ਨੰਬਰ {c['pa_phone']} ਹੈ, {c['pa_address']}",
        f"اسمي {c['ar_name']}، رقمي {c['ar_phone']}، أسكن في {c['ar_address']}",
        f"আমার নাম {c['bn_name']}, আমার নম্বর {c['bn_phone']}, আমরা {c['bn_address']} এ থাকি",
        f"Unë quhem {c['sq_name']} dhe jetoj në {c['sq_address']}",
        f"Tên tôi là {c['vi_name']}, tôi ở {c['vi_address']}",
        "forget me",
    ]


def sign(url: str, params: dict) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


@pytest.fixture(scope="module")
def canary_run(trained_model, tmp_path_factory):
    base = tmp_path_factory.mktemp("canary")
    home, tmp = base / "home", base / "tmp"
    home.mkdir()
    tmp.mkdir()
    started = time.time() - 1
    env = {
        "HOME": str(home), "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp),
        "LOG_LEVEL_LIBRARIES": "DEBUG", "LOG_LEVEL": "DEBUG",
        "SAFE_REPORT_THEMES_DB": str(base / "themes.db"), "SAFE_REPORT_THEMES_FLUSH_SECONDS": "2",
        "TWILIO_AUTH_TOKEN": TOKEN, "SAFE_REPORT_PUBLIC_URL": PUBLIC,
        # one conversation carries a message in every language: more than a minute's limit
        "SAFE_REPORT_RATE_PER_CONVERSATION": "100",
    }
    stack = start_running_stack(base, env=env, rasa_args=["--debug"], actions_args=["--debug"])
    answers = []
    try:
        with httpx.Client(timeout=60) as client:
            for text in conversation_texts():
                r = client.post(f"{stack.url}/webhooks/webchat/webhook",
                                json={"sender": CANARIES["sender_id"], "message": text},
                                headers={"X-Forwarded-For": CANARIES["forwarded_ip"]})
                assert r.status_code == 200
                answers.append(r.text)
            path = "/webhooks/twilio/webhook"
            for i, text in enumerate(conversation_texts()):
                params = {"From": CANARIES["phone_intl"], "To": "+447700900000", "Body": text,
                          "MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}
                r = client.post(f"{stack.url}{path}", data=params,
                                headers={"X-Twilio-Signature": sign(PUBLIC + path, params)})
                assert r.status_code == 200, (i, r.status_code)
                answers.append(r.text)
        time.sleep(3)  # let a theme flush happen while running, too
    finally:
        stack.stop()
    return {"base": base, "started": started, "answers": answers, "log": stack.log_file}


def written_files(started: float, roots):
    for root in roots:
        for dirpath, _dirnames, filenames in os.walk(root):
            if "/proc" in dirpath:
                continue
            for name in filenames:
                p = Path(dirpath) / name
                try:
                    st = p.stat()
                except OSError:
                    continue
                if st.st_mtime >= started and p.is_file() and st.st_size < 200_000_000:
                    yield p


def test_the_bot_answered_every_message(canary_run):
    assert len(canary_run["answers"]) == 2 * len(conversation_texts())
    danger_answer = canary_run["answers"][3]
    assert "999" in danger_answer and "55" in danger_answer


def test_no_canary_anywhere_the_system_wrote(canary_run):
    base = canary_run["base"]
    roots = [ROOT, base, Path(os.environ.get("TMPDIR", "/tmp")), Path("/tmp"), Path.home() / ".config"]
    files = sorted(set(written_files(canary_run["started"], roots)))
    log_text = canary_run["log"].read_bytes()
    assert len(log_text) > 10_000, "DEBUG logging should have produced plenty of output"
    assert any(f.name == "themes.db" for f in files), "the theme counts should have been written"
    this_test = Path(__file__).resolve()
    needles = {k: encodings(v) for k, v in CANARIES.items()}
    # Positive control: a planted file in the JSON-escaped form must be found by the same search.
    control = base / "tmp" / "positive-control.json"
    control.write_text(json.dumps({"t": CANARIES["name_arabic_script"]}))
    files.append(control)
    leaks = []
    for f in files:
        if f.resolve() == this_test:
            continue
        try:
            data = f.read_bytes()
        except OSError:
            continue
        for kind, forms in needles.items():
            if any(form in data for form in forms):
                leaks.append(f"{kind} in {f}")
    assert f"name_arabic_script in {control}" in leaks, "the search itself must find a planted canary"
    leaks.remove(f"name_arabic_script in {control}")
    assert not leaks, leaks
    assert len(files) >= 3


def test_the_conversation_language_is_never_logged(canary_run):
    log_text = canary_run["log"].read_bytes()
    for code in ("pl", "ro", "pt", "es", "ur", "ur-Latn", "pa", "ar", "bn", "sq", "vi"):
        for form in (f"'language': '{code}'", f'"language": "{code}"', f'"language":"{code}"'):
            assert form.encode() not in log_text, form
