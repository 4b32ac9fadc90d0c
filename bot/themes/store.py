"""The raw theme-count table: schema, atomic batched upserts, reads. Never served or shown.

One STRICT, WITHOUT ROWID table keyed on (iso_week, channel_kind, theme, outcome): rows are
stored in key order, so there is no rowid whose order could reveal when a row first arrived.
Every TEXT column is confined by a CHECK to a week pattern or to the slugs in data/themes.yml,
so the table cannot hold a message even by mistake. A second table, language_counts, holds
(week, language) only, with the language confined to the fixed list of codes.
"""
from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import sqlite_utils

from bot.settings import settings

from .vocabulary import CHANNEL_KINDS, Vocabulary
from .weeks import week_check_sql

logger = logging.getLogger("bot.themes")

TABLE = "theme_counts"
# Its own table, never joined to themes: (week, language) only. A rare language next to a
# topic or a channel could point to one person.
LANGUAGE_TABLE = "language_counts"
SCHEMA_VERSION = 2
BUSY_TIMEOUT_SECONDS = 30.0

Key = tuple[str, str, str, str]  # (iso_week, channel_kind, theme, outcome)
LanguageKey = tuple[str, str]  # (iso_week, language)

UPSERT_SQL = (
    f"INSERT INTO {TABLE} (iso_week, channel_kind, theme, outcome, count) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (iso_week, channel_kind, theme, outcome) DO UPDATE SET count = count + excluded.count"
)
LANGUAGE_UPSERT_SQL = (
    f"INSERT INTO {LANGUAGE_TABLE} (iso_week, language, count) VALUES (?, ?, ?) "
    "ON CONFLICT (iso_week, language) DO UPDATE SET count = count + excluded.count"
)


@dataclass
class Counts:
    """Raw counts of one or several databases. For the publishing code only."""
    themes: dict[Key, int] = field(default_factory=dict)
    languages: dict[LanguageKey, int] = field(default_factory=dict)


def default_db_path() -> Path:
    """$SAFE_REPORT_THEMES_DB, else var/themes.db under the root (bot/settings.py)."""
    return settings().themes_db


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


def language_table_sql(vocab: Vocabulary) -> str:
    return (
        f"CREATE TABLE {LANGUAGE_TABLE} (\n"
        f"  iso_week TEXT NOT NULL CHECK {week_check_sql('iso_week')},\n"
        f"  language TEXT NOT NULL CHECK (language IN {in_list_sql(sorted(vocab.languages))}),\n"
        f"  count INTEGER NOT NULL CHECK (count > 0),\n"
        f"  PRIMARY KEY (iso_week, language)\n"
        f") STRICT, WITHOUT ROWID"
    )


def _tables(vocab: Vocabulary) -> dict[str, tuple[str, str]]:
    """name -> (CREATE statement, WHERE clause that keeps the rows still valid after a rebuild)."""
    return {
        TABLE: (raw_table_sql(vocab),
                f"theme IN {in_list_sql(vocab.themes)} AND outcome IN {in_list_sql(vocab.outcomes)} "
                f"AND channel_kind IN {in_list_sql(CHANNEL_KINDS)}"),
        LANGUAGE_TABLE: (language_table_sql(vocab), f"language IN {in_list_sql(vocab.languages)}"),
    }


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


def _current_sql(db: sqlite_utils.Database, table: str) -> str | None:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone()
    return row[0] if row else None


def _rebuild(db: sqlite_utils.Database, table: str, wanted: str, keep_where: str) -> None:
    """Recreate `table` with the new CHECK lists, keeping the rows they still allow."""
    db.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
    db.execute(wanted)
    db.execute(f"INSERT INTO {table} SELECT * FROM {table}_old WHERE {keep_where}")
    dropped = db.execute(f"SELECT count(*) FROM {table}_old").fetchone()[0] - db.execute(
        f"SELECT count(*) FROM {table}").fetchone()[0]
    db.execute(f"DROP TABLE {table}_old")
    if dropped:
        logger.warning("themes mapping changed: %d count rows with retired slugs dropped", dropped)


def ensure_schema(db: sqlite_utils.Database, vocab: Vocabulary) -> None:
    """Create the tables, or rebuild one whose slugs or codes changed (one transaction)."""
    tables = _tables(vocab)
    if all(_current_sql(db, name) == sql for name, (sql, _) in tables.items()):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for name, (wanted, keep_where) in tables.items():
            current = _current_sql(db, name)  # another process may have done it while we waited
            if current is None:
                db.execute(wanted)
            elif current != wanted:
                _rebuild(db, name, wanted, keep_where)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def add_counts(path: Path | str, increments: dict[Key, int], vocab: Vocabulary,
               languages: dict[LanguageKey, int] | None = None) -> None:
    """Add a batch of increments in one transaction; all of it lands or none of it does.

    Called on the flush schedule even with an empty batch: the write then only bumps the header,
    so the file's modification time and change counter follow the timer, not the traffic.
    """
    db = connect(path)
    try:
        ensure_schema(db, vocab)
        rows = [(*key, n) for key, n in sorted(increments.items()) if n > 0]
        language_rows = [(*key, n) for key, n in sorted((languages or {}).items()) if n > 0]
        db.execute("BEGIN IMMEDIATE")
        try:
            db.conn.executemany(UPSERT_SQL, rows)
            db.conn.executemany(LANGUAGE_UPSERT_SQL, language_rows)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    finally:
        db.close()


def _read_one(path: Path) -> Counts:
    counts = Counts()
    if not path.exists():
        return counts
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db = sqlite_utils.Database(conn)
        if db[TABLE].exists():
            counts.themes = {(r["iso_week"], r["channel_kind"], r["theme"], r["outcome"]): r["count"]
                             for r in db.query(f"SELECT iso_week, channel_kind, theme, outcome, count FROM {TABLE}")}
        if db[LANGUAGE_TABLE].exists():
            counts.languages = {(r["iso_week"], r["language"]): r["count"]
                                for r in db.query(f"SELECT iso_week, language, count FROM {LANGUAGE_TABLE}")}
        return counts
    finally:
        conn.close()


def read_all(paths: Path | str | Iterable[Path | str]) -> Counts:
    """The raw counts of one database, or the sums over several (one per machine; see
    docs/deployment.md). Summed BEFORE anything is suppressed: each machine's share is never a
    figure of its own. The same file given twice is refused (it would count twice)."""
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    resolved = [p.resolve() for p in paths]
    if len(set(resolved)) != len(resolved):
        raise ValueError("the same theme database is given more than once")
    total = Counts(Counter(), Counter())
    for path in paths:
        one = _read_one(path)
        total.themes.update(one.themes)
        total.languages.update(one.languages)
    return Counts(dict(total.themes), dict(total.languages))


def read_counts(path: Path | str) -> dict[Key, int]:
    """All raw theme counts of one database. Raw figures are never shown as they are."""
    return read_all(path).themes


def read_language_counts(path: Path | str) -> dict[LanguageKey, int]:
    return read_all(path).languages
