"""k-anonymous figures: the only way raw theme counts ever leave bot/themes.

The rule that makes every view safe against subtraction: the only figures computed from raw
counts are the weekly cells below. Every other figure (a total over weeks, a chart, a Datasette
query) is a sum of cells that are themselves shown, so a hidden cell contributes to nothing.

Weekly cells, per (week, theme, outcome):
- "all channels": shown if at least k conversations, else "fewer than k";
- per channel kind: all channels = webchat + twilio, so a per-channel figure is shown only when
  no channel has between 1 and k-1 conversations; otherwise every channel's figure is
  "withheld" (the all-channels figure minus a shown channel would give the hidden one).
Only complete weeks are published (weeks.last_complete_week).

Languages are a table of their own, per (week, language) only: shown if at least k, else
"fewer than k". Language is never crossed with theme, outcome or channel (a rare language next
to a topic could point to one person), and no total of all languages is ever published, so a
hidden language cannot be found by subtracting the shown ones from it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from .store import Key, LanguageKey
from .vocabulary import CHANNEL_KINDS, Vocabulary

ALL_CHANNELS = "all"
SHOWN, FEWER, WITHHELD = "shown", "fewer", "withheld"
WITHHELD_TEXT = "withheld (split by channel would reveal a small count)"


def fewer_text(k: int) -> str:
    return f"fewer than {k}"


@dataclass(frozen=True)
class Cell:
    iso_week: str
    channel_kind: str  # "all", "webchat" or "twilio"
    theme: str
    outcome: str
    status: str  # SHOWN, FEWER or WITHHELD
    value: int | None  # None unless SHOWN

    def text(self, k: int) -> str:
        if self.status == SHOWN:
            return str(self.value)
        return fewer_text(k) if self.status == FEWER else WITHHELD_TEXT


def publish_cells(raw: dict[Key, int], k: int, weeks: list[str], vocab: Vocabulary) -> list[Cell]:
    """The published weekly cells for the given (complete) weeks. Zero cells are left out."""
    if k < 2:
        raise ValueError("k must be at least 2")
    wanted = set(weeks)
    lines: dict[tuple[str, str, str], dict[str, int]] = defaultdict(dict)
    for (week, channel, theme, outcome), count in raw.items():
        if week in wanted and theme in vocab.themes and outcome in vocab.outcomes and count > 0:
            lines[(week, theme, outcome)][channel] = count
    cells: list[Cell] = []
    for (week, theme, outcome), by_channel in sorted(lines.items()):
        total = sum(by_channel.values())
        if total < k:
            cells.append(Cell(week, ALL_CHANNELS, theme, outcome, FEWER, None))
            cells.extend(Cell(week, ch, theme, outcome, FEWER, None) for ch in CHANNEL_KINDS if by_channel.get(ch))
            continue
        cells.append(Cell(week, ALL_CHANNELS, theme, outcome, SHOWN, total))
        if any(0 < by_channel.get(ch, 0) < k for ch in CHANNEL_KINDS):
            cells.extend(Cell(week, ch, theme, outcome, WITHHELD, None) for ch in CHANNEL_KINDS)
        else:
            cells.extend(
                Cell(week, ch, theme, outcome, SHOWN, by_channel[ch]) for ch in CHANNEL_KINDS if by_channel.get(ch)
            )
    return cells


@dataclass(frozen=True)
class Total:
    """A sum over weeks of the cells that are shown; hidden weeks are counted, never added."""
    shown_sum: int
    hidden_weeks: int

    def text(self, k: int) -> str:
        if not self.hidden_weeks:
            return str(self.shown_sum)
        weeks = "1 week" if self.hidden_weeks == 1 else f"{self.hidden_weeks} weeks"
        if not self.shown_sum:
            return f"{fewer_text(k)} in each of {weeks}"
        return f"at least {self.shown_sum}; {weeks} {fewer_text(k)}"


def _add_up(cells: Iterable[Cell | LanguageCell], key: Callable) -> dict:
    """Totals over weeks: the shown cells added, the hidden weeks counted, per key(cell)."""
    sums: dict = defaultdict(lambda: [0, 0])
    for cell in cells:
        acc = sums[key(cell)]
        if cell.status == SHOWN:
            acc[0] += cell.value
        else:
            acc[1] += 1
    return {k: Total(s, h) for k, (s, h) in sums.items()}


def totals_over_weeks(cells: list[Cell], channel_kind: str = ALL_CHANNELS) -> dict[tuple[str, str], Total]:
    return _add_up((c for c in cells if c.channel_kind == channel_kind), lambda c: (c.theme, c.outcome))


@dataclass(frozen=True)
class LanguageCell:
    iso_week: str
    language: str
    status: str  # SHOWN or FEWER
    value: int | None  # None unless SHOWN

    def text(self, k: int) -> str:
        return str(self.value) if self.status == SHOWN else fewer_text(k)


def publish_language_cells(raw: dict[LanguageKey, int], k: int, weeks: list[str],
                           vocab: Vocabulary) -> list[LanguageCell]:
    """The published weekly (week, language) cells. Zero cells are left out."""
    if k < 2:
        raise ValueError("k must be at least 2")
    wanted = set(weeks)
    return [LanguageCell(week, language, SHOWN, count) if count >= k else LanguageCell(week, language, FEWER, None)
            for (week, language), count in sorted(raw.items())
            if week in wanted and language in vocab.languages and count > 0]


def language_totals(cells: list[LanguageCell]) -> dict[str, Total]:
    return _add_up(cells, lambda c: c.language)
