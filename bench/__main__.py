"""python -m bench [--quick] [--skip-scaled] [--docs PATH] [--json PATH]

Starts our stack and a plain Rasa REST server on the same model and action server, measures
them one after the other (never at the same time: 2 cores), then our Rasa with two Sanic
workers on Redis. Writes JSON to results/bench/ and, for a full run, docs/performance.md."""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import sys
import time
from pathlib import Path
import statistics
from typing import Any, Callable, Dict, List, Sequence

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from bench import load, procs, report  # noqa: E402
from bench.clients import OurTarget, PlainTarget, Target  # noqa: E402
from bench.servers import Servers, make_workdir  # noqa: E402
from bench.stats import summarise  # noqa: E402
from bot.paths import ROOT  # noqa: E402

PUBLIC_URL = "https://bench.safe-report.invalid"

PLANS: Dict[str, Dict[str, Any]] = {
    "full": {"rounds": 2, "a_messages": 60, "b_conversations": 50, "b_interval": 5.0, "b_seconds": 40.0,
             "d_conversations": 100, "d_seconds": 60.0, "c_levels": [1, 2, 4, 8, 16, 32, 64],
             "c_step_seconds": 15.0, "warmup_messages": 15},
    "quick": {"rounds": 2, "a_messages": 12, "b_conversations": 50, "b_interval": 5.0, "b_seconds": 15.0,
              "d_conversations": 100, "d_seconds": 15.0, "c_levels": [2, 8],
              "c_step_seconds": 8.0, "warmup_messages": 6},
}


def say(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def measure(label: str, target: Target, run: Callable[[], Any], servers_idle: Callable[[], None],
            roots: Callable[[], List[int]]) -> Dict[str, Any]:
    servers_idle()
    load_before = [round(v, 2) for v in procs.load_average()]
    say(f"  {label} on {target.name} (load average {load_before[0]})")
    with procs.CpuWindow(roots()) as cpu:
        result = asyncio.run(run())
    result.update(load_average_before=load_before, cpu_cores_ours=cpu.ours_cores,
                  cpu_cores_others=cpu.others_cores)
    summary = {k: result.get(k) for k in ("p50_ms", "p95_ms", "p99_ms", "throughput_per_s", "errors",
                                           "saturation_per_s", "at_concurrency", "cpu_cores_others") if k in result}
    say(f"    {summary}")
    return result


def compare(label: str, targets: Sequence[Target], rounds: int, run: Callable[[Target, int], Any],
            servers_idle: Callable[[], None], roots: Callable[[], List[int]]) -> Dict[str, Any]:
    """Rounds in ABBA order (ours, plain, plain, ours, ...) so a change in the machine's background
    load falls on both servers alike; each server's records are pooled over its rounds."""
    per: Dict[str, List[Dict[str, Any]]] = {t.name: [] for t in targets}
    for i in range(rounds):
        order = list(targets) if i % 2 == 0 else list(reversed(targets))
        for target in order:
            per[target.name].append(measure(f"{label} round {i + 1}/{rounds}", target,
                                            lambda t=target, i=i: run(t, i), servers_idle, roots))
    out: Dict[str, Any] = {}
    for name, results in per.items():
        records = [r for res in results for r in res.pop("records", [])]
        pooled = summarise(records)
        pooled["throughput_per_s"] = round(statistics.mean(float(r["throughput_per_s"] or 0) for r in results), 2)
        pooled["cpu_cores_others"] = round(statistics.mean(r["cpu_cores_others"] for r in results), 2)
        pooled["cpu_cores_ours"] = round(statistics.mean(r["cpu_cores_ours"] for r in results), 2)
        if "offered_per_s" in results[0]:
            pooled["offered_per_s"] = results[0]["offered_per_s"]
        pooled["rounds"] = results
        out[name] = pooled
    return out


def warm_up(target: Target, messages: int) -> None:
    asyncio.run(load.sequential(target, messages, seed=99))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short run (a few minutes) while developing")
    parser.add_argument("--skip-scaled", action="store_true", help="leave out the Redis / two-worker run")
    parser.add_argument("--docs", help="write the Markdown report here (default: docs/performance.md "
                                       "for a full run, nothing for --quick)")
    parser.add_argument("--json", help="write the raw results here (default: results/bench/<time>.json)")
    args = parser.parse_args(argv)
    plan_name = "quick" if args.quick else "full"
    plan = PLANS[plan_name]
    command = ".venv/bin/python -m bench" + (" --quick" if args.quick else "") + (
        " --skip-scaled" if args.skip_scaled else "")
    if not args.quick and not args.skip_scaled:
        command = "make bench   (runs " + command + ")"

    token = secrets.token_hex(16)  # a throw-away Twilio auth token for this run only
    workdir = make_workdir()
    servers = Servers(workdir, token, PUBLIC_URL)
    sampler = procs.MemorySampler().start()
    results: Dict[str, Any] = {"plan": plan_name, "plan_settings": plan, "command": command,
                               "machine": report.machine(), "started": dt.datetime.now().isoformat(timespec="seconds"),
                               "logs": str(workdir)}
    say(f"Benchmark ({plan_name}); server logs in {workdir}")
    try:
        say("Starting our stack (action server + Rasa with our channels)...")
        ready, first = servers.start_ours()
        sampler.watch("action server", servers.actions_pid)
        sampler.watch("ours: Rasa", servers.ours_pid)
        results["startup"] = {"ours_ready_s": round(ready, 1), "ours_first_answer_s": round(first, 1)}
        say(f"  ours: ready after {ready:.1f} s, first answer after {first:.1f} s")
        say("Starting the plain Rasa REST server (same model, same action server)...")
        ready, first = servers.start_plain()
        sampler.watch("plain: Rasa", servers.plain.pid)
        results["startup"].update(plain_ready_s=round(ready, 1), plain_first_answer_s=round(first, 1))
        say(f"  plain: ready after {ready:.1f} s, first answer after {first:.1f} s")

        ours = OurTarget(servers.ours_url, token, PUBLIC_URL)
        plain = PlainTarget(servers.plain_url)
        roots = lambda: [p for p in (servers.actions_pid, servers.ours_pid,  # noqa: E731
                                     servers.plain.pid if servers.plain and servers.plain.poll() is None else None,
                                     servers.scaled_pid if servers.scaled else None,
                                     servers.plain_fixed.pid if servers.plain_fixed else None) if p]
        idle = lambda: procs.wait_idle(roots(), timeout=60)  # noqa: E731
        for target in (ours, plain):
            warm_up(target, plan["warmup_messages"])

        say("(a) one conversation at a time")
        pair = (ours, plain)
        results["a"] = compare("(a)", pair, plan["rounds"], lambda t, i: load.sequential(
            t, plan["a_messages"], seed=1 + i), idle, roots)
        say(f"(b) {plan['b_conversations']} conversations each writing every {plan['b_interval']:.0f} s")
        results["b"] = compare("(b)", pair, plan["rounds"], lambda t, i: load.paced(
            t, plan["b_conversations"], plan["b_interval"], plan["b_seconds"], seed=2 + i), idle, roots)
        say(f"(d) {plan['d_conversations']} concurrent conversations for {plan['d_seconds']:.0f} s")
        results["d"] = compare("(d)", pair, 1, lambda t, i: load.closed_loop(
            t, plan["d_conversations"], plan["d_seconds"]), idle, roots)
        say("(c) saturation: closed loop, concurrency rising until throughput stops rising")
        ramp = lambda t: load.ramp(t, plan["c_levels"], plan["c_step_seconds"])  # noqa: E731
        plain_ramps = [measure("(c)", plain, lambda: ramp(plain), idle, roots)]
        results["c"] = {"ours_1_worker": measure("(c)", ours, lambda: ramp(ours), idle, roots)}
        servers.stop_ours_rasa()
        if not args.skip_scaled:
            say("Starting our Rasa with SANIC_WORKERS=2 on the Redis lock and tracker store...")
            ready, first = servers.start_scaled(workers=2)
            sampler.watch("ours scaled: Rasa (2 workers)", servers.scaled_pid)
            sampler.watch("redis-server", servers.redis_pid)
            results["startup"].update(scaled_ready_s=round(ready, 1), scaled_first_answer_s=round(first, 1))
            say(f"  scaled: ready after {ready:.1f} s, first answer after {first:.1f} s")
            scaled = OurTarget(servers.scaled_url, token, PUBLIC_URL)
            scaled.name = "ours, 2 workers + Redis"
            warm_up(scaled, plan["warmup_messages"] * 2)  # both workers
            results["c"]["ours_2_workers_redis"] = measure("(c)", scaled, lambda: ramp(scaled), idle, roots)
            # Plain again after ours, so background load that changed meanwhile hits both; the
            # better of its two ramps is the reference (the conservative choice for our ratio).
            plain_ramps.append(measure("(c)", plain, lambda: ramp(plain), idle, roots))
        best = max(plain_ramps, key=lambda r: float(r["saturation_per_s"] or 0))
        results["c"]["plain"] = {**best, "all_ramps": [r["saturation_per_s"] for r in plain_ramps]}
        say("Starting plain Rasa with our two Rasa-level changes (reference for (c))...")
        servers.stop_plain()
        servers.start_plain_with_fixes()
        fixed = PlainTarget(servers.plain_fixed_url)
        fixed.name = "plain + our Rasa changes"
        warm_up(fixed, plan["warmup_messages"])
        results["c"]["plain_with_fixes"] = measure("(c)", fixed, lambda: ramp(fixed), idle, roots)
    finally:
        sampler.sample()
        sampler.stop()
        results["memory"] = sampler.report()
        say("Stopping the servers...")
        servers.stop_all()

    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    results["verdict"] = report.verdict(results)
    json_path = Path(args.json) if args.json else ROOT / "results" / "bench" / (
        dt.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{plan_name}.json")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2))
    say(f"Raw results: {json_path}")
    docs = args.docs or (None if args.quick else str(ROOT / "docs" / "performance.md"))
    if docs:
        report.write_markdown(results, Path(docs))
        say(f"Report: {docs}")
    print(report.summary_text(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
