"""The machine, the verdict on the targets, and docs/performance.md."""
from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.stats import ratio

READING_START = "<!-- reading:start (kept when the benchmark rewrites this file) -->"
READING_END = "<!-- reading:end -->"
TARGET_LATENCY_RATIO = 1.3
TARGET_SATURATION_RATIO = 1.5
C_ROWS = (("plain", "plain REST, 1 worker"),
          ("plain_with_fixes", "plain REST, 1 worker, with our two Rasa changes (reference, not a target)"),
          ("ours_1_worker", "ours, 1 worker (in-memory)"),
          ("ours_2_workers_redis", "ours, SANIC_WORKERS=2, Redis lock + tracker store"))


def machine() -> Dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem_gb = round(kb / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "memory_gb": mem_gb,
            "python": platform.python_version(), "kernel": platform.release(),
            "load_average_at_start": [round(v, 2) for v in os.getloadavg()]}


def _get(results: Dict[str, Any], *path: str) -> Optional[Any]:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def verdict(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One line per target: what was measured, the ratio, met or not."""
    lines = []
    for stat in ("p50_ms", "p95_ms"):
        r = ratio(_get(results, "b", "ours", stat), _get(results, "b", "plain", stat))
        lines.append({"target": f"(b) {stat[:3]} at ~10 msg/s <= {TARGET_LATENCY_RATIO}x plain",
                      "ours": _get(results, "b", "ours", stat), "plain": _get(results, "b", "plain", stat),
                      "ratio": r, "met": r is not None and r <= TARGET_LATENCY_RATIO})
    scaled = _get(results, "c", "ours_2_workers_redis", "saturation_per_s")
    plain = _get(results, "c", "plain", "saturation_per_s")
    r = ratio(scaled, plain)
    lines.append({"target": f"(c) saturation, 2 workers + Redis >= {TARGET_SATURATION_RATIO}x one plain worker",
                  "ours": scaled, "plain": plain, "ratio": r, "met": r is not None and r >= TARGET_SATURATION_RATIO})
    errors = _get(results, "d", "ours", "errors")
    lines.append({"target": "(d) 100 concurrent conversations: no errors", "ours": errors,
                  "plain": _get(results, "d", "plain", "errors"), "ratio": None, "met": errors == 0})
    return lines


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _row(cells: List[Any]) -> str:
    return "| " + " | ".join(_fmt(c) for c in cells) + " |"


def _latency_table(results: Dict[str, Any], key: str) -> List[str]:
    ours, plain = results.get(key, {}).get("ours", {}), results.get(key, {}).get("plain", {})
    out = ["| | ours (web chat + SMS) | plain REST | ours / plain |", "|---|---|---|---|"]
    for stat, label in (("p50_ms", "p50 (ms)"), ("p95_ms", "p95 (ms)"), ("p99_ms", "p99 (ms)"),
                        ("throughput_per_s", "throughput (answers/s)"), ("requests", "requests"),
                        ("errors", "errors"), ("cpu_cores_ours", "CPU cores used by our side (servers + client)"),
                        ("cpu_cores_others", "CPU cores taken by other engineers' processes")):
        r = ratio(ours.get(stat), plain.get(stat)) if stat.endswith("_ms") or stat.startswith("throughput") else None
        out.append(_row([label, ours.get(stat), plain.get(stat), r]))
    return out


def markdown(results: Dict[str, Any], reading: str) -> str:
    m = results["machine"]
    s = results.get("startup", {})
    lines = [
        "# Performance",
        "",
        "Figures from `bench/` (see `python -m bench --help`). Our stack (web chat and SMS channels, "
        "redaction, pseudonyms, the redacting tracker store, action server) against a plain Rasa "
        "REST channel server on the **same model** and the **same action server**, measured one after "
        "the other in the same run. Even-numbered simulated conversations go through our web chat "
        "channel, odd ones through our SMS channel (signed like Twilio signs them); the plain server "
        "gets the same conversations on `/webhooks/rest/webhook`. Latency is measured at the client, "
        "which runs on the same 2 cores.",
        "",
        f"- Command: `{results['command']}`",
        f"- Date: {results['started']} to {results.get('finished', '?')}",
        f"- Machine: {m['nproc']} cores ({m['cpu_model']}), {m['memory_gb']} GB RAM, Python {m['python']}, "
        f"Linux {m['kernel']}; load average at start {m['load_average_at_start']} "
        "(other engineers' test runs shared the machine)",
        f"- Plan: {results['plan']} {results['plan_settings']}",
        "",
        "## Targets",
        "",
        "| target | ours | plain | ratio | met |",
        "|---|---|---|---|---|",
    ]
    for v in results.get("verdict", []):
        lines.append(_row([v["target"], v["ours"], v["plain"], v["ratio"], "yes" if v["met"] else "**no**"]))
    lines += ["", "## (a) One conversation at a time", ""] + _latency_table(results, "a")
    b_ours = _get(results, "b", "ours") or {}
    lines += ["", f"## (b) {results['plan_settings']['b_conversations']} conversations each writing every "
              f"{results['plan_settings']['b_interval']:g} s (offered {b_ours.get('offered_per_s')} msg/s)", ""]
    lines += _latency_table(results, "b")
    lines += ["", "## (c) Saturation (closed loop, concurrency doubling until throughput stops rising)", "",
              "| server | saturation (answers/s) | at concurrency | p50 at peak (ms) | p95 at peak (ms) | errors | "
              "ratio to one plain worker | ratio to one plain worker with our Rasa changes | "
              "CPU cores taken by others |", "|---|---|---|---|---|---|---|---|---|"]
    plain_sat = _get(results, "c", "plain", "saturation_per_s")
    fixed_sat = _get(results, "c", "plain_with_fixes", "saturation_per_s")
    for key, label in C_ROWS:
        c = _get(results, "c", key)
        if c:
            lines.append(_row([label, c["saturation_per_s"], c["at_concurrency"], c["p50_ms_at_peak"],
                               c["p95_ms_at_peak"], c["errors"], ratio(c["saturation_per_s"], plain_sat),
                               ratio(c["saturation_per_s"], fixed_sat), c.get("cpu_cores_others")]))
    lines += ["", "Throughput at each concurrency (answers/s):", ""]
    for key, _label in C_ROWS:
        c = _get(results, "c", key)
        if c:
            curve = ", ".join(f"{st['concurrency']}: {st['throughput_per_s']}" for st in c["steps"])
            lines.append(f"- {key}: {curve}")
    lines += ["", f"## (d) {results['plan_settings']['d_conversations']} concurrent conversations "
              f"for {results['plan_settings']['d_seconds']:g} s (closed loop, no pause between messages)", ""]
    lines += _latency_table(results, "d")
    d_ours = _get(results, "d", "ours") or {}
    if d_ours.get("error_kinds"):
        lines.append(f"\nErrors on ours by kind: {d_ours['error_kinds']}")
    lines += ["", "## (e) Start-up (trained model present; launch to first answer)", "",
              "| | ready (s) | first answer (s) |", "|---|---|---|",
              _row(["ours: action server + Rasa (`bot.launcher.start_stack`, what `make run` does)",
                    s.get("ours_ready_s"), s.get("ours_first_answer_s")]),
              _row(["plain `rasa run` (action server already up)", s.get("plain_ready_s"), s.get("plain_first_answer_s")])]
    if "scaled_ready_s" in s:
        lines.append(_row(["ours, 2 workers + Redis (Redis start included)", s.get("scaled_ready_s"),
                           s.get("scaled_first_answer_s")]))
    lines += ["", "## Peak memory (resident set, VmHWM, whole run)", "",
              "| process | processes | largest (MB) | sum of peaks (MB) |", "|---|---|---|---|"]
    for label, mem in (results.get("memory") or {}).items():
        lines.append(_row([label, mem["processes"], mem["peak_mb"], mem["sum_peak_mb"]]))
    lines += ["", "The sum over forked Sanic workers over-counts pages they share with their parent.", "",
              "## Reading", "", READING_START, reading.strip(), READING_END, ""]
    return "\n".join(lines)


def existing_reading(path: Path) -> str:
    try:
        text = path.read_text()
    except OSError:
        return "(No reading written yet.)"
    found = re.search(re.escape(READING_START) + r"(.*?)" + re.escape(READING_END), text, re.S)
    return found.group(1) if found else "(No reading written yet.)"


def write_markdown(results: Dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(results, existing_reading(path)))


def summary_text(results: Dict[str, Any]) -> str:
    out = ["", "Targets:"]
    for v in results.get("verdict", []):
        out.append(f"  {'MET    ' if v['met'] else 'NOT MET'}  {v['target']}: ours {_fmt(v['ours'])}, "
                   f"plain {_fmt(v['plain'])}, ratio {_fmt(v['ratio'])}")
    s = results.get("startup", {})
    out.append(f"  start-up to first answer: ours {_fmt(s.get('ours_first_answer_s'))} s, "
               f"plain {_fmt(s.get('plain_first_answer_s'))} s")
    return "\n".join(out)
