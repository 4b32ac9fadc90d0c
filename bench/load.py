"""The load shapes: one conversation at a time, paced (open-loop) writers, closed-loop users, and
a saturation ramp. Every loop is bounded by a deadline or a fixed count."""
from __future__ import annotations

import asyncio
import itertools
import time
from typing import Dict, List, Sequence

from bench.clients import Target, make_client
from bench.conversations import conversation_stream
from bench.stats import Record, summarise


class Conversations:
    """Hands out (index, sender, messages) in the seeded order; one per simulated person."""

    def __init__(self, target: Target, seed: int) -> None:
        self.target = target
        self.stream = conversation_stream(seed)
        self.counter = itertools.count()

    def next(self):
        index = next(self.counter)
        _topic, messages = next(self.stream)
        return index, self.target.new_sender(index), list(messages)


async def sequential(target: Target, messages: int, seed: int = 1) -> Dict[str, object]:
    """(a) One conversation at a time, one message at a time."""
    convs = Conversations(target, seed)
    records: List[Record] = []
    async with make_client(1) as client:
        while len(records) < messages:
            index, sender, script = convs.next()
            for text in script[: messages - len(records)]:
                records.append(await target.send(client, index, sender, text))
    return {**summarise(records), "records": records}


async def paced(target: Target, conversations: int, interval: float, duration: float,
                seed: int = 2) -> Dict[str, object]:
    """(b) `conversations` people each writing every `interval` seconds (starts spread evenly),
    a person waits for the answer before the next message; a finished script is followed by a
    new conversation. Open loop: the offered rate does not fall when the server slows down,
    unless an answer takes longer than the interval."""
    convs = Conversations(target, seed)
    records: List[Record] = []
    start = time.monotonic()
    deadline = start + duration

    async def person(slot: int) -> None:
        next_at = start + interval * slot / conversations
        while True:
            index, sender, script = convs.next()
            for text in script:
                delay = next_at - time.monotonic()
                if next_at >= deadline:
                    return
                if delay > 0:
                    await asyncio.sleep(delay)
                records.append(await target.send(client, index, sender, text))
                next_at += interval

    async with make_client(conversations) as client:
        await asyncio.gather(*(person(i) for i in range(conversations)))
    result = summarise(records, duration)
    result["offered_per_s"] = round(conversations / interval, 2)
    result["records"] = records
    return result


async def closed_loop(target: Target, concurrency: int, duration: float, seed: int = 3) -> Dict[str, object]:
    """`concurrency` people each sending the next message as soon as the answer arrives, for
    `duration` seconds; throughput counts answers completed inside the window."""
    convs = Conversations(target, seed)
    records: List[Record] = []
    start = time.monotonic()
    deadline = start + duration

    async def person() -> None:
        while time.monotonic() < deadline:
            index, sender, script = convs.next()
            for text in script:
                if time.monotonic() >= deadline:
                    return
                records.append(await target.send(client, index, sender, text))

    async with make_client(concurrency) as client:
        await asyncio.gather(*(person() for _ in range(concurrency)))
    result = summarise(records)
    in_window = [r for r in records if r.ok and r.start + r.latency <= deadline]
    result["throughput_per_s"] = round(len(in_window) / duration, 2)
    result["concurrency"] = concurrency
    result["records"] = records
    result["in_window"] = len(in_window)
    return result


async def ramp(target: Target, levels: Sequence[int], step_seconds: float,
               min_gain: float = 1.05, always_up_to: int = 8) -> Dict[str, object]:
    """(c) Closed loop at increasing concurrency until throughput stops rising: every level up to
    `always_up_to`, then stop after a level that adds less than 5% over the best so far (or at
    the last level). The floor matters with several Sanic workers: the kernel hashes each
    connection to a worker, so two connections land on the same one half the time, and a ramp
    that stopped at concurrency 2 would measure one worker (seen in a run: 37.7/s)."""
    steps: List[Dict[str, object]] = []
    best = 0.0
    for level in levels:
        step = await closed_loop(target, level, step_seconds, seed=100 + level)
        step.pop("records", None)
        steps.append(step)
        tput = float(step["throughput_per_s"] or 0)
        if best and level >= always_up_to and tput < best * min_gain:
            best = max(best, tput)
            break
        best = max(best, tput)
    peak = max(steps, key=lambda s: float(s["throughput_per_s"] or 0))
    return {"saturation_per_s": peak["throughput_per_s"], "at_concurrency": peak["concurrency"],
            "p50_ms_at_peak": peak["p50_ms"], "p95_ms_at_peak": peak["p95_ms"],
            "errors": sum(int(s["errors"]) for s in steps), "steps": steps}
