"""Held-out NLU evaluation, per language: the trained model against tests/nlu_holdout/<code>.yml.

The held-out files are never trained on (checked below) and were each committed before their
language's training data. One `rasa test nlu` run over the folder, split by file
(bot/nlu/holdout.py). Run on its own with: .venv/bin/pytest tests/test_nlu_holdout.py
"""
from __future__ import annotations

import functools
from collections import Counter

import pytest

from bot.nlu import holdout
from bot.nlu.fold import fold_latin
from bot.paths import ROOT
from bot.privacy import registry

TRAINING_DIR = ROOT / "data" / "nlu"
CODES = list(registry.codes())

MIN_MACRO_F1 = {"en": 0.90}  # English, with its fixed seed (config.yml)
MIN_MACRO_F1_OTHER = 0.85  # every other language
MIN_EN_MESSAGES, MIN_EN_DANGER = 150, 25
MIN_PER_INTENT, MIN_DANGER = 2, 6


@functools.lru_cache(maxsize=1)
def training_examples() -> tuple:
    """data/nlu's (intent, text) pairs, loaded once (Rasa's loader takes 1-2 s)."""
    return tuple(holdout.examples(TRAINING_DIR))


def trained_intents() -> set:
    return {intent for intent, _ in training_examples()}


@pytest.fixture(scope="session")
def scores(trained_model, tmp_path_factory):
    results = holdout.run_rasa_test(trained_model, tmp_path_factory.mktemp("nlu_holdout"))
    return {s.code: s for s in holdout.score(results, holdout.holdout_files(), detect=False)}


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_a_holdout_covering_every_intent(code):
    files = holdout.holdout_files()
    assert code in files, f"tests/nlu_holdout/{code}.yml is missing"
    counts = Counter(intent for intent, _ in holdout.examples(files[code]))
    wanted = trained_intents() - ({"other_language"} if code != "en" else set())
    thin = {intent: counts[intent] for intent in wanted if counts[intent] < MIN_PER_INTENT}
    assert thin == {}
    assert counts["danger"] >= (MIN_EN_DANGER if code == "en" else MIN_DANGER)
    if code == "en":
        assert sum(counts.values()) >= MIN_EN_MESSAGES


def test_no_holdout_message_is_in_the_training_data():
    # Compared without case and without marks on Latin letters: the model also trains on each
    # example without its diacritics (bot/nlu/fold_copies.py).
    def form(text: str) -> str:
        return fold_latin(text.strip().lower())

    training_texts = {form(text) for _, text in training_examples()}
    leaked = [(code, text) for code, path in holdout.holdout_files().items()
              for _, text in holdout.examples(path) if form(text) in training_texts]
    assert leaked == []


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("code", CODES)
def test_holdout_intent_macro_f1(scores, code):
    score = scores[code]
    minimum = MIN_MACRO_F1.get(code, MIN_MACRO_F1_OTHER)
    assert score.macro_f1 >= minimum, f"{code}: macro-F1 {score.macro_f1:.3f}; misses {score.misses[:8]}"


@pytest.mark.timeout(1500)
@pytest.mark.parametrize("code", CODES)
def test_every_danger_message_is_classified_as_danger(scores, code):
    missed = [(text, predicted) for text, true, predicted in scores[code].misses if true == "danger"]
    assert missed == [] and scores[code].danger_recall == 1.0
