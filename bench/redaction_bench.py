"""How much time redaction adds per message (not part of the test run).

    .venv/bin/python bench/redaction_bench.py [--rounds 5] [--processes 2]

The message mix is every message of the labelled sets (tests/data/redaction_*.yml: names,
numbers, addresses, clean questions, other languages) plus the NLU training examples of
data/nlu/ (what users of this bot typically write), shuffled. After warm_up() (model loading
is paid once per process at start-up, not per message), each message is timed with
perf_counter around redact(). Prints median, p95 and max in milliseconds per message, and,
with --processes 2, the same measured in two processes at once (both cores busy, as when
Rasa's server and the redactor compete).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def message_mix() -> list:
    import yaml

    messages = []
    for name in ("redaction_set.yml", "redaction_holdout.yml"):
        data = yaml.safe_load((ROOT / "tests" / "data" / name).read_text(encoding="utf-8"))
        messages += [re.sub(r"\{([^{}|]+)\|[A-Z_]+\}", r"\1", m) for m in data.get("pii", [])]
        messages += data.get("clean", []) + data.get("other_language", [])
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line.strip()[2:].strip())
                if text:
                    messages.append(text)
    random.Random(7).shuffle(messages)
    return messages


def run(rounds: int) -> list:
    from bot.privacy import redact, warm_up

    warm_up()
    messages = message_mix()
    for text in messages[:50]:  # let caches settle
        redact(text)
    timings = []
    for _ in range(rounds):
        for text in messages:
            start = time.perf_counter()
            redact(text)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def summary(label: str, timings: list) -> str:
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{label}: {len(ordered)} messages, median {statistics.median(ordered):.1f} ms, "
            f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, message mix: {len(message_mix())} distinct messages")
    print(summary("1 process", run(args.rounds)))
    if args.processes > 1:
        with get_context("spawn").Pool(args.processes) as pool:
            parts = pool.map(run, [args.rounds] * args.processes)
        print(summary(f"{args.processes} processes at once", [t for p in parts for t in p]))


if __name__ == "__main__":
    main()
