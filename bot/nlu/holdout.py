"""Held-out NLU figures per language: tests/nlu_holdout/<code>.yml, never trained on.

One `rasa test nlu` run over the whole folder (one model load), then its per-message results
(intent_successes.json and intent_errors.json) are split by the file each message came from:
macro-F1 over the intents present, danger recall, and how often the channel's language
detector would have sent the message on as its own language (not as "other").
Used by scripts/evaluate_nlu.py --languages and tests/test_nlu_holdout.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

from bot.paths import ROOT

HOLDOUT_DIR = ROOT / "tests" / "nlu_holdout"


def holdout_files() -> Dict[str, Path]:
    """language code -> its held-out file."""
    return {path.stem: path for path in sorted(HOLDOUT_DIR.glob("*.yml"))}


def examples(path: Path) -> List[Tuple[str, str]]:
    """(intent, text) pairs, entity annotations stripped by Rasa's own loader."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [(m.get("intent"), m.get("text")) for m in load_data(str(path)).intent_examples]


def run_rasa_test(model: Path, out: Path, timeout: int = 1500) -> List[dict]:
    """`rasa test nlu` on every held-out file at once; every message with its prediction."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "OMP_WAIT_POLICY": "PASSIVE"}
    subprocess.run([sys.executable, "-m", "rasa", "test", "nlu", "--nlu", str(HOLDOUT_DIR), "--model",
                    str(model), "--out", str(out), "--no-plot", "--successes"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=timeout)
    found = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.exists():
            found += json.loads(path.read_text(encoding="utf-8"))
    return found


@dataclass
class LanguageScore:
    code: str
    messages: int = 0
    macro_f1: float = 0.0
    danger_recall: float = 0.0
    detected: float = 0.0  # share the detector reads as this language (not "other")
    misses: List[Tuple[str, str, str]] = field(default_factory=list)  # (text, true, predicted)


def _macro_f1(pairs: List[Tuple[str, str]]) -> float:
    """Mean F1 over the true intents (an extra predicted label such as nlu_fallback adds no row)."""
    intents = sorted({true for true, _ in pairs})
    scores = []
    for intent in intents:
        tp = sum(1 for t, p in pairs if t == intent and p == intent)
        fp = sum(1 for t, p in pairs if t != intent and p == intent)
        fn = sum(1 for t, p in pairs if t == intent and p != intent)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def score(results: List[dict], files: Dict[str, Path], detect: bool = True) -> List[LanguageScore]:
    predicted: Dict[Tuple[str, str], List[str]] = defaultdict(list)
    for row in results:
        predicted[(row["text"], row["intent"])].append((row.get("intent_prediction") or {}).get("name") or "")
    scores = []
    for code, path in files.items():
        pairs, result = [], LanguageScore(code)
        for intent, text in examples(path):
            guesses = predicted.get((text, intent)) or [""]
            guess = guesses[0]
            pairs.append((intent, guess))
            if guess != intent:
                result.misses.append((text, intent, guess))
        danger = [p for t, p in pairs if t == "danger"]
        result.messages, result.macro_f1 = len(pairs), _macro_f1(pairs)
        result.danger_recall = sum(1 for p in danger if p == "danger") / len(danger) if danger else 0.0
        if detect:
            result.detected = _detected_share(code, [text for _, text in examples(path)])
        scores.append(result)
    return scores


def _detected_share(code: str, texts: List[str]) -> float:
    from bot.privacy import detect_language

    if not texts:
        return 0.0
    return sum(1 for text in texts if detect_language(text, None) == code) / len(texts)


def table(scores: List[LanguageScore]) -> str:
    lines = ["| language | messages | macro-F1 | danger recall | detected as itself |",
             "|---|---|---|---|---|"]
    for s in scores:
        lines.append(f"| {s.code} | {s.messages} | {s.macro_f1:.3f} | {s.danger_recall:.2f} | {s.detected:.2f} |")
    return "\n".join(lines)
