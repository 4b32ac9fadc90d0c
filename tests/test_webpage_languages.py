"""The web chat page in Polish, Urdu and Bengali, in real headless Chromium against the shared
running stack (issue 14, items 1, 4 and 6): the picker names every answered language in itself;
choosing one sets <html lang dir> (Urdu right to left) and the page's texts, the topic buttons
send the language's words with metadata.language, answers and the danger answer come back, the
offline text is the chosen language's, phone numbers stay left to right inside <bdi>, and bad
metadata.language values from the page get a normal answer. Saves docs/webchat-ur.png.

Every expected text comes from the catalog (bot.i18n.catalog) or webchat_page.strings(), never
from words written here, so the checks hold while translations are drafts or English fallbacks.
The browser, the visit and its helpers are test_webpage.py's.
"""
from __future__ import annotations

import secrets

import httpx
import pytest
import yaml

from support import ROOT, assert_emergency
from test_webpage import ANSWER_TIMEOUT_MS, Visit, browser  # noqa: F401  (browser: the module's Chromium fixture)

from bot import safety
from bot.channels import languages as choice
from bot.channels import webchat_page
from bot.i18n import catalog
from bot.privacy import registry

CODES = ("pl", "ur", "bn")
SCREENSHOT = ROOT / "docs" / "webchat-ur.png"
ENGLISH_DANGER = "he is going to kill me"
QUESTION = "Can I report a crime to the police if I have no visa?"


def page_strings() -> dict:
    """code -> the language's entry in the JSON block the server puts into the page."""
    return {language["code"]: language for language in webchat_page.strings()["languages"]}


def _need_answered(code: str) -> None:
    if not choice.answerable(code):
        pytest.skip(f"{code} is not answered yet (data/languages.yml `answered`, or switched off)")


def danger_messages_for(code: str) -> list:
    """A clear English danger message, and the language's own first two when its test data exists."""
    found = [ENGLISH_DANGER]
    own = ROOT / "tests" / "data" / f"danger_{code}.yml"
    if own.exists():
        found += (yaml.safe_load(own.read_text(encoding="utf-8")) or {}).get("danger", [])[:2]
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


class LanguageVisit(Visit):
    """test_webpage's Visit in a chosen language: nothing here looks for English labels."""

    def bot_texts(self) -> list:
        # The bubble's text only: the hidden "Safe Report said:" label is translated too.
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('#log .msg.bot'),"
            " m => (m.querySelector('.bubble') || {innerText: ''}).innerText)")

    def choose(self, code: str) -> None:
        self.page.select_option("#language", code)

    def exchange(self, action):
        """Do `action` (which sends one message); return (status, the JSON answer, shown texts)."""
        before = len(self.bot_texts())
        with self.page.expect_response("**/webhooks/webchat/webhook", timeout=ANSWER_TIMEOUT_MS) as resp:
            action()
        shown = self._wait_for_answer(before)
        return resp.value.status, resp.value.json(), shown

    def type_and_send(self, text: str):
        box = self.page.locator("#message")
        box.fill(text)
        return self.exchange(lambda: box.press("Enter"))

    def topic_button(self, key: str):
        return self.page.locator(f"section.topics button.topic[data-i18n-message='{key}']")


@pytest.fixture
def visit(browser, rasa_stack):  # noqa: F811  (test_webpage's browser fixture)
    v = LanguageVisit(browser, rasa_stack.url)
    yield v
    v.close()


def _texts(answer_json: list) -> list:
    return [m.get("text", "") for m in answer_json]


# ---------- the picker ----------

def test_picker_lists_every_answered_language_named_in_itself_and_automatic(visit):
    visit.open()
    options = visit.page.evaluate(
        "() => Array.from(document.querySelectorAll('#language option'),"
        " o => ({value: o.value, text: o.textContent, lang: o.lang, dir: o.dir}))")
    answered = [language for language in registry.languages() if choice.answerable(language.code)]
    assert options[0] == {"value": "", "text": catalog.text("page_language_auto", "en"), "lang": "", "dir": ""}
    assert [(o["value"], o["text"], o["lang"], o["dir"]) for o in options[1:]] == [
        (language.code, language.name, language.code, language.direction) for language in answered]
    assert [o["value"] for o in options[1:]] == list(page_strings())
    assert visit.page.locator("#language").input_value() == ""  # Automatic until the person chooses
    visit.assert_no_csp_violations()


# ---------- choosing a language ----------

def _assert_page_texts_are(visit, strings: dict) -> None:
    shown = visit.page.evaluate(
        """() => ({
            text: Array.from(document.querySelectorAll('[data-i18n]'), e => [e.dataset.i18n, e.textContent]),
            message: Array.from(document.querySelectorAll('[data-i18n-message]'),
                                e => [e.dataset.i18nMessage, e.dataset.message]),
            label: Array.from(document.querySelectorAll('[data-i18n-label]'),
                              e => [e.dataset.i18nLabel, e.getAttribute('aria-label')]),
        })""")
    assert len(shown["text"]) >= 20 and len(shown["message"]) == 7 and shown["label"]
    for kind in ("text", "message", "label"):
        for key, value in shown[kind]:
            assert value == strings[key], (kind, key)


def _assert_english_fallbacks_stay_english(visit, code: str) -> None:
    """A page text not translated yet is marked English, and a block (a text, or the paragraph
    of inline ones) of nothing but such texts is laid out left to right; any other block takes
    the language's direction."""
    english, own = page_strings()["en"]["strings"], page_strings()[code]
    blocks = visit.page.evaluate(
        """() => {
            const found = new Map();
            document.querySelectorAll('[data-i18n]').forEach(e => {
                const block = getComputedStyle(e).display === 'inline' ? e.parentElement : e;
                if (!found.has(block)) found.set(block, {direction: getComputedStyle(block).direction, texts: []});
                found.get(block).texts.push({key: e.dataset.i18n, lang: e.getAttribute('lang')});
            });
            return Array.from(found.values());
        }""")
    for block in blocks:
        fallbacks = [code != "en" and own["strings"][t["key"]] == english[t["key"]] for t in block["texts"]]
        for text, fallback in zip(block["texts"], fallbacks):
            assert text["lang"] == ("en" if fallback else None), text
        assert block["direction"] == ("ltr" if all(fallbacks) else own["dir"]), block


@pytest.mark.parametrize("code", CODES)
def test_choosing_a_language_sets_lang_dir_and_the_pages_texts_and_quick_exit_still_works(visit, code):
    _need_answered(code)
    expected = page_strings()[code]
    visit.open()
    visit.choose(code)
    page = visit.page
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        code, registry.language(code).direction]
    assert expected["dir"] == ("rtl" if code == "ur" else "ltr")
    _assert_page_texts_are(visit, expected["strings"])
    _assert_english_fallbacks_stay_english(visit, code)
    assert page.evaluate("getComputedStyle(document.getElementById('log')).direction") == expected["dir"]
    # Quick exit is still the first thing the keyboard reaches, and Esc still leaves.
    page.locator("body").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "quick-exit"
    exit_url = page.locator("#quick-exit").get_attribute("href")
    page.keyboard.press("Escape")
    page.wait_for_url(exit_url)
    assert page.locator("body").inner_text() == "Weather forecast"
    assert visit.csp_console == [] and visit.page_errors == [] and visit.blocked == []


def test_automatic_after_a_language_goes_back_to_english_and_to_detection(visit):
    _need_answered("ur")
    visit.open()
    visit.choose("ur")
    visit.choose("")
    assert visit.page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["en", "ltr"]
    _assert_page_texts_are(visit, page_strings()["en"]["strings"])
    _assert_english_fallbacks_stay_english(visit, "en")
    status, answer, _ = visit.type_and_send(QUESTION)
    assert status == 200 and answer
    assert visit.webhook_posts[-1]["metadata"] == {"language": ""}
    assert safety.response_text("utter_interpreter_note", "ur") not in _texts(answer)


def test_urdu_is_laid_out_right_to_left_with_the_persons_messages_on_the_left(visit):
    _need_answered("ur")
    visit.open()
    visit.choose("ur")
    status, _, _ = visit.type_and_send(QUESTION)
    assert status == 200
    boxes = visit.page.evaluate(
        """() => {
            const box = s => document.querySelector(s).getBoundingClientRect();
            const log = box('#log'), user = box('#log .msg.user .bubble'), bot = box('#log .msg.bot .bubble');
            return {log: [log.left, log.right], user: [user.left, user.right], bot: [bot.left, bot.right]};
        }""")
    (log_left, log_right), (user_left, user_right), (_, bot_right) = (
        boxes["log"], boxes["user"], boxes["bot"])
    # In RTL the assistant speaks from the right edge and the person from the left (the mirror
    # of the English page, where flex-start is the left).
    assert abs(user_left - log_left) <= 1 and user_right < log_right - 20, boxes
    assert abs(bot_right - log_right) <= 1, boxes
    assert visit.page.evaluate(
        "getComputedStyle(document.querySelector('section.topics')).direction") == "rtl"
    visit.assert_no_csp_violations()


# ---------- talking in a chosen language ----------

@pytest.mark.parametrize("code", CODES)
def test_topic_buttons_show_and_send_the_languages_words_with_metadata_language(visit, code):
    _need_answered(code)
    visit.open()
    visit.choose(code)
    button = visit.topic_button("page_topic_police")
    words = catalog.text("page_topic_police", code)
    assert button.inner_text() == words
    status, answer, shown = visit.exchange(button.click)
    assert status == 200 and shown and all(shown)
    post = visit.webhook_posts[-1]
    assert post["message"] == words
    assert post["metadata"] == {"language": code}
    # The person's own bubble shows the words sent; the server answered in the chosen language:
    # a conversation in another language than English gets the interpreter note once.
    assert visit.page.locator("#log .msg.user .bubble").last.inner_text() == words
    assert safety.response_text("utter_interpreter_note", code) in _texts(answer)
    danger = visit.topic_button("page_topic_danger")
    assert danger.inner_text() == catalog.text("page_topic_danger", code)
    status, answer, _ = visit.exchange(danger.click)
    assert visit.webhook_posts[-1] == {"sender": post["sender"], "message": catalog.text("page_topic_danger", code),
                                       "metadata": {"language": code}}
    assert_emergency(status, "\n".join(_texts(answer)))
    visit.assert_no_csp_violations()


@pytest.mark.parametrize("code", CODES)
def test_a_typed_question_and_danger_get_answers_in_the_chosen_language(visit, code):
    _need_answered(code)
    visit.open()
    visit.choose(code)
    status, answer, shown = visit.type_and_send(QUESTION)
    assert status == 200 and shown and all(shown)
    assert not any(_flat(t) == _flat(page_strings()[code]["strings"]["page_offline"]) for t in shown)
    assert visit.webhook_posts[-1]["metadata"] == {"language": code}
    danger_answer = [m["text"] for m in safety.danger_messages(code)]
    for message in danger_messages_for(code):
        status, answer, shown = visit.type_and_send(message)
        texts = _texts(answer)
        assert_emergency(status, "\n".join(texts))
        # The emergency answer in the chosen language (never another language's).
        assert danger_answer[0] in texts, (message, texts)
        assert visit.webhook_posts[-1]["metadata"] == {"language": code}
    visit.assert_no_csp_violations()


@pytest.mark.parametrize("code", CODES)
def test_server_out_of_reach_shows_the_chosen_languages_offline_text(visit, code):
    _need_answered(code)
    visit.open()
    visit.choose(code)
    visit.page.route("**/webhooks/webchat/webhook", lambda route: route.abort("connectionrefused"))
    before = len(visit.bot_texts())
    visit.page.locator("#message").fill("hello")
    visit.page.locator("#composer button[type=submit]").click()
    shown = visit._wait_for_answer(before)
    assert [_flat(t) for t in shown] == [_flat(page_strings()[code]["strings"]["page_offline"])]
    assert visit.page.locator("#log a[href='tel:999']").count() >= 1
    assert visit.page.locator("#log a[href='tel:08082000247']").count() == 1


# ---------- numbers in right-to-left text ----------

# Where every visible character of an element's text is drawn: [left, top], in reading order.
CHARACTER_BOXES = """e => {
    const node = e.firstChild, boxes = [];
    for (let i = 0; i < node.length; i++) {
        if (node.data[i] === ' ') continue;
        const r = document.createRange();
        r.setStart(node, i); r.setEnd(node, i + 1);
        const b = r.getBoundingClientRect();
        boxes.push([b.left, b.top]);
    }
    return boxes;
}"""


def _reads_left_to_right(boxes: list) -> bool:
    """On one line, each character to the right of the one before."""
    lefts, tops = [b[0] for b in boxes], [b[1] for b in boxes]
    return max(tops) - min(tops) < 1 and all(a < b for a, b in zip(lefts, lefts[1:]))


def _assert_numbers_read_left_to_right(links) -> list:
    """Every phone link is inside a <bdi>, calls its own digits and reads left to right."""
    numbers = []
    for i in range(links.count()):
        link = links.nth(i)
        assert link.evaluate("a => a.parentElement.tagName") == "BDI"
        text = link.inner_text()
        assert link.get_attribute("href") == "tel:" + text.replace(" ", "")
        assert _reads_left_to_right(link.evaluate(CHARACTER_BOXES)), text
        numbers.append(text)
    return numbers


def test_urdu_phone_numbers_are_isolated_and_read_left_to_right(visit):
    _need_answered("ur")
    visit.open()
    visit.choose("ur")
    visit.exchange(visit.topic_button("page_topic_help").click)
    visit.type_and_send(ENGLISH_DANGER)
    links = visit.page.locator("#log .msg.bot a[href^='tel:']")
    assert links.count() >= 3
    numbers = _assert_numbers_read_left_to_right(links)
    assert "999" in numbers and "0808 2000 247" in numbers
    # The same in bubbles laid out right to left (while an answer is an English fallback, its
    # bubble is left to right: dir="auto").
    visit.page.evaluate("document.querySelectorAll('#log .bubble').forEach(b => { b.dir = 'rtl'; })")
    assert _assert_numbers_read_left_to_right(links) == numbers
    # No number is left outside a link (and so outside a <bdi>) in the answers.
    outside = visit.page.evaluate(
        """() => Array.from(document.querySelectorAll('#log .msg.bot .bubble')).map(b => {
            const c = b.cloneNode(true);
            c.querySelectorAll('bdi').forEach(x => x.remove());
            return c.textContent; })""")
    for text in outside:
        assert "999" not in text and "0808" not in text, text
    # Control: without <bdi>, the same number in right-to-left text has its groups reversed,
    # so the measure above can tell the difference.
    visit.page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.dir = 'rtl';
            p.id = 'control';
            const span = document.createElement('span');
            span.textContent = '0808 2000 247';
            p.append('\u0641\u0648\u0646 ', span);
            document.getElementById('log').appendChild(p);
        }""")
    assert not _reads_left_to_right(visit.page.locator("#control span").evaluate(CHARACTER_BOXES))
    visit.page.evaluate("document.getElementById('control').remove()")
    visit.assert_no_csp_violations()


# ---------- bad picker values, by plain HTTP ----------

BAD_PICKER_VALUES = ["", "xx", "../../etc", "x" * 5000, 5, 1.5, ["ur"], {"code": "ur"}, None, True]


@pytest.mark.parametrize("value", BAD_PICKER_VALUES,
                         ids=["empty", "unknown", "path", "5000-chars", "int", "float", "list", "dict",
                              "null", "bool"])
def test_a_bad_metadata_language_gets_a_normal_answer(rasa_stack, value):
    notes = {safety.response_text("utter_interpreter_note", code) for code in registry.codes()} - {
        safety.response_text("utter_interpreter_note", "en")}
    for message in (QUESTION, ENGLISH_DANGER):
        r = httpx.post(f"{rasa_stack.url}/webhooks/webchat/webhook",
                       json={"sender": secrets.token_hex(16), "message": message, "metadata": {"language": value}},
                       timeout=60)
        assert r.status_code == 200, r.status_code
        data = r.json()
        assert isinstance(data, list) and data and all(isinstance(m.get("text"), str) and m["text"] for m in data)
        texts = [m["text"] for m in data]
        assert not notes & set(texts)  # an English question stays English
        if message == ENGLISH_DANGER:
            assert_emergency(r.status_code, "\n".join(texts))


def test_a_known_code_by_http_is_answered_in_that_language(rasa_stack):
    # The control for the test above: the same request with a good code is answered in it.
    _need_answered("ur")
    r = httpx.post(f"{rasa_stack.url}/webhooks/webchat/webhook",
                   json={"sender": secrets.token_hex(16), "message": QUESTION, "metadata": {"language": "ur"}},
                   timeout=60)
    assert r.status_code == 200
    assert safety.response_text("utter_interpreter_note", "ur") in [m["text"] for m in r.json()]


# ---------- screenshot ----------

def test_screenshot_in_urdu_on_a_phone(visit):
    _need_answered("ur")
    visit.open()
    visit.choose("ur")
    visit.exchange(visit.topic_button("page_topic_police").click)
    visit.page.locator("#log a[href^='tel:']").first.scroll_into_view_if_needed()
    visit.page.wait_for_timeout(300)  # let the scroll settle
    assert visit.page.locator("#log a[href^='tel:']").first.is_visible()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    visit.assert_no_csp_violations()
