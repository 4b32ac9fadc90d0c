"""The translation files of one checkout, and what the script and the tests do with them:
write the template, merge it into every language, write the status report, check everything."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Tuple

from bot import resources
from bot.i18n import languages, pofiles, report, review
from bot.i18n.protected import problems
from bot.i18n.source import SourceEntry, english_entries


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def translations_dir(self) -> Path:
        return self.root / "data" / "translations"

    @property
    def status_file(self) -> Path:
        return self.root / "docs" / "translations-status.md"

    def entries(self) -> List[SourceEntry]:
        return english_entries(self.root / "domain.yml")

    def languages(self) -> Tuple[languages.Language, ...]:
        return languages.translated(languages.load(self.root / "data" / "languages.yml"))

    def directory_names(self) -> List[str]:
        return [r.name for r in resources.load(str(self.root / "data" / "resources.yml"))]

    def template_text(self) -> str:
        return str(pofiles.template(self.entries(), self.directory_names())) + "\n"

    def merged_text(self, code: str) -> str:
        """What the PO file of `code` should contain after `update`."""
        path = pofiles.po_path(self.translations_dir, code)
        po = pofiles.load(path) if path.exists() else pofiles.new_catalog(code)
        pofiles.merge(po, pofiles.template(self.entries(), self.directory_names()), code)
        return str(po) + "\n"

    def states(self) -> List[Tuple[str, Dict[str, str]]]:
        return report.language_states(self.translations_dir, self.languages(), self.entries())

    def status_text(self) -> str:
        return report.markdown(self.states())

    def update(self) -> List[Path]:
        """Write the template, every language's merged PO file and the status report."""
        self.translations_dir.mkdir(parents=True, exist_ok=True)
        written = {pofiles.template_path(self.translations_dir): self.template_text()}
        for language in self.languages():
            written[pofiles.po_path(self.translations_dir, language.code)] = self.merged_text(language.code)
        for path, text in written.items():
            path.write_text(text, encoding="utf-8")
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        self.status_file.write_text(self.status_text(), encoding="utf-8")
        return [*written, self.status_file]

    def problems(self) -> List[str]:
        """Every safety or format problem in the translations, as 'file context: problem'."""
        english = {entry.context: entry.text for entry in self.entries()}
        names = self.directory_names()
        found = []
        for language in self.languages():
            path = pofiles.po_path(self.translations_dir, language.code)
            if not path.exists():
                continue
            for entry in pofiles.load(path):
                where = f"{path.name} {entry.msgctxt}"
                found += [f"{where}: {p}" for p in review.comment_problems(entry)]
                source = _translated_from(entry, english.get(entry.msgctxt))
                if source is not None:
                    found += [f"{where}: {p}" for p in problems(source, entry.msgstr, names)]
        return found


def _translated_from(entry, english):
    """The English a translation must match: the current one, or for a stale entry the one it
    was translated from (its #| msgid). None when there is nothing to compare."""
    if not entry.msgstr or entry.obsolete or english is None:
        return None
    if review.state(entry, english) == review.STALE:
        return entry.previous_msgid or (entry.msgid if entry.msgid != english else None)
    return english
