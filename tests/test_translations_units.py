"""The translation machinery on small, made-up checkouts: safety checks, right-to-left isolates,
review status, stale detection through an English change, the catalog's choices, the script."""
from __future__ import annotations

import re

import datetime
import subprocess
import sys
import time
from pathlib import Path

import polib
import pytest
import yaml

from bot import settings as settings_module
from bot.i18n import bidi, catalog, languages, pofiles, protected, review
from bot.i18n.report import stale
from bot.i18n.workspace import Workspace
from support import ROOT

NAMES = ["National Domestic Abuse Helpline (Refuge)", "Scotland's Domestic Abuse and Forced Marriage Helpline",
         "Galop LGBT+ Domestic Abuse Helpline", "True Vision"]
DANGER = "In danger? Call 999, then press 55 on a mobile. National Domestic Abuse Helpline 0808 2000 247."
GREET = "Hello {name}. See report-it.org.uk for more."


# ---- what must stay exactly as the English has it ----

def test_numbers_addresses_and_names_are_found():
    assert protected.numbers("Call 999, then 55. Helpline 0808 2000 247, since 2018, 24/7.") == \
        ["999", "55", "0808 2000 247"]
    assert protected.web_addresses("Go to report-it.org.uk. Or gov.wales/live-fear-free, or a.b@x.org.") == \
        ["report-it.org.uk", "gov.wales/live-fear-free", "a.b@x.org"]
    text = "Scotland: Domestic Abuse and Forced Marriage Helpline 0800 027 1234. National Domestic Abuse Helpline."
    # the longest form of each name, and no part of another name ("Domestic Abuse Helpline")
    assert protected.service_names(text, NAMES) == [
        "Domestic Abuse and Forced Marriage Helpline", "National Domestic Abuse Helpline"]


def test_a_faithful_translation_has_no_problems():
    polish = "Zagrożenie? Zadzwoń pod 999, potem naciśnij 55. National Domestic Abuse Helpline 0808 2000 247."
    assert protected.problems(DANGER, polish, NAMES) == []
    arabic = "في خطر؟ اتصل بالرقم 999، و55 من الهاتف المحمول. National Domestic Abuse Helpline 0808 2000 247."
    assert protected.problems(DANGER, arabic.replace("و55", "و 55"), NAMES) == []
    assert protected.problems(DANGER, arabic, NAMES) == []  # a prefix letter touching the number


@pytest.mark.parametrize("wrong, what", [
    ("Zadzwoń pod 999, potem 55. National Domestic Abuse Helpline 0808 2000 246.", "numbers"),
    ("Zadzwoń pod 999, potem 55. National Domestic Abuse Helpline 0808-2000-247.", "numbers"),
    ("Zadzwoń pod 999. National Domestic Abuse Helpline 0808 2000 247.", "numbers"),  # no 55
    ("Zadzwoń pod 112, potem 55. National Domestic Abuse Helpline 0808 2000 247.", "numbers"),
    ("اتصل ٩٩٩ ثم 55. National Domestic Abuse Helpline 0808 2000 247.", "numbers"),  # native digits
    ("Zadzwoń pod 999, potem 55. Krajowa linia ws. przemocy 0808 2000 247.", "service names"),
])
def test_a_changed_number_or_translated_name_is_a_problem(wrong, what):
    found = protected.problems(DANGER, wrong, NAMES)
    assert len(found) == 1 and found[0].startswith(what), found


def test_web_addresses_and_placeholders_must_match():
    assert protected.problems(GREET, "Cześć {name}. Więcej: report-it.org.uk.") == []
    assert protected.problems(GREET, "Cześć {imie}. Więcej: report-it.org.uk.")[0].startswith("placeholders")
    assert protected.problems(GREET, "Cześć {name}. Więcej: report-it.pl.")[0].startswith("web addresses")


# ---- right to left ----

def test_numbers_and_addresses_are_isolated_in_arabic_text():
    text = "اتصل بالرقم 0808 2000 247 أو زر report-it.org.uk الآن، 24/7."
    isolated = bidi.isolate(text)
    assert f"{bidi.FSI}0808 2000 247{bidi.PDI}" in isolated  # one unit, never "247 2000 0808"
    assert f"{bidi.FSI}report-it.org.uk{bidi.PDI}" in isolated and f"{bidi.FSI}24/7{bidi.PDI}" in isolated
    assert isolated.replace(bidi.FSI, "").replace(bidi.PDI, "") == text
    assert bidi.isolate(isolated) == isolated  # twice is the same as once


# ---- review status and stale entries ----

def _entry(msgstr="Cześć", comment="", msgid="Hello", flags=()):
    return polib.POEntry(msgctxt="utter_greet", msgid=msgid, msgstr=msgstr, tcomment=comment, flags=list(flags))


def test_status_comes_from_the_translator_comment():
    assert review.state(_entry(), "Hello") == review.DRAFT  # no status line: a draft
    reviewed = "status: reviewed; reviewed-by: native speaker, caseworker; reviewed-on: 2026-12-01"
    assert review.state(_entry(comment=reviewed), "Hello") == review.REVIEWED
    assert review.state(_entry(msgstr=""), "Hello") == review.MISSING
    assert review.state(_entry(flags=["fuzzy"]), "Hello") == review.STALE
    assert review.state(_entry(), "Hello again") == review.STALE  # English changed, not merged yet
    assert review.state(None, "Hello") == review.MISSING


@pytest.mark.parametrize("comment, problem", [
    ("status: reviewed; reviewed-on: 2026-12-01", "reviewed without reviewed-by"),
    ("status: reviewed; reviewed-by: interpreter", "reviewed without reviewed-on"),
    ("status: reviewed; reviewed-by: interpreter; reviewed-on: 2027-01-01", "in the future"),
    ("status: fuzzy", "status must be"),
    ("status: draft\nasked anna@example.org", "e-mail address"),
])
def test_malformed_review_comments_are_reported(comment, problem):
    found = review.comment_problems(_entry(comment=comment), today=datetime.date(2026, 12, 3))
    assert len(found) == 1 and problem in found[0], found


# ---- a checkout, the English changes, the translations follow ----

@pytest.fixture
def checkout(tmp_path) -> Workspace:
    (tmp_path / "data").mkdir()
    # The real directory (its names are protected in every translation), without the services'
    # notes, so that the only English texts are the small domain below.
    directory = yaml.safe_load((ROOT / "data" / "resources.yml").read_text(encoding="utf-8"))
    for entry in directory["resources"] if isinstance(directory, dict) else directory:
        entry["note"] = None
    (tmp_path / "data" / "resources.yml").write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    _write_domain(tmp_path, DANGER, "Hello. What can I do?")
    workspace = Workspace(tmp_path)
    workspace.update()
    return workspace


def _write_domain(root: Path, danger: str, greet: str, extra: str = "") -> None:
    (root / "domain.yml").write_text(
        f'version: "3.1"\nresponses:\n  utter_danger:\n    - text: "{danger}"\n'
        f'  utter_greet:\n    - text: "{greet}"\n    - text: "Hi. Ask me anything."\n{extra}',
        encoding="utf-8")


def _translate(workspace: Workspace, code: str, context: str, text: str, comment: str = "") -> None:
    path = pofiles.po_path(workspace.translations_dir, code)
    po = pofiles.load(path)
    entry = next(e for e in po if e.msgctxt == context)
    entry.msgstr, entry.tcomment = text, comment
    pofiles.save(po, path)


def test_update_writes_a_template_and_one_file_per_language(checkout):
    names = sorted(p.name for p in checkout.translations_dir.iterdir())
    assert names == sorted(["safe-report.pot"] + [f"{lang.code}.po" for lang in checkout.languages()])
    pot = pofiles.load(pofiles.template_path(checkout.translations_dir))
    assert [(e.msgctxt, e.msgid) for e in pot] == [
        ("utter_danger", DANGER), ("utter_greet", "Hello. What can I do?"), ("utter_greet#1", "Hi. Ask me anything.")]
    assert "0808 2000 247" in pot[0].comment.splitlines()  # the translators' keep-unchanged note
    assert pofiles.load(pofiles.po_path(checkout.translations_dir, "ur-Latn")).metadata["Language"] == "ur@latin"
    # standard tools read the result: msgfmt compiles it, and counts the draft as translated
    _translate(checkout, "pl", "utter_greet", "Cześć. Co mogę zrobić?")
    checked = subprocess.run(["msgfmt", "-c", "--statistics", "-o", "/dev/null",
                              str(pofiles.po_path(checkout.translations_dir, "pl"))],
                             capture_output=True, text=True)
    if checked.returncode == 127:
        pytest.skip("GNU gettext is not installed")
    assert checked.returncode == 0 and "1 translated message" in checked.stderr


def test_an_english_change_makes_the_translation_stale_until_it_is_updated(checkout):
    reviewed = "status: reviewed; reviewed-by: native speaker, caseworker; reviewed-on: 2026-12-01"
    _translate(checkout, "pl", "utter_greet", "Cześć. Co mogę zrobić?", reviewed)
    assert catalog.build(checkout.root / "domain.yml", checkout.translations_dir, None).text("utter_greet", "pl") \
        == "Cześć. Co mogę zrobić?"

    _write_domain(checkout.root, DANGER, "Hello. How can I help?")
    # before `update`, the catalog already refuses the outdated translation
    assert catalog.build(checkout.root / "domain.yml", checkout.translations_dir, None).text("utter_greet", "pl") \
        == "Hello. How can I help?"
    checkout.update()
    entry = next(e for e in pofiles.load(pofiles.po_path(checkout.translations_dir, "pl")) if e.msgctxt == "utter_greet")
    assert entry.msgid == "Hello. How can I help?" and entry.previous_msgid == "Hello. What can I do?"
    assert "fuzzy" in entry.flags and entry.msgstr == "Cześć. Co mogę zrobić?"
    assert review.review_fields(entry) == {"status": "draft"}  # the review no longer holds
    assert stale(checkout.states()) == ["pl: utter_greet"]
    assert "- pl: utter_greet" in checkout.status_file.read_text(encoding="utf-8")
    assert "| pl | 3 | 0 | 0 | 1 | 2 |" in checkout.status_file.read_text(encoding="utf-8")

    # a translator updates it in Poedit (which clears the fuzzy mark): served again, as a draft
    path = pofiles.po_path(checkout.translations_dir, "pl")
    po = pofiles.load(path)
    entry = next(e for e in po if e.msgctxt == "utter_greet")
    entry.msgstr, entry.flags = "Cześć. Jak mogę pomóc?", []
    pofiles.save(po, path)
    checkout.update()
    entry = next(e for e in pofiles.load(path) if e.msgctxt == "utter_greet")
    assert entry.previous_msgid is None and review.state(entry, "Hello. How can I help?") == review.DRAFT
    assert stale(checkout.states()) == []


def test_a_new_number_in_the_english_makes_a_stale_entry_not_a_failure(checkout):
    polish = "Zagrożenie? Zadzwoń pod 999, potem naciśnij 55. National Domestic Abuse Helpline 0808 2000 247."
    _translate(checkout, "pl", "utter_danger", polish)
    _write_domain(checkout.root, DANGER + " Samaritans 116 123.", "Hello. What can I do?")
    checkout.update()
    assert stale(checkout.states()) == ["pl: utter_danger"]
    assert checkout.problems() == []  # checked against the English it was translated from
    assert _catalog(checkout).text("utter_danger", "pl") == DANGER + " Samaritans 116 123."
    # ... and that check still bites
    _translate(checkout, "pl", "utter_danger", polish.replace("247", "248"))
    assert [p.split(":")[0] for p in checkout.problems()] == ["pl.po utter_danger"]


def test_a_removed_key_becomes_obsolete_and_comes_back_translated(checkout):
    _translate(checkout, "pl", "utter_greet#1", "Cześć. Pytaj o wszystko.")
    (checkout.root / "domain.yml").write_text(f'responses:\n  utter_danger:\n    - text: "{DANGER}"\n', encoding="utf-8")
    checkout.update()
    po = pofiles.load(pofiles.po_path(checkout.translations_dir, "pl"))
    assert [e.msgctxt for e in po.obsolete_entries()] == ["utter_greet#1"]
    _write_domain(checkout.root, DANGER, "Hello. What can I do?")
    checkout.update()
    po = pofiles.load(pofiles.po_path(checkout.translations_dir, "pl"))
    assert [e.msgctxt for e in po] == ["utter_danger", "utter_greet", "utter_greet#1"]
    assert po[2].msgstr == "Cześć. Pytaj o wszystko." and not po.obsolete_entries()


def test_update_twice_changes_nothing(checkout):
    _translate(checkout, "ur", "utter_danger", "خطرہ؟ 999 پر کال کریں، پھر 55 دبائیں۔ National Domestic Abuse Helpline 0808 2000 247۔")
    checkout.update()
    before = {p: p.read_bytes() for p in checkout.translations_dir.iterdir()}
    checkout.update()
    assert {p: p.read_bytes() for p in checkout.translations_dir.iterdir()} == before


# ---- the catalog ----

def _catalog(checkout, **kwargs) -> catalog.Catalog:
    return catalog.build(checkout.root / "domain.yml", checkout.translations_dir, None,
                         directory_names=checkout.directory_names(), **kwargs)


def test_catalog_serves_the_language_or_english(checkout):
    urdu = "خطرہ؟ 999 پر کال کریں، پھر 55 دبائیں۔ National Domestic Abuse Helpline 0808 2000 247۔"
    _translate(checkout, "ur", "utter_danger", urdu)
    _translate(checkout, "pl", "utter_greet#1", "Cześć. Pytaj o wszystko.")
    served = _catalog(checkout)
    assert served.text("utter_danger", "ur") == bidi.isolate(urdu)  # isolated at load, not in the file
    assert re.search(f"{bidi.FSI}[^{bidi.PDI}]*0808 2000 247[^{bidi.PDI}]*{bidi.PDI}", served.text("utter_danger", "ur"))
    assert served.text("utter_greet", "pl", variation=1) == "Cześć. Pytaj o wszystko."
    assert served.text("utter_greet", "pl") == "Hello. What can I do?"  # not translated
    for unknown in ("xx", "", None, 42, "ur-Arab", "en"):
        assert served.text("utter_danger", unknown) == DANGER
    assert served.text("utter_danger", " UR ") == served.text("utter_danger", "ur")  # codes compare loosely
    assert served.text("utter_greet", "pl", variation=7) == "Hello. What can I do?"  # no such variation
    assert served.direction("ur") == "rtl" and served.direction("ur-Latn") == "ltr" and served.direction("zz") == "ltr"
    with pytest.raises(KeyError):
        served.text("utter_no_such_answer", "pl")


def test_a_disabled_language_is_answered_in_english(checkout):
    _translate(checkout, "pl", "utter_greet#1", "Cześć. Pytaj o wszystko.")
    _translate(checkout, "ur-Latn", "utter_greet#1", "Salam. Kuch bhi poochein.")
    served = _catalog(checkout, disabled=["PL", "nope"])
    assert served.text("utter_greet", "pl", variation=1) == "Hi. Ask me anything."
    assert served.language("pl") is None
    assert served.text("utter_greet", "ur-Latn", variation=1) == "Salam. Kuch bhi poochein."


def test_a_translation_with_a_wrong_number_is_never_served(checkout):
    _translate(checkout, "pl", "utter_danger",
               "Zagrożenie? Zadzwoń pod 999, potem 55. National Domestic Abuse Helpline 0808 2000 246.")
    assert _catalog(checkout).text("utter_danger", "pl") == DANGER
    assert any("numbers differ" in p for p in checkout.problems())


def test_the_setting_reaches_the_catalog(monkeypatch):
    monkeypatch.setenv("SAFE_REPORT_LANGUAGES_DISABLED", " ur , pl,,")
    try:
        assert settings_module.reload().languages_disabled == ("ur", "pl")
        served = catalog.reload()
        assert served.text("utter_danger", "ur") == served.english["utter_danger"]
        assert served.text("utter_danger", "pl") == served.english["utter_danger"]
    finally:
        monkeypatch.delenv("SAFE_REPORT_LANGUAGES_DISABLED")
        settings_module.reload()
        catalog.reload()
    assert settings_module.settings().languages_disabled == ()


def test_a_broken_file_leaves_english_and_the_other_languages_working(checkout):
    _translate(checkout, "ur-Latn", "utter_greet#1", "Salam. Kuch bhi poochein.")
    pofiles.po_path(checkout.translations_dir, "pl").write_text('msgid "unterminated\n', encoding="utf-8")
    served = _catalog(checkout)
    assert served.text("utter_greet", "pl", variation=1) == "Hi. Ask me anything."
    assert served.text("utter_greet", "ur-Latn", variation=1) == "Salam. Kuch bhi poochein."


def test_an_unreadable_registry_leaves_english_working(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("no 'en' entry")
    monkeypatch.setattr(languages, "load", broken)
    served = catalog.reload()
    monkeypatch.undo()
    assert served.text("utter_danger", "pl") == served.english["utter_danger"]
    catalog.reload()


def test_lookups_are_dictionary_fast():
    served = catalog.catalog()
    start = time.perf_counter()
    for _ in range(20000):
        served.text("utter_danger", "ur")
    assert time.perf_counter() - start < 0.5  # about 20 ms on this machine; generous for a shared one


# ---- the language list ----

def test_registry_is_read_when_present(tmp_path):
    registry = tmp_path / "languages.yml"
    registry.write_text("languages:\n  - {code: en, direction: ltr}\n  - {code: ar, direction: rtl}\n"
                        "  - {code: pl}\n", encoding="utf-8")
    assert languages.load(registry) == (languages.Language("en", "ltr"), languages.Language("ar", "rtl"),
                                        languages.Language("pl", "ltr"))
    assert languages.load(tmp_path / "missing.yml") == languages.FALLBACK_LANGUAGES
    registry.write_text("languages:\n  - {code: pl, direction: ltr}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        languages.load(registry)


# ---- the script ----

def test_script_check_fails_on_a_wrong_number(checkout):
    script = [sys.executable, str(ROOT / "scripts" / "translations.py")]
    ok = subprocess.run(script + ["check", "--root", str(checkout.root)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    _translate(checkout, "pl", "utter_danger", "Zadzwoń pod 999, potem 55. National Domestic Abuse Helpline 0808.")
    bad = subprocess.run(script + ["check", "--root", str(checkout.root)], capture_output=True, text=True)
    assert bad.returncode == 1 and "pl.po utter_danger: numbers differ" in bad.stdout


# ---- Rasa's response generator ----

def test_rasa_responses_come_in_the_conversation_language(checkout, monkeypatch):
    from rasa.core.nlg.generator import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    from bot.i18n.nlg import LANGUAGE_SLOT, TranslatingNLG

    _translate(checkout, "pl", "utter_greet#1", "Cześć. Pytaj o wszystko.")
    monkeypatch.setattr(catalog._catalog, "_value", _catalog(checkout))
    domain = Domain.load(str(checkout.root / "domain.yml"))
    # what `nlg: type: bot.i18n.nlg.TranslatingNLG` in endpoints.yml makes Rasa build
    nlg = NaturalLanguageGenerator.create(EndpointConfig(type="bot.i18n.nlg.TranslatingNLG"), domain)
    assert isinstance(nlg, TranslatingNLG)
    seen = {nlg.generate_from_slots("utter_greet", {LANGUAGE_SLOT: "pl"}, "webchat")["text"] for _ in range(40)}
    assert seen == {"Hello. What can I do?", "Cześć. Pytaj o wszystko."}  # variation 0 is not translated
    for language in (None, "xx", "ro"):
        answer = nlg.generate_from_slots("utter_greet", {LANGUAGE_SLOT: language}, "webchat")
        assert answer["text"] in ("Hello. What can I do?", "Hi. Ask me anything.")
    # a model trained on an older English keeps its own text, never a translation of another
    old = Domain.from_dict({"responses": {"utter_greet": [{"text": "Hey."}, {"text": "Hi there."}]}})
    seen = {TranslatingNLG(domain=old).generate_from_slots("utter_greet", {LANGUAGE_SLOT: "pl"}, "webchat")["text"]
            for _ in range(40)}
    assert seen == {"Hey.", "Hi there."}
    assert nlg.generate_from_slots("utter_no_such_answer", {LANGUAGE_SLOT: "pl"}, "webchat") is None
