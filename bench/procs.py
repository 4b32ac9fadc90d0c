"""Peak memory and CPU of the processes under test, read from /proc (psutil is not installed).

A sampler thread walks each watched process and its descendants (Sanic forks its workers) twice
a second and keeps, per process, the largest VmHWM (the kernel's own resident-set peak, so spikes
between samples are not missed) and the last VmRSS."""
from __future__ import annotations

import os
import threading
import time
from typing import Dict, List, Optional, Tuple

PAGE_TICKS = os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, field: str) -> Optional[int]:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> List[int]:
    found: List[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return found


def tree(pid: int) -> List[int]:
    """pid and all its descendants (bounded depth: our trees are two levels deep)."""
    result, frontier = [pid], [pid]
    for _ in range(4):
        frontier = [c for p in frontier for c in children(p)]
        if not frontier:
            break
        result.extend(frontier)
    return result


def cpu_seconds(pids: List[int]) -> float:
    """User + system CPU time of the given processes (utime, stime in /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / PAGE_TICKS


def load_average() -> Tuple[float, float, float]:
    return os.getloadavg()


def wait_idle(root_pids: List[int], below_cores: float = 0.15, timeout: float = 120.0) -> float:
    """Wait until the process trees use less than `below_cores` of CPU over 2 s (after start-up
    or warm-up work), at most `timeout` seconds. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        pids = [p for r in root_pids for p in tree(r)]
        before = cpu_seconds(pids)
        time.sleep(2.0)
        if (cpu_seconds(pids) - before) / 2.0 < below_cores:
            break
    return time.monotonic() - started


class MemorySampler:
    """Per labelled process tree: the peak resident memory of each of its processes."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.roots: Dict[str, int] = {}
        self.peaks_kb: Dict[Tuple[str, int], int] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def watch(self, label: str, pid: int) -> None:
        with self._lock:
            self.roots[label] = pid
        self.sample()

    def start(self) -> "MemorySampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> None:
        with self._lock:
            roots = dict(self.roots)
        for label, root in roots.items():
            for pid in tree(root):
                hwm = _status_kb(pid, "VmHWM")
                if hwm is None:
                    continue
                key = (label, pid)
                self.peaks_kb[key] = max(self.peaks_kb.get(key, 0), hwm)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def report(self) -> Dict[str, Dict[str, object]]:
        """label -> {"processes": n, "peak_mb": largest single process, "sum_peak_mb": sum of
        the processes' peaks (an over-estimate for forked workers, which share pages)}."""
        out: Dict[str, Dict[str, object]] = {}
        for (label, _pid), kb in sorted(self.peaks_kb.items()):
            entry = out.setdefault(label, {"processes": 0, "peak_mb": 0.0, "sum_peak_mb": 0.0})
            entry["processes"] += 1
            entry["peak_mb"] = round(max(entry["peak_mb"], kb / 1024), 1)
            entry["sum_peak_mb"] = round(entry["sum_peak_mb"] + kb / 1024, 1)
        return out


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / PAGE_TICKS


class CpuWindow:
    """How much CPU the rest of the machine took while we measured: other engineers' processes
    compete for the same 2 cores, and this says by how much."""

    def __init__(self, our_roots: List[int]) -> None:
        self.roots = list(our_roots) + [os.getpid()]

    def __enter__(self) -> "CpuWindow":
        self.t0 = time.monotonic()
        # Each pid once: the servers are also children of this process (it started them), so
        # without the set they were counted twice (an earlier report showed "2.0 cores" at 1 core).
        self.pids = sorted({p for r in self.roots for p in tree(r)})
        self.busy0, self.ours0 = machine_busy_seconds(), cpu_seconds(self.pids)
        return self

    def __exit__(self, *exc) -> None:
        elapsed = max(1e-6, time.monotonic() - self.t0)
        busy = machine_busy_seconds() - self.busy0
        ours = cpu_seconds(self.pids) - self.ours0
        self.ours_cores = round(ours / elapsed, 2)
        self.others_cores = round(max(0.0, busy - ours) / elapsed, 2)
