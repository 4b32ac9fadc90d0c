"""The k-suppressed copy that Datasette serves. The raw database is never served.

The export is rebuilt from scratch each time (in a new file, renamed into place) from the
published cells of publish.py only. Its schema makes a small count impossible to store:
`conversations` has CHECK (conversations >= k), and every TEXT column is confined by a CHECK.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from . import store
from .publish import SHOWN, WITHHELD_TEXT, fewer_text, publish_cells
from .store import in_list_sql
from .vocabulary import REPO_ROOT, Vocabulary
from .weeks import last_complete_week, week_check_sql, weeks_between, week_monday

METADATA_TEMPLATE = REPO_ROOT / "bot" / "themes_datasette" / "metadata.yml"
DATABASE_NAME = "themes"
DATASETTE_SETTINGS = {
    "default_allow_sql": False,  # no arbitrary SQL: only tables and the canned queries
    "allow_download": False,
    "allow_csv_stream": False,
    "suggest_facets": False,
}


def export_schema(vocab: Vocabulary, k: int) -> list[str]:
    themes, outcomes = vocab.themes.values(), vocab.outcomes.values()
    shown_as = (f"(shown_as IN {in_list_sql([fewer_text(k), WITHHELD_TEXT])} OR (shown_as GLOB '[1-9]*' "
                f"AND NOT shown_as GLOB '*[^0-9]*' AND length(shown_as) <= 9))")
    label_table = lambda name, labels: (  # noqa: E731
        f"CREATE TABLE {name}s (\n"
        f"  {name} TEXT PRIMARY KEY CHECK ({name} IN {in_list_sql([l.slug for l in labels])}),\n"
        f"  title TEXT NOT NULL CHECK (title IN {in_list_sql([l.title for l in labels])}),\n"
        f"  description TEXT NOT NULL CHECK (description IN {in_list_sql([l.description for l in labels])})\n"
        f") STRICT, WITHOUT ROWID")
    return [
        label_table("theme", themes),
        label_table("outcome", outcomes),
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
        "CREATE TABLE export_info (\n"
        f"  k INTEGER PRIMARY KEY CHECK (k = {int(k)}),\n"
        f"  first_week TEXT CHECK (first_week IS NULL OR {week_check_sql('first_week')}),\n"
        f"  last_week TEXT NOT NULL CHECK {week_check_sql('last_week')}\n"
        ") STRICT, WITHOUT ROWID",
    ]


def export(raw_path: Path | str, out_path: Path | str, k: int, vocab: Vocabulary) -> int:
    """Write the suppressed copy; returns the number of weeks in it."""
    raw = store.read_counts(raw_path)
    last = last_complete_week()
    weeks = sorted({key[0] for key in raw if key[0] <= last})
    span = weeks_between(week_monday(weeks[0]), week_monday(last)) if weeks else []
    cells = publish_cells(raw, k, span, vocab)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".themes-export-", suffix=".db", dir=out_path.parent)
    os.close(fd)
    try:
        db = store.connect(tmp)
        for statement in export_schema(vocab, k):
            db.execute(statement)
        db.conn.executemany("INSERT INTO themes VALUES (?, ?, ?)",
                            [(l.slug, l.title, l.description) for l in vocab.themes.values()])
        db.conn.executemany("INSERT INTO outcomes VALUES (?, ?, ?)",
                            [(l.slug, l.title, l.description) for l in vocab.outcomes.values()])
        db["theme_counts"].insert_all(
            ({"iso_week": c.iso_week, "channel_kind": c.channel_kind, "theme": c.theme, "outcome": c.outcome,
              "conversations": c.value if c.status == SHOWN else None, "shown_as": c.text(k)} for c in cells),
            batch_size=500)
        db["export_info"].insert({"k": k, "first_week": span[0] if span else None, "last_week": last})
        db.execute("VACUUM")
        db.close()
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(span)


def datasette_metadata(vocab: Vocabulary, k: int) -> dict:
    text = METADATA_TEMPLATE.read_text(encoding="utf-8").replace("{k}", str(int(k)))
    metadata = yaml.safe_load(text)
    database = metadata["databases"].pop("themes")
    metadata["databases"][DATABASE_NAME] = database
    columns = database["tables"]["theme_counts"]["columns"]
    columns["theme"] += " " + " ".join(f"{t.slug}: {t.title}." for t in vocab.themes.values())
    columns["outcome"] += " " + " ".join(f"{o.slug}: {o.title}." for o in vocab.outcomes.values())
    return metadata


def make_datasette(export_path: Path | str, vocab: Vocabulary, k: int):
    """The read-only Datasette app over the export: used by `serve` and by the tests alike."""
    from datasette.app import Datasette

    return Datasette(immutables=[str(export_path)], metadata=datasette_metadata(vocab, k),
                     settings=DATASETTE_SETTINGS)


def serve(raw_path: Path | str, export_path: Path | None, k: int, vocab: Vocabulary,
          host: str = "127.0.0.1", port: int = 8001) -> int:
    import uvicorn

    # Datasette names a database after its file: the export is always <folder>/themes.db.
    export_path = Path(export_path or Path(raw_path).parent / "export" / f"{DATABASE_NAME}.db")
    if export_path.stem != DATABASE_NAME:
        raise ValueError(f"the export file must be called {DATABASE_NAME}.db")
    if export_path.resolve() == Path(raw_path).resolve():
        raise ValueError("the export path must not be the raw database")
    weeks = export(raw_path, export_path, k, vocab)
    print(f"Serving {weeks} week(s) of k-suppressed counts (k = {k}) read-only at http://{host}:{port}/")
    # uvicorn directly (not `datasette serve`): no websockets (Rasa pins an old websockets
    # that uvicorn's auto-detection cannot import), and no access log.
    uvicorn.run(make_datasette(export_path, vocab, k).app(), host=host, port=port, ws="none",
                access_log=False, log_level="warning")
    return 0
