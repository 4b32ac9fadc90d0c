"""The committed translations: in step with domain.yml, safe, well formed, and served.

When the English in domain.yml changes, `test_files_follow_the_english` fails until someone runs
`.venv/bin/python scripts/translations.py update`; the entries that English change made stale
are then listed (a StaleTranslationWarning in the test summary, and in
docs/translations-status.md) without failing: the catalog serves English for them.
"""
from __future__ import annotations

import re
import warnings

import pytest

from bot.i18n import bidi, catalog, pofiles, review
from bot.i18n.languages import FALLBACK_LANGUAGES, SOURCE_LANGUAGE
from bot.i18n.report import stale
from bot.i18n.workspace import Workspace
from support import ROOT

WORKSPACE = Workspace(ROOT)
UPDATE = "run: .venv/bin/python scripts/translations.py update"
PILOT_KEYS = ("utter_danger", "utter_danger_more", "utter_error", "utter_other_language")


class StaleTranslationWarning(Warning):
    """Not a UserWarning, which pytest.ini hides: stale entries must show in the summary."""


def test_files_follow_the_english():
    pot = pofiles.template_path(WORKSPACE.translations_dir)
    assert pot.read_text(encoding="utf-8") == WORKSPACE.template_text(), f"the template is out of date: {UPDATE}"
    behind = [language.code for language in WORKSPACE.languages()
              if not pofiles.po_path(WORKSPACE.translations_dir, language.code).exists()
              or pofiles.po_path(WORKSPACE.translations_dir, language.code).read_text(encoding="utf-8")
              != WORKSPACE.merged_text(language.code)]
    assert behind == [], f"PO files not merged with the current English: {UPDATE}"
    assert WORKSPACE.status_file.read_text(encoding="utf-8") == WORKSPACE.status_text(), \
        f"docs/translations-status.md is out of date: {UPDATE}"


def test_stale_translations_are_listed():
    listed = stale(WORKSPACE.states())
    if listed:
        warnings.warn(StaleTranslationWarning(
            f"{len(listed)} stale translation(s), served in English until a translator updates them: "
            + ", ".join(listed)), stacklevel=2)
    # The same list is in the status report translators read.
    status = WORKSPACE.status_file.read_text(encoding="utf-8")
    assert all(f"- {item}" in status for item in listed), f"the status report is out of date: {UPDATE}"


def test_one_po_file_per_language_and_no_other():
    expected = {f"{language.code}.po" for language in WORKSPACE.languages()}
    present = {path.name for path in WORKSPACE.translations_dir.glob("*.po")}
    assert present == expected
    assert f"{SOURCE_LANGUAGE}.po" not in present  # English is the source, in domain.yml


def test_every_translation_keeps_numbers_addresses_and_names_and_has_a_valid_status():
    assert WORKSPACE.problems() == []


def test_no_personal_details_in_the_files():
    # Roles only: no e-mail address in a header (Poedit's Last-Translator) or a comment.
    for path in WORKSPACE.translations_dir.glob("*.po*"):
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        assert not re.search(r"[\w.+-]+@[\w-]+\.\w", header), path.name
        assert all(not review.comment_problems(entry) for entry in pofiles.load(path)), path.name


def _pilot_states(code):
    po = pofiles.load(pofiles.po_path(WORKSPACE.translations_dir, code))
    english = {entry.context: entry.text for entry in WORKSPACE.entries()}
    return {e.msgctxt: review.state(e, english[e.msgctxt]) for e in po if e.msgctxt in PILOT_KEYS}


@pytest.mark.parametrize("code", ["pl", "ur"])
def test_pilot_safety_texts_are_translated_drafts(code):
    po = pofiles.load(pofiles.po_path(WORKSPACE.translations_dir, code))
    pilot = [entry for entry in po if entry.msgctxt in PILOT_KEYS]
    assert sorted(entry.msgctxt for entry in pilot if entry.msgstr) == sorted(PILOT_KEYS)
    # drafts; once the English of one changes it is stale (listed above), still marked draft
    assert {review.review_fields(entry).get("status") for entry in pilot} == {review.DRAFT}
    assert set(_pilot_states(code).values()) <= {review.DRAFT, review.STALE}


@pytest.mark.parametrize("code", [language.code for language in WORKSPACE.languages()])
def test_the_catalog_serves_a_translated_danger_text_and_english_for_the_rest(code):
    served = catalog.reload()
    english = served.english["utter_danger"]
    danger = served.text("utter_danger", code)
    po = {e.msgctxt: e for e in pofiles.load(pofiles.po_path(WORKSPACE.translations_dir, code))}
    state = review.state(po.get("utter_danger"), english)
    if state in (review.DRAFT, review.REVIEWED):
        assert danger != english and "999" in danger and "55" in danger
        if served.direction(code) == "rtl":  # numbers isolated, so they never read reversed
            assert f"{bidi.FSI}999{bidi.PDI}" in danger and f"{bidi.FSI}55{bidi.PDI}" in danger
    else:  # stale or missing: the English is served
        assert danger == english
    # any entry without a servable translation is served in English
    for context, entry in po.items():
        if review.state(entry, served.english.get(context, "")) in (review.STALE, review.MISSING):
            key, _, index = context.partition("#")
            assert served.text(key, code, int(index or 0)) == served.english[context]


def test_fallback_languages_match_the_registry_when_it_exists():
    registry = ROOT / "data" / "languages.yml"
    if not registry.exists():
        pytest.skip("data/languages.yml has not landed yet: the fallback list is in use")
    assert {language.code for language in WORKSPACE.languages()} | {SOURCE_LANGUAGE} == \
        {language.code for language in FALLBACK_LANGUAGES}
