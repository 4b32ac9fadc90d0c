"""Scoring of the two-topic held-out set (tests/nlu_multi_holdout.yml), shared by
scripts/evaluate_nlu.py --multi and tests/test_nlu_multi_topic.py.

A message passes when the topics the bot would answer cover both expected topics. The answered
topics are worked out exactly as the dialogue does: with two or more `topics` in the parse
result, actions/two_topics.py answers the two most urgent; otherwise the one rule for the
intent answers that intent alone.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from actions.two_topics import TOPICS_KEY, ordered_topics
from bot.paths import DOMAIN_FILE


def load_multi_holdout(path: Path) -> list[tuple[str, list[set[str]]]]:
    """(text, [alternatives for topic 1, alternatives for topic 2]) per message."""
    messages = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]
    return [(m["text"], [set(entry.split("|")) for entry in m["topics"]]) for m in messages]


def domain_responses() -> dict:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]


def answered_topics(parse: dict, responses: dict) -> list[str]:
    found = parse.get(TOPICS_KEY) or []
    if len(found) >= 2:
        return ordered_topics(found, responses)
    return [(parse.get("intent") or {}).get("name")]


def second_best_topics(parse: dict, threshold: float, responses: dict) -> list[str]:
    """The alternative measured against clause splitting: the first two intents of the
    ranking when the second is at least `threshold` sure."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    if len(ranking) >= 2 and ranking[1]["confidence"] >= threshold:
        return ordered_topics([ranking[0]["name"], ranking[1]["name"]], responses)
    return [(parse.get("intent") or {}).get("name")]


def covers(answered: list[str], expected: list[set[str]]) -> bool:
    return all(any(topic in alternatives for topic in answered) for alternatives in expected)
