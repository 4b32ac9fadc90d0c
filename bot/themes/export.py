"""The k-suppressed copy that Datasette serves. The raw database is never served.

The export is rebuilt from scratch each time (in a new file, renamed into place) from the
published cells of publish.py only. Its schema makes a small count impossible to store:
`conversations` has CHECK (conversations >= k), and every TEXT column is confined by a CHECK.
"""
from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import yaml

from . import store
from .publish import SHOWN, WITHHELD_TEXT, fewer_text, publish_cells, publish_language_cells
from .store import in_list_sql
from .vocabulary import Vocabulary
from .weeks import last_complete_week, week_check_sql, weeks_between, week_monday

# Package data, shipped beside this module (not project data under the root).
METADATA_TEMPLATE = Path(__file__).with_name("datasette.yml")
DATABASE_NAME = "themes"
DATASETTE_SETTINGS = {
    "default_allow_sql": False,  # no arbitrary SQL: only tables and the canned queries
    "allow_download": False,
    "allow_csv_stream": False,
    "suggest_facets": False,
}


def _label_table(name: str, labels) -> str:
    return (f"CREATE TABLE {name}s (\n"
            f"  {name} TEXT PRIMARY KEY CHECK ({name} IN {in_list_sql([label.slug for label in labels])}),\n"
            f"  title TEXT NOT NULL CHECK (title IN {in_list_sql([label.title for label in labels])}),\n"
            f"  description TEXT NOT NULL CHECK (description IN {in_list_sql([label.description for label in labels])})\n"
            f") STRICT, WITHOUT ROWID")


def export_schema(vocab: Vocabulary, k: int) -> list[str]:
    number = "(shown_as GLOB '[1-9]*' AND NOT shown_as GLOB '*[^0-9]*' AND length(shown_as) <= 9)"
    shown_as = f"(shown_as IN {in_list_sql([fewer_text(k), WITHHELD_TEXT])} OR {number})"
    language_shown_as = f"(shown_as IN {in_list_sql([fewer_text(k)])} OR {number})"  # never split: never withheld
    return [
        _label_table("theme", vocab.themes.values()),
        _label_table("outcome", vocab.outcomes.values()),
        _label_table("language", vocab.languages.values()),
        "CREATE TABLE theme_counts (\n"
        f"  iso_week TEXT NOT NULL CHECK {week_check_sql('iso_week')},\n"
        "  channel_kind TEXT NOT NULL CHECK (channel_kind IN ('all', 'webchat', 'twilio')),\n"
        f"  theme TEXT NOT NULL REFERENCES themes(theme) CHECK (theme IN {in_list_sql(vocab.themes)}),\n"
        f"  outcome TEXT NOT NULL REFERENCES outcomes(outcome) CHECK (outcome IN {in_list_sql(vocab.outcomes)}),\n"
        f"  conversations INTEGER CHECK (conversations IS NULL OR conversations >= {int(k)}),\n"
        f"  shown_as TEXT NOT NULL CHECK {shown_as},\n"
        "  CHECK ((conversations IS NULL) = (shown_as NOT GLOB '[1-9]*')),\n"
        "  PRIMARY KEY (iso_week, channel_kind, theme, outcome)\n"
        ") STRICT, WITHOUT ROWID",
        # (week, language) only: no theme, outcome or channel column, and no join key to them.
        "CREATE TABLE language_counts (\n"
        f"  iso_week TEXT NOT NULL CHECK {week_check_sql('iso_week')},\n"
        f"  language TEXT NOT NULL REFERENCES languages(language) CHECK (language IN {in_list_sql(vocab.languages)}),\n"
        f"  conversations INTEGER CHECK (conversations IS NULL OR conversations >= {int(k)}),\n"
        f"  shown_as TEXT NOT NULL CHECK {language_shown_as},\n"
        "  CHECK ((conversations IS NULL) = (shown_as NOT GLOB '[1-9]*')),\n"
        "  PRIMARY KEY (iso_week, language)\n"
        ") STRICT, WITHOUT ROWID",
        "CREATE TABLE export_info (\n"
        f"  k INTEGER PRIMARY KEY CHECK (k = {int(k)}),\n"
        f"  first_week TEXT CHECK (first_week IS NULL OR {week_check_sql('first_week')}),\n"
        f"  last_week TEXT NOT NULL CHECK {week_check_sql('last_week')}\n"
        ") STRICT, WITHOUT ROWID",
    ]


def export(raw_paths: Path | str | list[Path], out_path: Path | str, k: int, vocab: Vocabulary,
           now: datetime | None = None) -> int:
    """Write the suppressed copy of one database, or of several summed first; returns the
    number of weeks in it. `now` (tests only) sets which weeks are over."""
    raw = store.read_all(raw_paths)
    last = last_complete_week(now)
    weeks = sorted({key[0] for key in [*raw.themes, *raw.languages] if key[0] <= last})
    span = weeks_between(week_monday(weeks[0]), week_monday(last)) if weeks else []
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".themes-export-", suffix=".db", dir=out_path.parent)
    os.close(fd)
    try:
        db = store.connect(tmp)
        for statement in export_schema(vocab, k):
            db.execute(statement)
        _insert_published(db, raw, k, span, vocab)
        db["export_info"].insert({"k": k, "first_week": span[0] if span else None, "last_week": last})
        db.execute("VACUUM")
        db.close()
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(span)


def _insert_published(db, raw: store.Counts, k: int, span: list[str], vocab: Vocabulary) -> None:
    """The label tables and the published cells only: no raw figure is ever written here."""
    for table, labels in (("themes", vocab.themes), ("outcomes", vocab.outcomes), ("languages", vocab.languages)):
        db.conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)",
                            [(label.slug, label.title, label.description) for label in labels.values()])
    db["theme_counts"].insert_all(
        ({"iso_week": c.iso_week, "channel_kind": c.channel_kind, "theme": c.theme, "outcome": c.outcome,
          "conversations": c.value if c.status == SHOWN else None, "shown_as": c.text(k)}
         for c in publish_cells(raw.themes, k, span, vocab)), batch_size=500)
    db["language_counts"].insert_all(
        ({"iso_week": c.iso_week, "language": c.language,
          "conversations": c.value if c.status == SHOWN else None, "shown_as": c.text(k)}
         for c in publish_language_cells(raw.languages, k, span, vocab)), batch_size=500)


def datasette_metadata(vocab: Vocabulary, k: int) -> dict:
    text = METADATA_TEMPLATE.read_text(encoding="utf-8").replace("{k}", str(int(k)))
    metadata = yaml.safe_load(text)
    database = metadata["databases"].pop("themes")
    metadata["databases"][DATABASE_NAME] = database
    columns = database["tables"]["theme_counts"]["columns"]
    columns["theme"] += " " + " ".join(f"{t.slug}: {t.title}." for t in vocab.themes.values())
    columns["outcome"] += " " + " ".join(f"{o.slug}: {o.title}." for o in vocab.outcomes.values())
    language_columns = database["tables"]["language_counts"]["columns"]
    language_columns["language"] += " " + " ".join(f"{c.slug}: {c.title}." for c in vocab.languages.values())
    return metadata


def make_datasette(export_path: Path | str, vocab: Vocabulary, k: int):
    """The read-only Datasette app over the export: used by `serve` and by the tests alike."""
    from datasette.app import Datasette

    return Datasette(immutables=[str(export_path)], metadata=datasette_metadata(vocab, k),
                     settings=DATASETTE_SETTINGS)


def serve(raw_paths: Path | str | list[Path], export_path: Path | None, k: int, vocab: Vocabulary,
          host: str = "127.0.0.1", port: int = 8001) -> int:
    import uvicorn

    raw_paths = [Path(raw_paths)] if isinstance(raw_paths, (str, Path)) else [Path(p) for p in raw_paths]
    # Datasette names a database after its file: the export is always <folder>/themes.db.
    export_path = Path(export_path or raw_paths[0].parent / "export" / f"{DATABASE_NAME}.db")
    if export_path.stem != DATABASE_NAME:
        raise ValueError(f"the export file must be called {DATABASE_NAME}.db")
    if any(export_path.resolve() == p.resolve() for p in raw_paths):
        raise ValueError("the export path must not be a raw database")
    weeks = export(raw_paths, export_path, k, vocab)
    print(f"Serving {weeks} week(s) of k-suppressed counts (k = {k}) read-only at http://{host}:{port}/")
    # uvicorn directly (not `datasette serve`): no websockets (Rasa pins an old websockets
    # that uvicorn's auto-detection cannot import), and no access log.
    uvicorn.run(make_datasette(export_path, vocab, k).app(), host=host, port=port, ws="none",
                access_log=False, log_level="warning")
    return 0
