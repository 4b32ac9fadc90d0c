"""Themes across machines: two Rasa instances, each with its own theme database (as on two
machines), one shared Redis and one action server. Every conversation sends its messages to both
instances in turn. Each conversation must count once in all, and the support-worker report over
both databases must show the total, suppressed only after summing (docs/deployment.md)."""
from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, time, timedelta, timezone

import httpx
import pytest

from bot.themes import store
from bot.themes.export import export
from bot.themes.report import build_report
from bot.themes.vocabulary import THEME_RAISED, load_vocabulary
from bot.themes.weeks import week_monday
from support import free_port

pytestmark = pytest.mark.stack

FEAR = "fear_of_data_sharing"
CONVERSATIONS = 6  # 3 begin on each instance: each machine alone holds fewer than k = 5


@pytest.fixture(scope="module")
def two_machines(trained_model, redis_server, tmp_path_factory):
    from bot.launcher import Stack, actions_command, rasa_command, wait_until_ready
    from bot.paths import ROOT
    from bot.scaled import redis_env

    url, _ = redis_server
    base = tmp_path_factory.mktemp("machines")
    actions_port, ports = free_port(), [free_port(), free_port()]
    dbs = [base / "machine-a" / "themes.db", base / "machine-b" / "themes.db"]
    # An hour between timed flushes: the counts reach the databases only when the instances
    # stop (the recorder flushes on exit), so the test waits on nothing.
    common = {**redis_env(url), "SAFE_REPORT_RATE_PER_ADDRESS": "100000", "SAFE_REPORT_THEMES_FLUSH_SECONDS": "3600",
              "SAFE_REPORT_ACTIONS_URL": f"http://127.0.0.1:{actions_port}/webhook"}
    log = open(base / "stack.log", "ab")
    stack = Stack()
    try:
        stack.start(actions_command(actions_port), common, stdout=log, stderr=log)
        procs = [stack.start(rasa_command(port, ROOT / "endpoints.redis.yml"), {**common, "SAFE_REPORT_THEMES_DB": str(db)},
                             stdout=log, stderr=log) for port, db in zip(ports, dbs)]
        for port, proc in zip(ports, procs):
            assert wait_until_ready(f"http://127.0.0.1:{port}/webhooks/webchat/health", process=proc)
        assert wait_until_ready(f"http://127.0.0.1:{actions_port}/health", timeout=120)
        yield stack, [f"http://127.0.0.1:{port}" for port in ports], dbs
    finally:
        stack.stop()
        log.close()


def ask(base: str, sender: str, text: str) -> None:
    r = httpx.post(f"{base}/webhooks/webchat/webhook", json={"sender": sender, "message": text}, timeout=60)
    assert r.status_code == 200 and r.json()


def test_each_conversation_counts_once_and_the_report_shows_the_total(two_machines, tmp_path):
    stack, urls, dbs = two_machines
    for i in range(CONVERSATIONS):
        first, second = urls if i % 2 == 0 else urls[::-1]
        sender = f"machines-{i}-{uuid.uuid4().hex}"
        ask(first, sender, "will the police tell the home office")
        ask(second, sender, "will police tell home office if i report?")  # the same worry, on the other machine
    stack.stop()  # each instance writes what it counted as it stops
    machines = [store.read_counts(db) for db in dbs]
    merged = store.read_all(dbs).themes
    raised = lambda counts: sum(n for (_, _, t, o), n in counts.items() if (t, o) == (FEAR, THEME_RAISED))  # noqa: E731
    assert raised(merged) == CONVERSATIONS, merged  # 12 if the second machine had counted again
    assert [raised(m) for m in machines] == [CONVERSATIONS // 2] * 2
    assert all(n <= CONVERSATIONS for n in merged.values()), merged

    # The support-worker report once this week is over: the total of both machines, although
    # each machine alone has fewer than k.
    week = next(iter(merged))[0]
    monday = week_monday(week)
    later = datetime.combine(monday + timedelta(days=9), time(12), tzinfo=timezone.utc)
    vocab = load_vocabulary()
    assert build_report(dbs, monday, None, 5, vocab, now=later).cell_text(week, FEAR) == str(CONVERSATIONS)
    for db in dbs:
        assert build_report(db, monday, None, 5, vocab, now=later).cell_text(week, FEAR) == "fewer than 5"
    out = tmp_path / "themes.db"
    export(dbs, out, 5, vocab, now=later)
    shown = sqlite3.connect(out).execute("SELECT shown_as FROM theme_counts WHERE channel_kind = 'all' "
                                         "AND theme = ? AND outcome = ?", (FEAR, THEME_RAISED)).fetchone()
    assert shown == (str(CONVERSATIONS),)
