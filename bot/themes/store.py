"""The raw theme-count table: schema, atomic batched upserts, reads. Never served or shown.

One STRICT, WITHOUT ROWID table keyed on (iso_week, channel_kind, theme, outcome): rows are
stored in key order, so there is no rowid whose order could reveal when a row first arrived.
Every TEXT column is confined by a CHECK to a week pattern or to the slugs in data/themes.yml,
so the table cannot hold a message even by mistake.
"""
from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from .vocabulary import CHANNEL_KINDS, REPO_ROOT, Vocabulary
from .weeks import week_check_sql

logger = logging.getLogger("bot.themes")

TABLE = "theme_counts"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_SECONDS = 30.0
DEFAULT_DB_ENV = "SAFE_REPORT_THEMES_DB"

Key = tuple[str, str, str, str]  # (iso_week, channel_kind, theme, outcome)

UPSERT_SQL = (
    f"INSERT INTO {TABLE} (iso_week, channel_kind, theme, outcome, count) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (iso_week, channel_kind, theme, outcome) DO UPDATE SET count = count + excluded.count"
)


def default_db_path() -> Path:
    env = os.environ.get(DEFAULT_DB_ENV)
    if env:
        return Path(env)
    root = Path(os.environ.get("SAFE_REPORT_ROOT") or REPO_ROOT)
    return root / "var" / "themes.db"


def in_list_sql(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def raw_table_sql(vocab: Vocabulary) -> str:
    return (
        f"CREATE TABLE {TABLE} (\n"
        f"  iso_week TEXT NOT NULL CHECK {week_check_sql('iso_week')},\n"
        f"  channel_kind TEXT NOT NULL CHECK (channel_kind IN {in_list_sql(CHANNEL_KINDS)}),\n"
        f"  theme TEXT NOT NULL CHECK (theme IN {in_list_sql(sorted(vocab.themes))}),\n"
        f"  outcome TEXT NOT NULL CHECK (outcome IN {in_list_sql(sorted(vocab.outcomes))}),\n"
        f"  count INTEGER NOT NULL CHECK (count > 0),\n"
        f"  PRIMARY KEY (iso_week, channel_kind, theme, outcome)\n"
        f") STRICT, WITHOUT ROWID"
    )


def connect(path: Path | str) -> sqlite_utils.Database:
    """A connection that waits for other writers and keeps no journal file after a commit.

    journal_mode=DELETE (not WAL): a WAL file keeps recent page versions, one frame set per
    flush, until a checkpoint; a rollback journal is deleted at each commit. secure_delete
    zeroes freed pages so that a migration leaves no old rows behind in the file.
    """
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")
    return sqlite_utils.Database(conn)


def _current_sql(db: sqlite_utils.Database) -> str | None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [TABLE]).fetchone()
    return row[0] if row else None


def ensure_schema(db: sqlite_utils.Database, vocab: Vocabulary) -> None:
    """Create the table, or rebuild it when data/themes.yml changed its slugs (one transaction)."""
    wanted = raw_table_sql(vocab)
    if _current_sql(db) == wanted:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        current = _current_sql(db)  # another process may have done it while we waited
        if current is None:
            db.execute(wanted)
        elif current != wanted:
            db.execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_old")
            db.execute(wanted)
            db.execute(
                f"INSERT INTO {TABLE} SELECT iso_week, channel_kind, theme, outcome, count FROM {TABLE}_old "
                f"WHERE theme IN {in_list_sql(vocab.themes)} AND outcome IN {in_list_sql(vocab.outcomes)} "
                f"AND channel_kind IN {in_list_sql(CHANNEL_KINDS)}"
            )
            dropped = db.execute(f"SELECT count(*) FROM {TABLE}_old").fetchone()[0] - db.execute(
                f"SELECT count(*) FROM {TABLE}").fetchone()[0]
            db.execute(f"DROP TABLE {TABLE}_old")
            if dropped:
                logger.warning("themes mapping changed: %d count rows with retired slugs dropped", dropped)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def add_counts(path: Path | str, increments: dict[Key, int], vocab: Vocabulary) -> None:
    """Add a batch of increments in one transaction; all of it lands or none of it does.

    Called on the flush schedule even with an empty batch: the write then only bumps the header,
    so the file's modification time and change counter follow the timer, not the traffic.
    """
    db = connect(path)
    try:
        ensure_schema(db, vocab)
        rows = [(*key, n) for key, n in sorted(increments.items()) if n > 0]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.conn.executemany(UPSERT_SQL, rows)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.close()


def read_counts(path: Path | str) -> dict[Key, int]:
    """All raw counts. For the publishing code only: raw figures are never shown as they are."""
    if not Path(path).exists():
        return {}
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db = sqlite_utils.Database(conn)
        if not db[TABLE].exists():
            return {}
        return {
            (r["iso_week"], r["channel_kind"], r["theme"], r["outcome"]): r["count"]
            for r in db.query(f"SELECT iso_week, channel_kind, theme, outcome, count FROM {TABLE}")
        }
    finally:
        conn.close()
