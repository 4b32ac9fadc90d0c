"""Support-worker report: a terminal table and a self-contained HTML page (inline SVG, no JS).

Every figure comes from publish.py: weekly cells with small counts hidden, and totals that add
only shown cells. Whole ISO weeks only; the range is widened to whole weeks and cut at the last
complete week (weeks.last_complete_week).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from . import store
from .publish import (ALL_CHANNELS, SHOWN, Cell, LanguageCell, Total, fewer_text, language_totals,
                      publish_cells, publish_language_cells, totals_over_weeks)
from .vocabulary import THEME_RAISED, Vocabulary
from .weeks import last_complete_week, week_monday, weeks_between

PALETTE = ["#1b6ca8", "#d1495b", "#2e933c", "#8d5a97", "#e0a100", "#00798c", "#a05c34",
           "#5c6b73", "#c2185b", "#3d5a80", "#6a994e", "#bc4749"]


@dataclass
class Report:
    k: int
    weeks: list[str]
    cells: list[Cell]
    vocab: Vocabulary
    notes: list[str] = field(default_factory=list)
    language_cells: list[LanguageCell] = field(default_factory=list)

    def cell(self, week: str, theme: str, outcome: str = THEME_RAISED, channel: str = ALL_CHANNELS) -> Cell | None:
        return self._index.get((week, channel, theme, outcome))

    def __post_init__(self):
        self._index = {(c.iso_week, c.channel_kind, c.theme, c.outcome): c for c in self.cells}
        self.totals: dict[tuple[str, str], Total] = totals_over_weeks(self.cells)
        self._language_index = {(c.iso_week, c.language): c for c in self.language_cells}
        self.language_totals: dict[str, Total] = language_totals(self.language_cells)

    def themes_in_order(self) -> list[str]:
        """Themes with any figure, most conversations shown first."""
        present = {c.theme for c in self.cells}
        return sorted(present, key=lambda t: (-self.totals.get((t, THEME_RAISED), Total(0, 0)).shown_sum,
                                              self.vocab.themes[t].title))

    def cell_text(self, week: str, theme: str, outcome: str = THEME_RAISED) -> str:
        c = self.cell(week, theme, outcome)
        return c.text(self.k) if c else "0"

    def languages_in_order(self) -> list[str]:
        """Languages with any figure, in the order of the language list."""
        present = {c.language for c in self.language_cells}
        return [code for code in self.vocab.languages if code in present]

    def language_cell(self, week: str, language: str) -> LanguageCell | None:
        return self._language_index.get((week, language))

    def language_text(self, week: str, language: str) -> str:
        c = self.language_cell(week, language)
        return c.text(self.k) if c else "0"


def build_report(db_paths: Path | str | list[Path], since: date, until: date | None, k: int, vocab: Vocabulary,
                 now: datetime | None = None) -> Report:
    """The report over one database, or over several summed before anything is hidden."""
    last_week = last_complete_week(now)
    notes = []
    first = since - timedelta(days=since.weekday())
    last_sunday = week_monday(last_week) + timedelta(days=6)
    if until is None:  # up to the latest complete week
        last = max(last_sunday, first - timedelta(days=1))
        if first != since:
            notes.append(f"Widened to whole weeks: from {first.isoformat()} (Monday).")
    else:
        if until < since:
            raise ValueError("--until is before --since")
        last = until + timedelta(days=6 - until.weekday())
        if first != since or last != until:
            notes.append(f"Widened to whole weeks: {first.isoformat()} (Monday) to {last.isoformat()} (Sunday).")
    if last > last_sunday:
        last = last_sunday
        notes.append(f"Weeks after {last_week} are not shown yet: a week is shown only once it is over.")
    if last < first:
        raise ValueError(f"no complete week in that range yet (the latest complete week is {last_week})")
    weeks = weeks_between(first, last)
    raw = store.read_all(db_paths)
    if isinstance(db_paths, (list, tuple)) and len(db_paths) > 1:
        notes.append(f"Counts of {len(db_paths)} databases (one per machine), added up before anything was hidden.")
    return Report(k=k, weeks=weeks, cells=publish_cells(raw.themes, k, weeks, vocab), vocab=vocab, notes=notes,
                  language_cells=publish_language_cells(raw.languages, k, weeks, vocab))


# -- terminal --------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))  # noqa: E731
    return [fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in rows]]


def render_text(report: Report, weeks_per_block: int = 6) -> str:
    k = report.k
    out = [
        f"Safe Report: conversation themes, {report.weeks[0]} to {report.weeks[-1]}"
        f" ({week_monday(report.weeks[0])} to {week_monday(report.weeks[-1]) + timedelta(days=6)}, weeks Monday to Sunday, UTC)",
        f"k = {k}: counts below {k} are shown as \"{fewer_text(k)}\". Totals add only the figures shown.",
        "Each conversation counts once per theme; one conversation can raise several themes.",
        *report.notes, "",
    ]
    out += _text_themes(report, weeks_per_block)
    out += ["", *_text_languages(report, weeks_per_block)]
    return "\n".join(out) + "\n"


def _text_by_week(report: Report, labels: list[str], cell_text, total_text, first: str,
                  weeks_per_block: int) -> list[str]:
    """Rows of labels by week, in blocks of weeks; the last block ends with the total."""
    out: list[str] = []
    for start in range(0, len(report.weeks), weeks_per_block):
        block = report.weeks[start:start + weeks_per_block]
        last_block = start + weeks_per_block >= len(report.weeks)
        header = [first, *block] + (["Total"] if last_block else [])
        rows = [[label, *[cell_text(w, key) for w in block]] + ([total_text(key)] if last_block else [])
                for key, label in labels]
        out += [*_table(header, rows), ""]
    return out


def _text_themes(report: Report, weeks_per_block: int) -> list[str]:
    v, k = report.vocab, report.k
    themes = report.themes_in_order()
    if not themes:
        return ["No conversations raised a theme in these weeks."]
    out = ["Conversations that raised each theme, by week (all channels)"]
    out += _text_by_week(report, [(t, v.themes[t].title) for t in themes], report.cell_text,
                         lambda t: report.totals.get((t, THEME_RAISED), Total(0, 0)).text(k), "Theme", weeks_per_block)
    out.append(f"What the assistant gave, by theme ({report.weeks[0]} to {report.weeks[-1]}, all channels)")
    rows = []
    for t in themes:
        for o in v.outcomes:
            total = report.totals.get((t, o))
            if total:
                label = v.themes[t].title if o == THEME_RAISED else "    " + v.outcomes[o].title
                rows.append([label, total.text(k)])
    return out + _table(["Theme / outcome", "Conversations"], rows)


def _text_languages(report: Report, weeks_per_block: int) -> list[str]:
    languages = report.languages_in_order()
    if not languages:
        return ["No conversation had a detected language in these weeks."]
    out = ["Conversations in each language, by week (a table of its own: never split by theme or channel)"]
    return out + _text_by_week(report, [(c, report.vocab.languages[c].title) for c in languages],
                               report.language_text, lambda c: report.language_totals[c].text(report.k),
                               "Language", weeks_per_block)


# -- HTML ------------------------------------------------------------------------------------
def _nice_max(value: float) -> int:
    if value <= 0:
        return 10
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return int(math.ceil(step * magnitude))
    return int(10 * magnitude)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _line_chart(report: Report, themes: list[str]) -> str:
    width, height, left, right, top, bottom = 1080, 340, 56, 16, 16, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    shown = [c.value for c in report.cells if c.status == SHOWN and c.channel_kind == ALL_CHANNELS
             and c.outcome == THEME_RAISED and c.theme in themes]
    y_max = _nice_max(max(shown + [report.k * 2]))
    n = len(report.weeks)
    x = lambda i: left + (plot_w * (i + 0.5) / n)  # noqa: E731
    y = lambda val: top + plot_h - plot_h * val / y_max  # noqa: E731
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Conversations that raised each theme, by week">']
    band_top = y(report.k)
    parts.append(f'<rect x="{left}" y="{band_top:.1f}" width="{plot_w}" height="{y(0) - band_top:.1f}" class="band">'
                 f'<title>{_esc(fewer_text(report.k))}: exact figures are hidden</title></rect>')
    for tick in range(0, 5):
        val = y_max * tick / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(val):.1f}" y2="{y(val):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(val) + 4:.1f}" class="axis" text-anchor="end">{val:g}</text>')
    label_every = max(1, math.ceil(n / 12))
    for i, week in enumerate(report.weeks):
        if i % label_every == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" class="axis" text-anchor="middle">{week[2:]}</text>')
    for idx, theme in enumerate(themes):
        colour = PALETTE[idx % len(PALETTE)]
        title = _esc(report.vocab.themes[theme].title)
        points = []
        for week in report.weeks:
            c = report.cell(week, theme)
            points.append(("shown", 0) if c is None else (("shown", c.value) if c.status == SHOWN else ("hidden", None)))
        segment: list[str] = []
        for i, (kind, val) in enumerate(points + [("end", None)]):
            if kind == "shown":
                segment.append(f"{x(i):.1f},{y(val):.1f}")
                continue
            if len(segment) > 1:
                parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            segment = []
        for i, (kind, val) in enumerate(points):
            week = report.weeks[i]
            if kind == "shown":
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(val):.1f}" r="3.5" fill="{colour}">'
                             f'<title>{title}, {week}: {val}</title></circle>')
            else:
                parts.append(f'<circle cx="{x(i):.1f}" cy="{(band_top + y(0)) / 2:.1f}" r="4" fill="white" '
                             f'stroke="{colour}" stroke-width="2"><title>{title}, {week}: '
                             f'{_esc(fewer_text(report.k))}</title></circle>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>'
                     f'{_esc(report.vocab.themes[t].title)}</span>' for i, t in enumerate(themes))
    legend += (f'<span class="key"><span class="swatch band-key"></span>shaded band, open circle: '
               f'{_esc(fewer_text(report.k))}</span>')
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _bar_chart(report: Report, theme: str, colour: str) -> str:
    width, height, left, bottom, top = 340, 150, 30, 22, 10
    plot_w, plot_h = width - left - 6, height - top - bottom
    cells = [report.cell(w, theme) for w in report.weeks]
    values = [c.value for c in cells if c and c.status == SHOWN]
    y_max = _nice_max(max(values + [report.k * 2]))
    n = len(report.weeks)
    bar_w = plot_w / n
    y = lambda val: top + plot_h - plot_h * val / y_max  # noqa: E731
    title = _esc(report.vocab.themes[theme].title)
    parts = [f'<svg class="mini" viewBox="0 0 {width} {height}" role="img" aria-label="{title} by week">',
             f'<line x1="{left}" x2="{width - 6}" y1="{y(0):.1f}" y2="{y(0):.1f}" class="grid"/>',
             f'<text x="{left - 4}" y="{y(y_max) + 8:.1f}" class="axis" text-anchor="end">{y_max}</text>',
             f'<text x="{left - 4}" y="{y(0):.1f}" class="axis" text-anchor="end">0</text>']
    for i, (week, c) in enumerate(zip(report.weeks, cells)):
        bx = left + i * bar_w + bar_w * 0.12
        bw = bar_w * 0.76
        if c is not None and c.status == SHOWN:
            parts.append(f'<rect x="{bx:.1f}" y="{y(c.value):.1f}" width="{bw:.1f}" height="{y(0) - y(c.value):.1f}" '
                         f'fill="{colour}"><title>{week}: {c.value}</title></rect>')
        elif c is not None:
            parts.append(f'<rect x="{bx:.1f}" y="{y(report.k):.1f}" width="{bw:.1f}" height="{y(0) - y(report.k):.1f}" '
                         f'fill="url(#hatch)" stroke="{colour}" stroke-dasharray="2 2"><title>{week}: '
                         f'{_esc(fewer_text(report.k))}</title></rect>')
    for i in (0, n - 1) if n > 1 else (0,):
        parts.append(f'<text x="{left + (i + 0.5) * bar_w:.1f}" y="{height - 6}" class="axis" text-anchor="middle">'
                     f'{report.weeks[i][2:]}</text>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1120px;
color:#1d1d1f;padding:0 16px;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:4px}h2{font-size:1.15rem;margin-top:32px}
.lede{color:#444;margin-top:0}.note{background:#f3f6fa;border-left:4px solid #1b6ca8;padding:10px 14px;margin:16px 0}
.chart{width:100%;height:auto}.mini{width:100%;height:auto}
.grid{stroke:#ddd;stroke-width:1}.axis{font-size:11px;fill:#555}.band{fill:#eceff3}
.band-key{background:#dfe3e8;height:10px}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;font-size:13px;margin:6px 0 0 56px}
.key{display:inline-flex;align-items:center;gap:6px}.swatch{width:14px;height:4px;display:inline-block}
.grid3{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}
.card{border:1px solid #e3e3e3;border-radius:6px;padding:8px 10px}.card h3{font-size:.9rem;margin:0 0 4px}
table{border-collapse:collapse;font-size:13px;margin-top:8px}
th,td{border-bottom:1px solid #e6e6e6;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}td.hidden{color:#777;font-style:italic}td.sub{padding-left:24px}
tr.theme td{font-weight:600;background:#fafafa}
@media print{.grid3{grid-template-columns:repeat(2,1fr)}}
"""


def render_html(report: Report, generated: date | None = None) -> str:
    k = report.k
    first_day = week_monday(report.weeks[0])
    last_day = week_monday(report.weeks[-1]) + timedelta(days=6)
    head = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="referrer" content="no-referrer">'
            f'<title>Safe Report: conversation themes {report.weeks[0]} to {report.weeks[-1]}</title>'
            f'<style>{CSS}</style></head><body>')
    body = [f'<h1>Conversation themes, {report.weeks[0]} to {report.weeks[-1]}</h1>',
            f'<p class="lede">{first_day:%d %B %Y} to {last_day:%d %B %Y} (weeks Monday to Sunday, UTC), all channels'
            f'{f", generated {generated.isoformat()}" if generated else ""}.</p>',
            '<div class="note">These are counts of anonymous conversations, never people or messages. '
            'Each conversation counts once per theme and can raise several themes. '
            f'<strong>Counts below {k} are shown as &ldquo;{_esc(fewer_text(k))}&rdquo;</strong> (shaded in the charts), '
            'and totals add only the figures shown, so a hidden figure cannot be worked out by subtraction.'
            + "".join(f"<br>{_esc(n)}" for n in report.notes) + '</div>', SVG_DEFS]
    body += _html_themes(report) + _html_languages(report)
    body.append('</body></html>')
    return head + "".join(body)


SVG_DEFS = ('<svg width="0" height="0" style="position:absolute"><defs><pattern id="hatch" width="6" height="6" '
            'patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff3"/>'
            '<line x1="0" y1="0" x2="0" y2="6" stroke="#b8bec6" stroke-width="2"/></pattern></defs></svg>')


def _html_row(label: str, description: str, texts: list[tuple[str, bool]]) -> str:
    """One table row: the label (with its description on hover), then (text, hidden) cells."""
    hidden_class = ' class="hidden"'
    cells = "".join(f'<td{hidden_class if hidden else ""}>{_esc(text)}</td>' for text, hidden in texts)
    return f'<tr><td title="{_esc(description)}">{_esc(label)}</td>{cells}</tr>'


def _html_themes(report: Report) -> list[str]:
    v, k = report.vocab, report.k
    themes = report.themes_in_order()
    if not themes:
        return ["<p>No conversations raised a theme in these weeks.</p>"]
    top = themes[:8]
    body = [f'<h2>Themes over time</h2><p class="lede">Conversations that raised each theme, by week'
            f'{" (the eight largest themes; all themes are in the table below)" if len(themes) > 8 else ""}.</p>',
            _line_chart(report, top), '<h2>Each theme by week</h2><div class="grid3">']
    body += [f'<div class="card"><h3>{_esc(v.themes[t].title)}</h3>{_bar_chart(report, t, PALETTE[i % len(PALETTE)])}</div>'
             for i, t in enumerate(themes)]
    body.append('</div><h2>Themes by week</h2><table><thead><tr><th>Theme</th>'
                + "".join(f"<th>{w}</th>" for w in report.weeks) + '<th>Total</th></tr></thead><tbody>')
    for t in themes:
        cells = [(report.cell_text(w, t), report.cell(w, t) is not None and report.cell(w, t).status != SHOWN)
                 for w in report.weeks]
        total = report.totals.get((t, THEME_RAISED), Total(0, 0)).text(k)
        body.append(_html_row(v.themes[t].title, v.themes[t].description, cells + [(total, False)]))
    body.append('</tbody></table>')
    body += _html_outcomes(report, themes)
    body.append('<h2>What the themes mean</h2><table><tbody>'
                + "".join(f'<tr><td>{_esc(v.themes[t].title)}</td><td style="text-align:left">'
                          f'{_esc(v.themes[t].description)}</td></tr>' for t in themes) + '</tbody></table>')
    return body


def _html_outcomes(report: Report, themes: list[str]) -> list[str]:
    v, k = report.vocab, report.k
    body = ['<h2>What the assistant gave, by theme</h2><p class="lede">Over the whole period, all channels. '
            'A conversation counts once for each thing it was given, under each theme it had raised by then.</p>'
            '<table><thead><tr><th>Theme / outcome</th><th>Conversations</th></tr></thead><tbody>']
    for t in themes:
        for o in v.outcomes:
            total = report.totals.get((t, o))
            if not total:
                continue
            cls = ' class="hidden"' if total.hidden_weeks and not total.shown_sum else ""
            if o == THEME_RAISED:
                body.append(f'<tr class="theme"><td>{_esc(v.themes[t].title)}</td><td{cls}>{_esc(total.text(k))}</td></tr>')
            else:
                body.append(f'<tr><td class="sub" title="{_esc(v.outcomes[o].description)}">{_esc(v.outcomes[o].title)}'
                            f'</td><td{cls}>{_esc(total.text(k))}</td></tr>')
    body.append('</tbody></table>')
    return body


def _html_languages(report: Report) -> list[str]:
    v, k = report.vocab, report.k
    languages = report.languages_in_order()
    body = ['<h2>Languages by week</h2><p class="lede">Conversations in each language, by week, all channels. '
            'A table of its own: languages are never split by theme, outcome or channel, because a rare '
            'language next to a topic could point to one person.</p>']
    if not languages:
        return body + ["<p>No conversation had a detected language in these weeks.</p>"]
    body.append('<table><thead><tr><th>Language</th>' + "".join(f"<th>{w}</th>" for w in report.weeks)
                + '<th>Total</th></tr></thead><tbody>')
    for code in languages:
        cells = [(report.language_text(w, code), report.language_cell(w, code) is not None
                  and report.language_cell(w, code).status != SHOWN) for w in report.weeks]
        body.append(_html_row(v.languages[code].title, v.languages[code].description,
                              cells + [(report.language_totals[code].text(k), False)]))
    return body + ['</tbody></table>']
