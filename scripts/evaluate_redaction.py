"""Evaluate the redactor on the labelled test set.

    .venv/bin/python scripts/evaluate_redaction.py                 # development set
    .venv/bin/python scripts/evaluate_redaction.py --holdout       # held-out set
    .venv/bin/python scripts/evaluate_redaction.py --nlu           # + data/nlu examples changed
    .venv/bin/python scripts/evaluate_redaction.py --show-errors   # list misses (dev only!)

Per type: recall = labelled spans fully covered by one placeholder span / labelled spans;
typed recall also needs the placeholder's type to match; precision = placeholder spans that
overlap a labelled span of the same type / placeholder spans (in the pii messages). Clean
messages: share changed by redaction (target <= 5%). Other-language messages: share replaced
whole by [OTHER_LANGUAGE]. {text|KEEP} marks allow-listed text that must survive.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEV_SET = ROOT / "tests" / "data" / "redaction_set.yml"
HOLDOUT_SET = ROOT / "tests" / "data" / "redaction_holdout.yml"
TYPES = ("NAME", "PHONE", "EMAIL", "ADDRESS", "POSTCODE", "DATE", "ID_NUMBER", "CARD", "IP",
         "URL")
# Entity names inside the redactor -> label types.
_ENTITY_TO_TYPE = {"PERSON": "NAME", "OTHER_LANGUAGE": "OTHER_LANGUAGE"}
RECALL_TARGETS = {"NAME": 0.95, "PHONE": 0.95, "EMAIL": 0.95, "POSTCODE": 0.95,
                  "ID_NUMBER": 0.95}
CLEAN_CHANGED_MAX = 0.05

_MARK = re.compile(r"\{([^{}|]+)\|([A-Z_]+)\}")


@dataclass
class Example:
    text: str
    labels: List[Tuple[int, int, str]] = field(default_factory=list)  # (start, end, TYPE)


def parse_markup(markup: str) -> Example:
    parts, labels, pos, out = [], [], 0, 0
    for m in _MARK.finditer(markup):
        plain = markup[pos:m.start()]
        parts.append(plain)
        out += len(plain)
        parts.append(m.group(1))
        labels.append((out, out + len(m.group(1)), m.group(2)))
        out += len(m.group(1))
        pos = m.end()
    parts.append(markup[pos:])
    return Example("".join(parts), labels)


def load_set(path: Path) -> Dict[str, list]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        "pii": [parse_markup(m) for m in data.get("pii", [])],
        "clean": list(data.get("clean", [])),
        "other_language": list(data.get("other_language", [])),
    }


@dataclass
class Report:
    recall: Dict[str, float]
    typed_recall: Dict[str, float]
    precision: Dict[str, float]
    support: Dict[str, int]
    clean_changed: float
    clean_changed_examples: List[Tuple[str, str]]
    other_language_rate: float
    keep_kept: float
    misses: List[Tuple[str, str, str]]
    n_messages: int


def evaluate(dataset: Dict[str, list]) -> Report:
    from bot.privacy.redaction import find_spans, redact

    covered = defaultdict(int)
    typed = defaultdict(int)
    support = defaultdict(int)
    pred_total = defaultdict(int)
    pred_correct = defaultdict(int)
    misses = []
    keep_total = keep_ok = 0
    for ex in dataset["pii"]:
        spans = [(f.start, f.end, _ENTITY_TO_TYPE.get(f.entity, f.entity))
                 for f in find_spans(ex.text)]
        whole = any(t == "OTHER_LANGUAGE" for _, _, t in spans)
        for start, end, label in ex.labels:
            if label == "KEEP":
                keep_total += 1
                keep_ok += not any(s < end and start < e for s, e, _ in spans)
                continue
            support[label] += 1
            hit = [t for s, e, t in spans if s <= start and end <= e]
            if hit:
                covered[label] += 1
                typed[label] += label in hit or whole
            else:
                misses.append((label, ex.text[start:end], ex.text))
        for s, e, t in spans:
            if t == "OTHER_LANGUAGE":
                continue
            pred_total[t] += 1
            pred_correct[t] += any(lab == t and s < le and ls < e
                                   for ls, le, lab in ex.labels)
    changed = [(t, redact(t)) for t in dataset["clean"]]
    changed = [(t, r) for t, r in changed if r != t]
    other = [redact(t) == "[OTHER_LANGUAGE]" for t in dataset["other_language"]]
    types = [t for t in TYPES if support[t] or pred_total[t]]
    return Report(
        recall={t: covered[t] / support[t] for t in types if support[t]},
        typed_recall={t: typed[t] / support[t] for t in types if support[t]},
        precision={t: pred_correct[t] / pred_total[t] for t in types if pred_total[t]},
        support={t: support[t] for t in types},
        clean_changed=len(changed) / max(1, len(dataset["clean"])),
        clean_changed_examples=changed,
        other_language_rate=sum(other) / max(1, len(other)),
        keep_kept=keep_ok / keep_total if keep_total else 1.0,
        misses=misses,
        n_messages=len(dataset["pii"]) + len(dataset["clean"]) + len(dataset["other_language"]),
    )


def nlu_examples() -> List[str]:
    """Training examples of data/nlu/ (written by another engineer, not for the redactor),
    without the other_language intent and without examples that already hold placeholders:
    an independent corpus of what users here write, nearly all of it with nothing personal."""
    import yaml

    out = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []):
            if "intent" not in item or item["intent"] == "other_language":
                continue
            for line in str(item.get("examples", "")).splitlines():
                text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line.strip()[2:].strip())
                if text and not re.search(r"\[[A-Z_]+\]", text):
                    out.append(text)
    return out


def print_report(name: str, r: Report, show_errors: bool = False) -> None:
    print(f"== {name}: {r.n_messages} messages")
    print(f"{'type':<10} {'support':>7} {'recall':>7} {'typed':>7} {'precision':>9}")
    for t in TYPES:
        if t in r.support:
            rec = r.recall.get(t)
            print(f"{t:<10} {r.support[t]:>7} "
                  f"{'' if rec is None else f'{rec:.3f}':>7} "
                  f"{'' if rec is None else f'{r.typed_recall[t]:.3f}':>7} "
                  f"{r.precision.get(t, float('nan')):>9.3f}")
    print(f"clean messages changed: {r.clean_changed:.1%} "
          f"({len(r.clean_changed_examples)})")
    print(f"other-language messages replaced whole: {r.other_language_rate:.1%}")
    print(f"allow-listed spans kept: {r.keep_kept:.1%}")
    if show_errors:
        for label, span, text in r.misses:
            print(f"MISS {label}: {span!r} in {text!r}")
        for before, after in r.clean_changed_examples:
            print(f"CHANGED: {before!r} -> {after!r}")


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdout", action="store_true", help="also evaluate the held-out set")
    parser.add_argument("--nlu", action="store_true",
                        help="also count changed NLU training examples (independent corpus)")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    dev = evaluate(load_set(DEV_SET))
    print_report("development set", dev, args.show_errors)
    ok = all(dev.recall.get(t, 1) >= v for t, v in RECALL_TARGETS.items()) and \
        dev.clean_changed <= CLEAN_CHANGED_MAX
    if args.nlu:
        from bot.privacy.redaction import redact

        texts = nlu_examples()
        changed = [(t, redact(t)) for t in texts]
        changed = [(t, r) for t, r in changed if r != t]
        print(f"== NLU training examples changed: {len(changed)}/{len(texts)} "
              f"({len(changed) / max(1, len(texts)):.1%})")
        if args.show_errors:
            for before, after in changed:
                print(f"CHANGED: {before!r} -> {after!r}")
    if args.holdout:
        held = evaluate(load_set(HOLDOUT_SET))
        print_report("held-out set", held, args.show_errors)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
