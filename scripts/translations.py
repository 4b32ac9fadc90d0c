"""Keep the translations in step with the English (domain.yml), and check them.

  .venv/bin/python scripts/translations.py extract   # data/translations/safe-report.pot
  .venv/bin/python scripts/translations.py update    # extract, merge into every <code>.po,
                                                     # write docs/translations-status.md
  .venv/bin/python scripts/translations.py status    # print the review status table
  .venv/bin/python scripts/translations.py check     # safety and format problems (exit 1 if
                                                     # any), and the stale entries
Run `update` after every change to the English in domain.yml, and commit what it writes.
How translators work with the files: docs/translations.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.i18n import pofiles, report  # noqa: E402
from bot.i18n.workspace import Workspace  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["extract", "update", "status", "check"])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    args = parser.parse_args(argv)
    workspace = Workspace(args.root.resolve())
    if args.command == "extract":
        path = pofiles.template_path(workspace.translations_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(workspace.template_text(), encoding="utf-8")
        print(f"wrote {path.relative_to(workspace.root)}")
    elif args.command == "update":
        for path in workspace.update():
            print(f"wrote {path.relative_to(workspace.root)}")
    elif args.command == "status":
        print(workspace.status_text())
    else:
        found = workspace.problems()
        for line in found + [f"stale: {item}" for item in report.stale(workspace.states())]:
            print(line)
        if found:
            print(f"{len(found)} problem(s): fix them, then run the check again.", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
