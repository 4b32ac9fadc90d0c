"""Theme counts written by several processes at once, and by a process killed mid-write.

Not in the unit lane (they start Python processes) and not stack tests (no server, no model):
they run with `make test`."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.themes import store
from bot.themes.vocabulary import THEME_RAISED, load_vocabulary
from bot.themes.weeks import iso_week

REPO = Path(__file__).resolve().parents[1]
VOCAB = load_vocabulary()

pytestmark = pytest.mark.stack  # starts writer processes and kills them


def _subprocess_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "RASA_TELEMETRY_ENABLED": "false"}


WRITER = textwrap.dedent("""
    import sys
    from bot.themes import ThemeRecorder
    db, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rec = ThemeRecorder(db, flush_interval_seconds=None)
    events = lambda i: [{"event": "user", "timestamp": 1.0, "parse_data": {"intent": {"name": "spouse_visa", "confidence": 1.0}}},
                        {"event": "action", "timestamp": 2.0, "name": "utter_legal_advice"}]
    for i in range(n):
        rec.count("twilio" if i % 3 else "webchat", events(i))
        if i % 5 == 4:
            assert rec.flush()
    rec.close()
""")


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    db, n = tmp_path / "themes.db", 400
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), tag, str(n)], env=_subprocess_env())
             for tag in ("p1", "p2")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    counts = store.read_counts(db)
    week = iso_week(datetime.now(timezone.utc).date())
    raised = sum(v for (w, ch, t, o), v in counts.items() if t == "visa_tied_to_partner" and o == THEME_RAISED)
    advice = sum(v for (w, ch, t, o), v in counts.items() if o == "pointed_to_legal_advice")
    assert raised == advice == 2 * n, counts
    assert counts[(week, "webchat", "visa_tied_to_partner", THEME_RAISED)] == 2 * len(range(0, n, 3))


KILLABLE_WRITER = textwrap.dedent("""
    import sys
    from bot.themes import store
    from bot.themes.vocabulary import load_vocabulary
    vocab = load_vocabulary()
    keys = [(w, ch, t, "theme_raised") for w in ("2026-W01", "2026-W02") for ch in ("webchat", "twilio")
            for t in sorted(vocab.themes)]
    print("ready", flush=True)
    while True:  # every batch adds 1 to every key: after any crash all counts must still be equal
        store.add_counts(sys.argv[1], {k: 1 for k in keys}, vocab)
""")


def test_killed_writer_leaves_database_intact(tmp_path):
    db = tmp_path / "themes.db"
    rng = random.Random(5)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", KILLABLE_WRITER, str(db)], env=_subprocess_env(),
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        proc.stdout.close()
    conn = sqlite3.connect(db)  # a hot journal left by the kill is rolled back here
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    values = {v for (v,) in conn.execute("SELECT count FROM theme_counts")}
    conn.close()
    assert len(values) == 1 and values.pop() > 0, "a batch was applied partly"
    store.add_counts(db, {}, VOCAB)  # after a normal commit no journal file is left to read
    assert sorted(p.name for p in tmp_path.iterdir()) == ["themes.db"]


