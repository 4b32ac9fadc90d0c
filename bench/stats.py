"""Percentiles and summaries of request records."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence


@dataclass
class Record:
    start: float  # monotonic seconds
    latency: float  # seconds
    ok: bool
    reason: str = ""  # why not ok: "http 500", "timeout", "error answer", ...


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Linear interpolation between closest ranks (numpy's default); None if empty."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def summarise(records: List[Record], duration: Optional[float] = None) -> Dict[str, object]:
    """Latency percentiles (ms) over successful requests, throughput over the window, errors."""
    latencies = [r.latency for r in records if r.ok]
    errors: Dict[str, int] = {}
    for r in records:
        if not r.ok:
            errors[r.reason] = errors.get(r.reason, 0) + 1
    if duration is None and records:
        first = min(r.start for r in records)
        duration = max(r.start + r.latency for r in records) - first
    ms = lambda v: None if v is None else round(v * 1000, 1)  # noqa: E731
    return {
        "requests": len(records),
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": ms(percentile(latencies, 50)),
        "p95_ms": ms(percentile(latencies, 95)),
        "p99_ms": ms(percentile(latencies, 99)),
        "max_ms": ms(max(latencies) if latencies else None),
        "throughput_per_s": round(len(latencies) / duration, 2) if duration else None,
        "duration_s": round(duration, 1) if duration else None,
    }


def ratio(ours: Optional[float], plain: Optional[float]) -> Optional[float]:
    if ours is None or not plain:
        return None
    return round(ours / plain, 2)
