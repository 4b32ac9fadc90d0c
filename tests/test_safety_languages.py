"""The deterministic safety net in every language (data/safety/<code>.yml, bot/safety_words.py).

Every language's patterns run on every message, so each is checked on its own labelled set
(tests/data/danger_<code>.yml) and on every other language's calm messages and held-out
questions: a danger answer to an ordinary question in another language would frighten and
mislead. The keywords (erase, MORE, language names) must never be an SMS provider's own word."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from bot import safety, safety_words
from bot.channels import languages as choice
from bot.i18n import catalog
from bot.privacy import registry

ROOT = Path(__file__).resolve().parent.parent
CODES = [code for code in registry.codes() if code != "en"]


def labelled(code: str) -> Dict[str, List[str]]:
    path = ROOT / "tests" / "data" / f"danger_{code}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def holdout_messages(path: Path, danger: bool) -> List[str]:
    found = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        if (block.get("intent") == "danger") != danger:
            continue
        found += [line[2:].strip() for line in str(block.get("examples") or "").splitlines() if line.startswith("- ")]
    return found


def calm_messages() -> List[str]:
    """Every language's labelled calm messages and held-out non-danger questions."""
    found = []
    for code in CODES:
        path = ROOT / "tests" / "data" / f"danger_{code}.yml"
        if path.exists():
            found += [f"{code}: {m}" for m in labelled(code).get("not_danger") or []]
    # English held-out questions are left out: its patterns (bot/safety.py, tests/test_safety.py)
    # deliberately give 999 first to a threat to kill told calmly ("they say they kill me for
    # honour") and to questions about emergencies; the other languages' patterns must not fire
    # on English at all, which tests/test_safety.py's calm English messages also check.
    for path in sorted((ROOT / "tests" / "nlu_holdout").glob("*.yml")):
        if path.stem != "en":
            found += [f"{path.stem}: {m}" for m in holdout_messages(path, danger=False)]
    return found


def test_no_other_language_fires_on_english_questions():
    english = holdout_messages(ROOT / "tests" / "nlu_holdout" / "en.yml", danger=False)
    fired = {}
    for words in safety_words.all_languages():
        hits = [m for m in english if words.is_danger(safety_words.normalise(m))]
        if hits:
            fired[words.code] = hits
    assert fired == {}


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_safety_words_and_a_labelled_set(code):
    words = {w.code: w for w in safety_words.all_languages()}
    assert code in words, f"data/safety/{code}.yml is missing or broken"
    assert words[code].danger is not None and words[code].help_only and words[code].forget and words[code].more
    data = labelled(code)
    assert len(data.get("danger") or []) >= 20 and len(data.get("not_danger") or []) >= 15


@pytest.mark.parametrize("code", CODES)
def test_danger_messages_are_found(code):
    missed = [m for m in labelled(code).get("danger") or [] if not safety.is_danger(m)]
    assert missed == []


@pytest.mark.parametrize("code", CODES)
def test_danger_held_out_messages_are_found_without_the_model(code):
    path = ROOT / "tests" / "nlu_holdout" / f"{code}.yml"
    missed = [m for m in holdout_messages(path, danger=True) if not safety.is_danger(m)]
    # The NLU catches the rest; the deterministic net must catch most on its own.
    assert len(missed) <= len(holdout_messages(path, danger=True)) // 2, missed


def test_no_language_raises_a_false_alarm_on_calm_messages_in_any_language():
    alarms = [m for m in calm_messages() if safety.is_danger(m.split(": ", 1)[1])]
    assert alarms == []


def test_the_issue_examples_are_danger_in_their_language():
    assert safety.danger_language("pomocy, on mnie zabije") == "pl"
    assert safety.danger_language("madad karo woh mujhe maar raha hai") == "ur-Latn"
    assert safety.danger_language("النجدة") == "ar"


@pytest.mark.parametrize("code", CODES)
def test_erase_and_more_words_work_and_others_do_not(code):
    data = labelled(code)
    assert [m for m in data.get("forget") or [] if not safety.is_forget_command(m)] == []
    assert [m for m in data.get("not_forget") or [] if safety.is_forget_command(m)] == []
    assert [m for m in data.get("more") or [] if not safety.is_more_command(m)] == []


def test_no_keyword_is_an_sms_provider_word():
    raw = {}
    for path in sorted((ROOT / "data" / "safety").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        raw[path.stem] = [safety_words.command_form(str(w)) for key in ("forget", "more", "help_only")
                          for w in data.get(key) or []]
    for language in registry.languages():
        raw[language.code + " names"] = [safety_words.command_form(w) for w in language.sms_words]
    clash = {code: sorted(set(words) & safety_words.CARRIER_WORDS) for code, words in raw.items()}
    assert {code: words for code, words in clash.items() if words} == {}


def test_keywords_do_not_mean_two_things():
    names = {safety_words.command_form(w) for lang in registry.languages() for w in lang.sms_words}
    for words in safety_words.all_languages():
        assert not (words.more & words.forget), words.code
        assert not ((words.more | words.forget) & names), words.code


@pytest.mark.parametrize("code", CODES)
def test_first_sms_is_neutral_on_a_lock_screen(code):
    words = {w.code: w for w in safety_words.all_languages()}[code]
    notice = catalog.text("utter_sms_first", code).casefold()
    assert words.lock_screen_words, code
    assert [w for w in words.lock_screen_words if w in notice] == []


@pytest.mark.parametrize("code", CODES)
def test_language_names_choose_the_language(code):
    language = registry.language(code)
    assert choice.named_language(language.name) == code
    assert all(choice.named_language(w) == code for w in language.sms_words)
    assert choice.named_language(f"I speak {language.english} and need help") is None
