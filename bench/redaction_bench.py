"""How much time language detection and redaction add per message (not part of the test run).

    .venv/bin/python bench/redaction_bench.py [--rounds 5] [--processes 2]

The message mix is every message of the labelled sets (tests/data/redaction_*.yml: names,
numbers, addresses, clean questions, every supported language, other languages) plus the NLU
training examples of data/nlu/ (what users of this bot typically write), shuffled. After
warm_up() (model loading is paid once per process at start-up, not per message), each message
is timed with perf_counter around what the channel does: detect the language (no
conversation before: the full detection path), then redact in it. Prints median, p95 and
max in milliseconds per message, overall and per language of the set the message comes
from, and the process's resident memory (VmRSS, VmHWM) with every language loaded; with
--processes 2, the same measured in two processes at once (both cores busy).
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


_MARK = re.compile(r"\{([^{}|]+)\|[A-Z_]+\}")


def message_mix() -> list:
    """(language of the set, message) pairs, shuffled."""
    import yaml

    messages = []
    for path in sorted((ROOT / "tests" / "data").glob("redaction_*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "sets" in data:  # the per-language held-out file
            groups = [(code, raw) for code, raw in data["sets"].items()]
        else:
            groups = [(data.get("language") or "en", data)]
        for code, raw in groups:
            messages += [(code, _MARK.sub(r"\1", m)) for m in raw.get("pii", [])]
            messages += [(code, m) for m in raw.get("clean", []) + raw.get("supported_language", [])]
            messages += [("other", m) for m in raw.get("other_language", [])]
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line.strip()[2:].strip())
                if text:
                    messages.append(("en", text))
    random.Random(7).shuffle(messages)
    return messages


def memory_mb() -> dict:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) / 1024
    return out


def run(rounds: int) -> list:
    """[(language of the set, milliseconds)] for every message, `rounds` times."""
    from bot.privacy import detect_language, redact, warm_up

    warm_up()
    messages = message_mix()
    for _, text in messages[:50]:  # let caches settle
        redact(text, detect_language(text))
    timings = []
    for _ in range(rounds):
        for code, text in messages:
            start = time.perf_counter()
            redact(text, detect_language(text))
            timings.append((code, (time.perf_counter() - start) * 1000))
    return timings


def summary(label: str, timings: list) -> str:
    ordered = sorted(t for _, t in timings) if timings and isinstance(timings[0], tuple) \
        else sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"{label}: {len(ordered)} messages, median {statistics.median(ordered):.1f} ms, "
            f"p95 {p95:.1f} ms, max {ordered[-1]:.1f} ms")


def stack_memory() -> None:
    """Start the real stack (Rasa + action server), send every language's labelled messages
    through the web chat, and print the peak resident memory (VmHWM) of each process."""
    import socket
    import tempfile

    import httpx

    from bench.procs import _status_kb, tree
    from bot.launcher import start_stack

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    port, actions_port = free_port(), free_port()
    log = Path(tempfile.mkdtemp()) / "stack.log"
    stack, _ = start_stack(port=port, actions_port=actions_port, log_file=str(log),
                           env={"SAFE_REPORT_RATE_PER_CONVERSATION": "100000",
                                "SAFE_REPORT_RATE_PER_ADDRESS": "100000"})
    try:
        sent = 0
        by_language: dict = {}
        for code, text in message_mix():
            if len(by_language.setdefault(code, [])) < 10:
                by_language[code].append(text)
        with httpx.Client(timeout=120) as client:
            for code, texts in by_language.items():
                for i, text in enumerate(texts):
                    client.post(f"http://127.0.0.1:{port}/webhooks/webchat/webhook",
                                json={"sender": f"bench-{code}-{i}", "message": text})
                    sent += 1
        pids = [pid for proc in stack.processes for pid in tree(proc.pid)]
        peaks = {pid: (_status_kb(pid, "VmHWM") or 0) / 1024 for pid in pids}
        print(f"stack after {sent} messages in {len(by_language)} languages:")
        for pid, mb in peaks.items():
            print(f"  pid {pid}: VmHWM {mb:.0f} MB")
        print(f"  total VmHWM {sum(peaks.values()):.0f} MB")
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--stack-memory", action="store_true",
                        help="also start the real stack and report its peak memory")
    args = parser.parse_args()
    if args.stack_memory:
        stack_memory()
        return
    print(f"cores: {os.cpu_count()}, message mix: {len(message_mix())} distinct messages")
    timings = run(args.rounds)
    print(summary("1 process, all", timings))
    for code in dict.fromkeys(c for c, _ in sorted(timings)):
        print("  " + summary(f"{code:<8}", [(c, t) for c, t in timings if c == code]))
    mem = memory_mb()
    print(f"memory of this process with every language loaded: VmRSS {mem.get('VmRSS', 0):.0f} MB,"
          f" VmHWM {mem.get('VmHWM', 0):.0f} MB")
    if args.processes > 1:
        with get_context("spawn").Pool(args.processes) as pool:
            parts = pool.map(run, [args.rounds] * args.processes)
        print(summary(f"{args.processes} processes at once", [t for p in parts for t in p]))


if __name__ == "__main__":
    main()
