"""`python -m bot themes ...`: reports, the k-suppressed export, and the Datasette view.

    report --since DATE [--until DATE] [--k 5] [--html PATH] [--db PATH ...]
    export PATH [--k 5] [--db PATH ...]
    serve [--k 5] [--db PATH ...] [--port 8001]  (make themes)
    demo PATH [--weeks 12]                        synthetic counts for a demonstration only

--db may be given once per machine: their counts are summed first, then suppressed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import store
from .vocabulary import load_vocabulary
from .weeks import last_complete_week, parse_day_or_week, utc_now, week_monday


def _k(text: str) -> int:
    k = int(text)
    if k < 2:
        raise argparse.ArgumentTypeError("k must be at least 2")
    return k


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot themes", description="Anonymised conversation themes.")
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, action="append", default=None,
                        help="raw counts database (default: $SAFE_REPORT_THEMES_DB or var/themes.db); "
                             "give it once per machine to report on several, summed before anything is hidden")
    common.add_argument("--k", type=_k, default=5, help="hide counts below k (default 5)")
    r = sub.add_parser("report", parents=[common], help="table of themes by week, and an HTML report")
    r.add_argument("--since", required=True, help="first day (YYYY-MM-DD) or ISO week (2026-W40)")
    r.add_argument("--until", default=None, help="last day or ISO week (default: the last complete week)")
    r.add_argument("--html", type=Path, default=None, help="also write a self-contained HTML report here")
    e = sub.add_parser("export", parents=[common], help="write the k-suppressed copy for Datasette")
    e.add_argument("path", type=Path)
    s = sub.add_parser("serve", parents=[common], help="export, then serve it read-only with Datasette")
    s.add_argument("--export-path", type=Path, default=None,
                   help="where to write the export (default: export/themes.db beside the first --db)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8001)
    d = sub.add_parser("demo", help="fill a NEW database with synthetic counts (demonstration only)")
    d.add_argument("path", type=Path)
    d.add_argument("--weeks", type=int, default=12)
    return p


def _databases(given: list[Path] | None) -> list[Path]:
    """The databases to read: the default one, or every one given (each must exist: a mistyped
    path would silently leave a machine's counts out of the total)."""
    if not given:
        return [store.default_db_path()]
    missing = [str(p) for p in given if not p.is_file()]
    if missing:
        raise ValueError(f"no such theme database: {', '.join(missing)}")
    return given


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    vocab = load_vocabulary()
    try:
        db_paths = _databases(getattr(args, "db", None))
        if args.command == "report":
            from .report import build_report, render_html, render_text
            since = parse_day_or_week(args.since)
            until = parse_day_or_week(args.until, end=True) if args.until else None
            report = build_report(db_paths, since, until, args.k, vocab)
            sys.stdout.write(render_text(report))
            if args.html:
                args.html.parent.mkdir(parents=True, exist_ok=True)
                args.html.write_text(render_html(report, generated=utc_now().date()), encoding="utf-8")
                print(f"\nHTML report written to {args.html}")
            return 0
        if args.command == "export":
            from .export import export
            weeks = export(db_paths, args.path, args.k, vocab)
            print(f"Exported {weeks} complete week(s) with k = {args.k} to {args.path}")
            return 0
        if args.command == "serve":
            from .export import serve
            return serve(db_paths, args.export_path, args.k, vocab, host=args.host, port=args.port)
        if args.command == "demo":
            from .demo import fill_demo
            if args.path.exists():
                print(f"{args.path} exists; the demo only fills a new database", file=sys.stderr)
                return 2
            fill_demo(args.path, vocab, week_monday(last_complete_week()), weeks=args.weeks)
            print(f"Synthetic demonstration counts for {args.weeks} weeks written to {args.path}")
            return 0
    except ValueError as exc:  # bad dates or ranges: say what is wrong, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
