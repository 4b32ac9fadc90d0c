"""Anonymised theme and language counts: counting, storage safety, k-anonymity in every view,
several databases (one per machine) summed before suppression. No server: the unit lane."""
from __future__ import annotations

import asyncio
import fnmatch
import logging
import random
import re
import sqlite3
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from bot.themes import ThemeRecorder, store
from bot.themes.export import export, make_datasette
from bot.themes.publish import totals_over_weeks, publish_cells
from bot.themes.report import build_report, render_html, render_text
from bot.themes.vocabulary import THEME_RAISED, load_vocabulary
from bot.themes.weeks import iso_week, last_complete_week, week_monday

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
VOCAB = load_vocabulary()
# Two complete weeks well in the past, whatever day the tests run on.
W1_MONDAY = week_monday(last_complete_week()) - timedelta(days=14)
W1, W2 = iso_week(W1_MONDAY), iso_week(W1_MONDAY + timedelta(days=7))


def _clock(day: date):
    return lambda: datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


# -- scripted conversations, as the tracker store sees them --------------------------------
class Conversation:
    """A real Rasa tracker; events() is what the tracker store passes to count(), and `counted`
    what the tracker store keeps with the conversation between saves."""

    def __init__(self, key: str, channel: str):
        from rasa.shared.core.events import ActionExecuted, SessionStarted
        from rasa.shared.core.trackers import DialogueStateTracker

        self.key, self.channel, self.counted = key, channel, None
        self.tracker = DialogueStateTracker(key, slots=[])
        for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
            self.tracker.update(event)

    def turn(self, intent: str, *responses: str, confidence: float = 0.93, language=None) -> "Conversation":
        """One user message (with the detector's language in its metadata, if given) and the
        bot's responses."""
        from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

        metadata = {"language": language} if language is not None else None
        self.tracker.update(UserUttered("[NAME] said something private", intent={"name": intent, "confidence": confidence},
                                        input_channel=self.channel, metadata=metadata))
        for name in responses:
            self.tracker.update(ActionExecuted(name))
            if name.startswith("utter_"):
                self.tracker.update(BotUttered("reply text", metadata={"utter_action": name}))
        self.tracker.update(ActionExecuted("action_listen"))
        return self

    def restart(self) -> "Conversation":
        from rasa.shared.core.events import ActionExecuted, SessionStarted

        self.tracker.update(ActionExecuted("action_session_start"))
        self.tracker.update(SessionStarted())
        return self

    def events(self) -> list[dict]:
        from rasa.shared.core.trackers import EventVerbosity

        return self.tracker.current_state(EventVerbosity.ALL)["events"]


def _save(rec: ThemeRecorder, convo: Conversation) -> None:
    convo.counted = rec.count(convo.channel, convo.events(), convo.counted)


def test_counts_after_scripted_conversations(tmp_path):
    db = tmp_path / "themes.db"
    rec = ThemeRecorder(db, flush_interval_seconds=None, clock=_clock(W1_MONDAY + timedelta(days=2)))
    a = Conversation("pseudo-a", "webchat")
    for intent, *responses in [("greet", "utter_greet"),
                               ("police_share_data", "utter_police_share_data", "utter_police_may_share"),
                               ("legal_advice", "utter_legal_advice", "utter_legal_advice_regulated"),
                               ("police_share_data", "utter_police_share_data"),  # asked again: no new count
                               ("forget_me", "utter_forgotten")]:
        a.turn(intent, *responses)
        _save(rec, a)  # the whole tracker on every save
    b = Conversation("pseudo-b", "twilio").turn("danger", "utter_danger").turn("danger", "utter_danger")
    _save(rec, b)
    c = Conversation("pseudo-c", "webchat")
    c.turn("spouse_visa", "utter_spouse_visa", confidence=0.2)  # too unsure to count
    c.turn("out_of_scope", "utter_default", "some_future_action")  # counts under nothing
    c.turn("spouse_visa", "utter_spouse_visa", "utter_spouse_visa_settle")
    _save(rec, c)
    c.restart().turn("spouse_visa", "utter_spouse_visa")  # a new session is a new conversation
    _save(rec, c)

    assert not db.exists(), "nothing may be written when a message arrives"
    assert rec.flush()
    w, fear, legal, privacy = W1, "fear_of_data_sharing", "legal_or_immigration_advice", "phone_and_privacy_safety"
    assert store.read_counts(db) == {
        (w, "webchat", fear, THEME_RAISED): 1,
        (w, "webchat", fear, "explained_data_sharing"): 1,
        (w, "webchat", fear, "pointed_to_legal_advice"): 1,
        (w, "webchat", fear, "conversation_erased"): 1,
        (w, "webchat", legal, THEME_RAISED): 1,
        (w, "webchat", legal, "pointed_to_legal_advice"): 1,
        (w, "webchat", legal, "explained_data_sharing"): 1,  # given after legal advice was raised
        (w, "webchat", legal, "conversation_erased"): 1,
        (w, "webchat", privacy, THEME_RAISED): 1,
        (w, "webchat", privacy, "conversation_erased"): 1,
        (w, "twilio", "immediate_danger", THEME_RAISED): 1,
        (w, "twilio", "immediate_danger", "gave_emergency_numbers"): 1,
        (w, "webchat", "visa_tied_to_partner", THEME_RAISED): 2,
        (w, "webchat", "visa_tied_to_partner", "pointed_to_legal_advice"): 1,
    }
    # Saving the same trackers again adds nothing; what was counted holds only slugs.
    for convo in (a, b, c):
        _save(rec, convo)
    assert rec.pending_total() == 0
    assert "private" not in repr(a.counted) and "pseudo-a" not in repr(a.counted)
    # After "forget me" the tracker, and what it had counted, is gone: the same person writing
    # again is a new conversation (theme + outcome).
    _save(rec, Conversation("pseudo-a", "webchat").turn("police_share_data", "utter_police_share_data"))
    assert rec.pending_total() == 2
    rec.close()
    assert store.read_counts(db)[(w, "webchat", fear, THEME_RAISED)] == 2


def test_count_and_flush_never_raise_or_leak(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    blocked = tmp_path / "a-directory"
    blocked.mkdir()
    rec = ThemeRecorder(blocked, flush_interval_seconds=None)  # a directory: every write fails
    secret_key = "pseudonym-7f3a"
    for junk in (None, [None, "text", 3], [{"event": "user", "parse_data": "nonsense", "timestamp": "x"}],
                 [{"event": "bot", "metadata": None}], [{"event": "user", "parse_data": {"intent": {"name": ["x"]}}}]):
        rec.count("webchat", junk, None)
    for counted in ("junk", [["a"]], {"session": None, "pairs": "xx"}, {"pairs": [[1, 2, 3], None]}):
        rec.count("webchat", [], counted)
    rec.count("carrier-pigeon", Conversation(secret_key, "webchat").turn("danger").events())
    rec.count("webchat", Conversation(secret_key, "webchat").turn("danger", "utter_danger").events())
    assert rec.pending_total() == 2
    assert rec.flush() is False
    assert rec.pending_total() == 2, "a failed flush keeps its increments for the next one"
    rec.close()
    assert "theme counting: flush failed" in caplog.text
    assert secret_key not in caplog.text and "private" not in caplog.text


def test_timer_flushes_in_batches(tmp_path):
    db = tmp_path / "themes.db"
    flushed = threading.Event()

    class Recorder(ThemeRecorder):  # the real recorder; only tells the test when its timer wrote
        def flush(self) -> bool:
            had_pending = self.pending_total()
            ok = super().flush()
            if ok and had_pending:
                flushed.set()
            return ok

    rec = Recorder(db, flush_interval_seconds=0.2)
    _save(rec, Conversation("k", "webchat").turn("trafficking", "utter_trafficking"))
    assert flushed.wait(timeout=5), "the timer never flushed"
    assert rec.pending_total() == 0 and db.exists()
    rec.close()
    assert store.read_counts(db)[(iso_week(datetime.now(timezone.utc).date()), "webchat",
                                  "trafficking_or_exploitation", THEME_RAISED)] == 1


# -- schema: no column that could hold a message --------------------------------------------
MESSAGE = "my husband took my passport, call me on 07700 900123"


def _assert_no_free_text(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    tables = db.table_names()
    assert tables
    for name in tables:
        table = db[name]
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
        assert sql.rstrip().endswith("STRICT, WITHOUT ROWID"), name
        with pytest.raises(sqlite3.OperationalError):  # no rowid whose order reveals arrival
            db.execute(f"SELECT rowid FROM [{name}]")
        row = next(iter(table.rows))
        text_columns = [c.name for c in table.columns if c.type.upper() == "TEXT"]
        assert set(text_columns) <= set(row)
        for column in text_columns:
            for value in (MESSAGE, row[column] + " " + MESSAGE, "x" * 10_000):
                with pytest.raises(sqlite3.IntegrityError):
                    with db.conn:
                        table.insert({**row, column: value}, replace=True)
        for column in (c.name for c in table.columns if c.type.upper() == "INTEGER"):
            with pytest.raises(sqlite3.IntegrityError):  # STRICT: no text in a number column
                with db.conn:
                    table.insert({**row, column: MESSAGE}, replace=True)
    assert not db.views and not db.triggers
    db.close()


def test_raw_database_schema_cannot_hold_text(tmp_path):
    db = tmp_path / "themes.db"
    store.add_counts(db, {(W1, "webchat", "domestic_abuse", THEME_RAISED): 3}, VOCAB, {(W1, "ur-Latn"): 2})
    _assert_no_free_text(db)
    conn = sqlite3.connect(db)
    for bad in [("2026-W60", "pl"), (W1, "klingon"), (W1, "EN"), (W1, "en'); DROP TABLE theme_counts; --"),
                (W1, MESSAGE), (W1, "webchat"), (W1, "")]:  # only the fixed list of codes
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(store.LANGUAGE_UPSERT_SQL, (*bad, 1))
    for bad in [("2026-11-26", "webchat", "domestic_abuse", THEME_RAISED),  # a day, finer than a week
                ("2026-W60", "webchat", "domestic_abuse", THEME_RAISED),
                (W1, "sms:+447700900123", "domestic_abuse", THEME_RAISED),
                (W1, "webchat", "not_a_theme", THEME_RAISED), (W1, "webchat", "domestic_abuse", "nope")]:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(store.UPSERT_SQL, (*bad, 1))
    conn.close()


def test_schema_follows_the_mapping_and_keeps_known_rows(tmp_path):
    db = tmp_path / "themes.db"
    store.add_counts(db, {(W1, "webchat", "hate_crime", THEME_RAISED): 7,
                          (W1, "webchat", "domestic_abuse", THEME_RAISED): 2}, VOCAB)
    smaller = load_vocabulary()
    del smaller.themes["hate_crime"]
    store.add_counts(db, {(W1, "webchat", "domestic_abuse", THEME_RAISED): 1}, smaller)
    assert store.read_counts(db) == {(W1, "webchat", "domestic_abuse", THEME_RAISED): 3}
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(store.UPSERT_SQL, (W1, "webchat", "hate_crime", THEME_RAISED, 1))
    conn.close()


def test_mapping_names_exist_in_the_domain():
    domain = yaml.safe_load((REPO / "domain.yml").read_text())
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    names = set(domain.get("responses", {})) | set(domain.get("actions", []))
    raw = yaml.safe_load((REPO / "data" / "themes.yml").read_text())
    for section in ("themes", "outcomes"):
        for slug, body in raw[section].items():
            assert set(body.get("intents", [])) <= intents, slug
            for pattern in body.get("responses", []):
                assert fnmatch.filter(names, pattern), f"{slug}: {pattern} matches nothing in domain.yml"


# -- k-anonymity in every view, including the subtraction attack ---------------------------
def _raw_db(path: Path, hidden: dict) -> Path:
    counts, languages = _raw_counts(hidden)
    store.add_counts(path, counts, VOCAB, languages)
    return path


def _raw_counts(hidden: dict) -> tuple[dict, dict]:
    """Counts with small cells whose values (the `hidden` ones) no view may reveal."""
    fear, da, visa = "fear_of_data_sharing", "domestic_abuse", "visa_tied_to_partner"
    counts = {
        (W1, "webchat", fear, THEME_RAISED): hidden["w1_fear"],  # alone: fewer than 5
        (W2, "webchat", fear, THEME_RAISED): hidden["w2_fear_web"],  # with twilio: 12 in all
        (W2, "twilio", fear, THEME_RAISED): 12 - hidden["w2_fear_web"],
        (W1, "webchat", da, THEME_RAISED): 6, (W1, "twilio", da, THEME_RAISED): 7,  # both shown
        (W1, "webchat", da, "gave_helplines"): hidden["w1_da_helplines"],
        (W2, "webchat", da, THEME_RAISED): 9,
        (W2, "webchat", da, "gave_helplines"): 8,
        (W2, "twilio", visa, THEME_RAISED): hidden["w2_visa"],
    }
    languages = {(W1, "en"): 20, (W1, "pl"): hidden["w1_pl"], (W2, "ar"): 5, (W2, "other"): 7,
                 (W2, "ur-Latn"): hidden["w2_ur_latn"]}
    return counts, languages


HIDDEN_A = {"w1_fear": 3, "w2_fear_web": 10, "w1_da_helplines": 4, "w2_visa": 1, "w1_pl": 2, "w2_ur_latn": 4}
HIDDEN_B = {"w1_fear": 1, "w2_fear_web": 8, "w1_da_helplines": 2, "w2_visa": 4, "w1_pl": 4, "w2_ur_latn": 1}


def _views(raw: Path | list[Path], out: Path) -> dict[str, str]:
    report = build_report(raw, W1_MONDAY, W1_MONDAY + timedelta(days=13), 5, VOCAB)
    exported = out / "themes.db"
    export(raw, exported, 5, VOCAB)
    dump = "\n".join(sqlite3.connect(exported).iterdump())
    return {"text": render_text(report), "html": render_html(report), "export": dump,
            **asyncio.run(_datasette_pages(exported))}


async def _datasette_pages(exported: Path) -> dict[str, str]:
    ds = make_datasette(exported, VOCAB, 5)
    await ds.invoke_startup()
    pages = {}
    paths = ["/themes/theme_counts.json?_shape=array&_size=max",
             "/themes/theme_counts.json?_shape=array&_size=max&_facet=theme&_facet=channel_kind",
             f"/themes/theme_counts.json?_shape=array&iso_week={W2}&channel_kind=twilio",
             "/themes/themes.json?_shape=array", "/themes/outcomes.json?_shape=array",
             "/themes/export_info.json?_shape=array",
             "/themes/themes_by_week.json?_shape=array&since_week=&until_week=",
             "/themes/outcomes_by_theme.json?_shape=array&since_week=&until_week=",
             f"/themes/outcomes_by_theme.json?_shape=array&since_week={W2}&until_week={W2}",
             "/themes/language_counts.json?_shape=array&_size=max",
             "/themes/language_counts.json?_shape=array&_size=max&_facet=language",
             "/themes/languages.json?_shape=array",
             "/themes/languages_by_week.json?_shape=array&since_week=&until_week="]
    for path in paths:
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        pages["datasette " + path] = response.text
    for path in ["/themes/theme_counts", "/themes/themes_by_week?since_week=&until_week=",
                 "/themes/outcomes_by_theme?since_week=&until_week=",
                 f"/themes/theme_counts/{W1},all,domestic_abuse,theme_raised",
                 "/themes/language_counts", "/themes/languages_by_week?since_week=&until_week="]:
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        # Pages show query timings; everything else must match between the two databases.
        pages["datasette " + path] = re.sub(r"[\d.]+ ?ms", "", response.text)
    for forbidden in ["/themes.json?sql=select+*+from+theme_counts", "/themes?sql=select+1", "/themes.db",
                      "/themes/theme_counts.json?_where=conversations<5",
                      "/themes/language_counts.json?_where=conversations<5",
                      "/themes.json?sql=select+*+from+language_counts+join+theme_counts"]:
        response = await ds.client.get(forbidden)
        assert response.status_code in (400, 403), forbidden
    return pages


def test_suppression_holds_in_every_view_and_against_subtraction(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    views_a = _views(_raw_db(tmp_path / "a" / "raw.db", HIDDEN_A), tmp_path / "a" / "out")
    views_b = _views(_raw_db(tmp_path / "b" / "raw.db", HIDDEN_B), tmp_path / "b" / "out")
    # Raw databases that differ only in hidden cells give identical views, totals included: so
    # no view, nor any subtraction between views, can tell what the hidden cells hold.
    for name in views_a:
        assert views_a[name] == views_b[name], f"{name} depends on a hidden count"
    text, html = views_a["text"], views_a["html"]
    assert "fewer than 5" in text and "fewer than 5" in html
    fear_row = next(line for line in text.splitlines() if line.startswith("Fear of data sharing"))
    assert "at least 12; 1 week fewer than 5" in fear_row and "15" not in fear_row  # 3 + 12 never shown
    assert "13" in next(line for line in text.splitlines() if line.startswith("Domestic abuse"))
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")  # no external assets
    assert "<svg" in html and "polyline" in html
    import json
    rows = json.loads(views_a["datasette /themes/theme_counts.json?_shape=array&_size=max"])
    shown = {(r["iso_week"], r["channel_kind"], r["theme"], r["outcome"]): r["shown_as"] for r in rows}
    assert shown[(W2, "all", "fear_of_data_sharing", THEME_RAISED)] == "12"
    assert shown[(W2, "webchat", "fear_of_data_sharing", THEME_RAISED)].startswith("withheld")
    assert shown[(W2, "twilio", "fear_of_data_sharing", THEME_RAISED)].startswith("withheld")
    assert shown[(W1, "webchat", "domestic_abuse", THEME_RAISED)] == "6"
    assert all(r["conversations"] is None or r["conversations"] >= 5 for r in rows)
    rows = json.loads(views_a["datasette /themes/language_counts.json?_shape=array&_size=max"])
    assert {(r["iso_week"], r["language"]): r["shown_as"] for r in rows} == {
        (W1, "en"): "20", (W1, "pl"): "fewer than 5", (W2, "ar"): "5", (W2, "other"): "7",
        (W2, "ur-Latn"): "fewer than 5"}
    polish = next(line for line in text.splitlines() if line.startswith("Polish"))
    assert polish.endswith("fewer than 5  fewer than 5 in each of 1 week") or polish.split("  ")[-1].strip() == \
        "fewer than 5 in each of 1 week", polish
    assert "Arabic" in text and "Polish" in html and "Urdu in Latin letters" in html


def test_export_schema_cannot_hold_text_or_small_counts(tmp_path):
    raw = _raw_db(tmp_path / "raw.db", HIDDEN_A)
    export(raw, tmp_path / "themes.db", 5, VOCAB)
    _assert_no_free_text(tmp_path / "themes.db")
    db = sqlite_utils.Database(tmp_path / "themes.db")
    row = next(iter(db["theme_counts"].rows_where("conversations IS NOT NULL")))
    for small in (1, 4):
        with pytest.raises(sqlite3.IntegrityError):
            with db.conn:
                db["theme_counts"].insert({**row, "conversations": small, "shown_as": str(small)}, replace=True)


def test_unfinished_weeks_are_never_published(tmp_path):
    raw = tmp_path / "raw.db"
    this_week = iso_week(datetime.now(timezone.utc).date())
    store.add_counts(raw, {(this_week, "webchat", "domestic_abuse", THEME_RAISED): 50,
                           (W2, "webchat", "domestic_abuse", THEME_RAISED): 20}, VOCAB)
    report = build_report(raw, W1_MONDAY, datetime.now(timezone.utc).date(), 5, VOCAB)
    assert this_week not in report.weeks and W2 in report.weeks
    assert "50" not in render_text(report) and any("not shown yet" in n for n in report.notes)
    export(raw, tmp_path / "themes.db", 5, VOCAB)
    weeks = {r[0] for r in sqlite3.connect(tmp_path / "themes.db").execute("SELECT iso_week FROM theme_counts")}
    assert weeks == {W2}


def test_report_widens_to_whole_weeks_and_cli_writes_html(tmp_path, capsys):
    from bot.themes.cli import main

    raw = _raw_db(tmp_path / "raw.db", HIDDEN_A)
    midweek = W1_MONDAY + timedelta(days=3)
    html = tmp_path / "report.html"
    assert main(["report", "--db", str(raw), "--since", midweek.isoformat(), "--until", W2, "--html", str(html)]) == 0
    out = capsys.readouterr().out
    assert f"Widened to whole weeks: {W1_MONDAY.isoformat()}" in out and W1 in out and W2 in out
    assert html.read_text().startswith("<!doctype html>")
    assert main(["report", "--db", str(raw), "--since", "2099-01-05"]) == 2  # no complete week yet


def test_totals_add_only_shown_cells():
    raw = {(W1, "webchat", "hate_crime", THEME_RAISED): 4, (W2, "webchat", "hate_crime", THEME_RAISED): 30}
    totals = totals_over_weeks(publish_cells(raw, 5, [W1, W2], VOCAB))
    assert totals[("hate_crime", THEME_RAISED)].text(5) == "at least 30; 1 week fewer than 5"


# -- languages: their own table, (week, language) only ---------------------------------------
def test_language_counts_once_per_conversation_under_its_first_language(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "themes.db"
    rec = ThemeRecorder(db, flush_interval_seconds=None, clock=_clock(W1_MONDAY + timedelta(days=1)))
    a = Conversation("pseudo-a", "webchat").turn("greet", "utter_greet")  # no language yet: nothing, never a guess
    _save(rec, a)
    assert rec.pending_total() == 0
    a.turn("police_share_data", "utter_police_share_data", language="pl")
    a.turn("greet", language="en")  # the conversation's language is its first one
    _save(rec, a)
    _save(rec, a)  # saved again: nothing new
    assert rec.pending_total() == 3  # pl, and the theme with its outcome
    a.restart().turn("greet", language="en")  # a new session is a new conversation
    _save(rec, a)
    b = Conversation("pseudo-b", "twilio").turn("greet", language="klingon").turn("greet", language=["pl"])
    _save(rec, b.turn("greet", language="ar"))  # codes not on the list are skipped, never stored
    for junk in ("EN", "en-GB", "", "<script>", "pl; DROP TABLE", 7):
        _save(rec, Conversation("pseudo-c", "webchat").turn("greet", language=junk))
    _save(rec, Conversation("pseudo-d", "carrier-pigeon").turn("greet", language="bn"))  # not our channel
    _save(rec, Conversation("pseudo-e", "twilio").turn("greet", language="other"))
    _save(rec, Conversation("pseudo-f", "webchat").turn("greet", language="ur-Latn"))
    assert rec.flush()
    assert store.read_language_counts(db) == {(W1, "pl"): 1, (W1, "en"): 1, (W1, "ar"): 1, (W1, "other"): 1,
                                              (W1, "ur-Latn"): 1}
    # What travels with the conversation is a flag, not the language.
    for session in a.counted["sessions"]:
        assert session["language"] is True and set(session) == {"start", "pairs", "language"}
    assert "ur-Latn" not in caplog.text and "klingon" not in caplog.text
    rec.close()


def test_tracker_store_counts_the_language_but_never_stores_it(tmp_path):
    import json

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import RedactingTrackerStore

    db = tmp_path / "themes.db"
    tracker_store = RedactingTrackerStore(domain=Domain.empty(), themes=False)
    tracker_store.themes = ThemeRecorder(db, flush_interval_seconds=None, clock=_clock(W1_MONDAY))
    tracker = DialogueStateTracker("pseudo-lang", slots=[])
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    for intent, language in (("police_share_data", "ur-Latn"), ("greet", "en"), ("greet", None)):
        tracker.update(UserUttered(f"/{intent}", intent={"name": intent, "confidence": 1.0}, input_channel="twilio",
                                   metadata={"language": language} if language else None))
        asyncio.run(tracker_store.save(tracker))
    stored = tracker_store.backend.get("pseudo-lang")
    assert "ur-Latn" not in stored and '"en"' not in stored
    assert json.loads(stored)["safe_report_themes"]["sessions"][0]["language"] is True
    assert tracker_store.themes.flush()
    assert store.read_language_counts(db) == {(W1, "ur-Latn"): 1}
    assert store.read_counts(db) == {(W1, "twilio", "fear_of_data_sharing", THEME_RAISED): 1}


def test_language_table_has_no_other_dimension(tmp_path):
    from bot.themes.export import datasette_metadata

    raw = _raw_db(tmp_path / "raw.db", HIDDEN_A)
    export(raw, tmp_path / "themes.db", 5, VOCAB)
    columns = lambda path, table: [c.name for c in sqlite_utils.Database(path)[table].columns]  # noqa: E731
    assert columns(raw, "language_counts") == ["iso_week", "language", "count"]
    assert columns(tmp_path / "themes.db", "language_counts") == ["iso_week", "language", "conversations", "shown_as"]
    assert columns(tmp_path / "themes.db", "languages") == ["language", "title", "description"]
    database = datasette_metadata(VOCAB, 5)["databases"]["themes"]
    assert database["tables"]["language_counts"]["facets"] == ["language"]
    for name, query in database["queries"].items():
        sql = query["sql"]
        if "language" in sql:  # joined to its own labels only
            assert not re.search(r"theme|outcome|channel", sql), name
        assert not ("language_counts" in sql and "theme_counts" in sql), name


def test_language_cells_are_suppressed_below_k():
    from bot.themes.publish import language_totals, publish_language_cells

    raw = {(W1, "sq"): 4, (W2, "sq"): 5, (W1, "vi"): 1, (W2, "bn"): 0, (W1, "tlh"): 50, ("2099-W01", "en"): 99}
    cells = publish_language_cells(raw, 5, [W1, W2], VOCAB)
    assert [(c.iso_week, c.language, c.text(5)) for c in cells] == [
        (W1, "sq", "fewer than 5"), (W1, "vi", "fewer than 5"), (W2, "sq", "5")]
    totals = language_totals(cells)
    assert totals["sq"].text(5) == "at least 5; 1 week fewer than 5"
    assert totals["vi"].text(5) == "fewer than 5 in each of 1 week"


def test_language_list_comes_from_data_languages_yml_when_present(tmp_path):
    from bot.themes.vocabulary import FALLBACK_LANGUAGES, OTHER_LANGUAGE, load_languages

    assert set(load_languages(tmp_path / "missing.yml")) == set(FALLBACK_LANGUAGES) | {OTHER_LANGUAGE}
    listed = tmp_path / "languages.yml"
    listed.write_text("languages:\n  - {code: en, english: English}\n  - {code: ur-Latn, english: Roman Urdu}\n")
    assert {code: label.title for code, label in load_languages(listed).items()} == {
        "en": "English", "ur-Latn": "Roman Urdu", OTHER_LANGUAGE: "Another language (not supported)"}
    listed.write_text("languages:\n  - {code: \"en'); DROP TABLE x; --\", english: English}\n")
    with pytest.raises(ValueError):
        load_languages(listed)


# -- several machines: one database each, summed before anything is hidden --------------------
def test_several_databases_are_summed_before_suppression(tmp_path, capsys):
    from bot.themes.cli import main

    a, b = tmp_path / "machine-a.db", tmp_path / "machine-b.db"
    store.add_counts(a, {(W1, "webchat", "hate_crime", THEME_RAISED): 3}, VOCAB, {(W1, "ro"): 3})
    store.add_counts(b, {(W1, "twilio", "hate_crime", THEME_RAISED): 3}, VOCAB, {(W1, "ro"): 2})
    until = W1_MONDAY + timedelta(days=6)
    for alone in (a, b):
        report = build_report(alone, W1_MONDAY, until, 5, VOCAB)
        assert report.cell_text(W1, "hate_crime") == "fewer than 5" and report.language_text(W1, "ro") == "fewer than 5"
    both = build_report([a, b], W1_MONDAY, until, 5, VOCAB)
    assert both.cell_text(W1, "hate_crime") == "6" and both.language_text(W1, "ro") == "5"
    # Split by channel, 3 + 3 would reveal a small count: withheld, as for one database.
    assert both.cell(W1, "hate_crime", channel="webchat").status == "withheld"
    out = tmp_path / "export" / "themes.db"
    assert main(["export", "--db", str(a), "--db", str(b), str(out)]) == 0
    rows = {r[0]: r[1] for r in sqlite3.connect(out).execute(
        "SELECT channel_kind, shown_as FROM theme_counts WHERE theme = 'hate_crime'")}
    assert rows["all"] == "6" and rows["webchat"].startswith("withheld")
    with pytest.raises(ValueError, match="more than once"):  # the same file twice would count twice
        store.read_all([a, tmp_path / "." / "machine-a.db"])
    capsys.readouterr()
    assert main(["export", "--db", str(a), "--db", str(tmp_path / "machine-c.db"), str(out)]) == 2
    assert "no such theme database" in capsys.readouterr().err


def test_how_counts_are_split_over_databases_never_shows(tmp_path):
    """The views over several databases depend only on the sums: a machine's share is never a
    figure, and the merged hidden cells stay hidden (HIDDEN_A and HIDDEN_B differ only there)."""
    rng = random.Random(11)
    views = []
    for n, hidden in enumerate((HIDDEN_A, HIDDEN_B, HIDDEN_A)):
        counts, languages = _raw_counts(hidden)
        paths = [tmp_path / f"set{n}" / f"machine-{m}.db" for m in range(3)]
        parts = [({}, {}) for _ in paths]
        for table, source in ((0, counts), (1, languages)):
            for key, value in source.items():
                cut = sorted(rng.randint(0, value) for _ in range(len(paths) - 1))
                for part, share in zip(parts, [b - a for a, b in zip([0, *cut], [*cut, value])]):
                    if share:
                        part[table][key] = share
        for path, (themes_part, languages_part) in zip(paths, parts):
            store.add_counts(path, themes_part, VOCAB, languages_part)
        views.append(_views(paths, tmp_path / f"set{n}" / "out"))
    single = _views(_raw_db(tmp_path / "single.db", HIDDEN_A), tmp_path / "single-out")
    note = re.compile(r"(<br>)?Counts of 3 databases \(one per machine\), added up before anything was hidden\.\n?")
    assert note.search(views[0]["text"]) and note.search(views[0]["html"])  # the report says it added up three
    for name in single:
        assert views[0][name] == views[1][name] == views[2][name], name
        assert note.sub("", views[0][name]) == single[name], name
