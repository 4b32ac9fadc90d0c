"""Held-out NLU evaluation: the trained model against tests/nlu_holdout.yml.

The holdout file is never trained on; the last test here checks that none of its messages
leaked into data/nlu. Run on its own with: .venv/bin/pytest tests/test_nlu_holdout.py
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[1]
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
TRAINING_DIR = ROOT / "data" / "nlu"

MIN_MACRO_F1 = 0.90
MIN_HOLDOUT_MESSAGES = 150
MIN_DANGER_MESSAGES = 25


def _intent_examples(path: Path) -> list:
    """(intent, text) pairs, entity annotations stripped by Rasa's own loader."""
    data = load_data(str(path))
    return [(m.get("intent"), m.get("text")) for m in data.intent_examples]


def macro_f1_over_true_intents(report: dict) -> float:
    """Mean F1 over the intents present in the test set.

    Rasa's own "macro avg" also averages in labels that were only predicted (nlu_fallback),
    each with F1 0; a fallback already counts against the true intent's recall, so those
    extra rows are left out here.
    """
    rows = [
        row
        for label, row in report.items()
        if isinstance(row, dict) and label not in ("macro avg", "weighted avg", "micro avg")
        and row.get("support", 0) > 0
    ]
    return sum(row["f1-score"] for row in rows) / len(rows)


@pytest.fixture(scope="session")
def holdout_results(trained_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("nlu_holdout")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", str(HOLDOUT),
         "--model", str(trained_model), "--out", str(out), "--no-plot"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        timeout=900,
    )
    report = json.loads((out / "intent_report.json").read_text())
    errors_file = out / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    return report, errors


def test_holdout_is_big_enough_and_covers_every_intent():
    holdout = _intent_examples(HOLDOUT)
    assert len(holdout) >= MIN_HOLDOUT_MESSAGES
    assert sum(1 for intent, _ in holdout if intent == "danger") >= MIN_DANGER_MESSAGES
    trained_intents = {intent for intent, _ in _intent_examples(TRAINING_DIR)}
    assert trained_intents - {intent for intent, _ in holdout} == set()


def test_no_holdout_message_is_in_the_training_data():
    training_texts = {text.strip().lower() for _, text in _intent_examples(TRAINING_DIR)}
    leaked = [text for _, text in _intent_examples(HOLDOUT)
              if text.strip().lower() in training_texts]
    assert leaked == []


@pytest.mark.timeout(1200)
def test_holdout_intent_macro_f1(holdout_results):
    report, _ = holdout_results
    macro_f1 = macro_f1_over_true_intents(report)
    worst = sorted((row["f1-score"], label) for label, row in report.items()
                   if isinstance(row, dict) and row.get("support", 0) > 0)[:5]
    assert macro_f1 >= MIN_MACRO_F1, f"macro-F1 {macro_f1:.3f}; weakest intents {worst}"


@pytest.mark.timeout(1200)
def test_every_danger_message_is_classified_as_danger(holdout_results):
    report, errors = holdout_results
    missed = [(e["text"], e["intent_prediction"]["name"]) for e in errors
              if e["intent"] == "danger"]
    assert missed == []
    assert report["danger"]["recall"] == 1.0
