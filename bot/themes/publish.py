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
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .store import Key
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


def totals_over_weeks(cells: list[Cell], channel_kind: str = ALL_CHANNELS) -> dict[tuple[str, str], Total]:
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for cell in cells:
        if cell.channel_kind != channel_kind:
            continue
        acc = sums[(cell.theme, cell.outcome)]
        if cell.status == SHOWN:
            acc[0] += cell.value
        else:
            acc[1] += 1
    return {key: Total(s, h) for key, (s, h) in sums.items()}
