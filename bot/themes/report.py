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
from .publish import ALL_CHANNELS, SHOWN, Cell, Total, fewer_text, publish_cells, totals_over_weeks
from .vocabulary import THEME_RAISED, Vocabulary
from .weeks import iso_week, last_complete_week, week_monday, weeks_between

PALETTE = ["#1b6ca8", "#d1495b", "#2e933c", "#8d5a97", "#e0a100", "#00798c", "#a05c34",
           "#5c6b73", "#c2185b", "#3d5a80", "#6a994e", "#bc4749"]


@dataclass
class Report:
    k: int
    weeks: list[str]
    cells: list[Cell]
    vocab: Vocabulary
    notes: list[str] = field(default_factory=list)

    def cell(self, week: str, theme: str, outcome: str = THEME_RAISED, channel: str = ALL_CHANNELS) -> Cell | None:
        return self._index.get((week, channel, theme, outcome))

    def __post_init__(self):
        self._index = {(c.iso_week, c.channel_kind, c.theme, c.outcome): c for c in self.cells}
        self.totals: dict[tuple[str, str], Total] = totals_over_weeks(self.cells)

    def themes_in_order(self) -> list[str]:
        """Themes with any figure, most conversations shown first."""
        present = {c.theme for c in self.cells}
        return sorted(present, key=lambda t: (-self.totals.get((t, THEME_RAISED), Total(0, 0)).shown_sum,
                                              self.vocab.themes[t].title))

    def cell_text(self, week: str, theme: str, outcome: str = THEME_RAISED) -> str:
        c = self.cell(week, theme, outcome)
        return c.text(self.k) if c else "0"


def build_report(db_path: Path | str, since: date, until: date | None, k: int, vocab: Vocabulary,
                 now: datetime | None = None) -> Report:
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
    cells = publish_cells(store.read_counts(db_path), k, weeks, vocab)
    return Report(k=k, weeks=weeks, cells=cells, vocab=vocab, notes=notes)


# -- terminal --------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))  # noqa: E731
    return [fmt(header), "  ".join("-" * w for w in widths), *[fmt(r) for r in rows]]


def render_text(report: Report, weeks_per_block: int = 6) -> str:
    v, k = report.vocab, report.k
    out = [
        f"Safe Report: conversation themes, {report.weeks[0]} to {report.weeks[-1]}"
        f" ({week_monday(report.weeks[0])} to {week_monday(report.weeks[-1]) + timedelta(days=6)}, weeks Monday to Sunday, UTC)",
        f"k = {k}: counts below {k} are shown as \"{fewer_text(k)}\". Totals add only the figures shown.",
        "Each conversation counts once per theme; one conversation can raise several themes.",
        *report.notes, "",
    ]
    themes = report.themes_in_order()
    if not themes:
        out.append("No conversations raised a theme in these weeks.")
        return "\n".join(out) + "\n"
    out.append("Conversations that raised each theme, by week (all channels)")
    for start in range(0, len(report.weeks), weeks_per_block):
        block = report.weeks[start:start + weeks_per_block]
        last_block = start + weeks_per_block >= len(report.weeks)
        header = ["Theme", *block] + (["Total"] if last_block else [])
        rows = []
        for t in themes:
            row = [v.themes[t].title, *[report.cell_text(w, t) for w in block]]
            if last_block:
                row.append(report.totals.get((t, THEME_RAISED), Total(0, 0)).text(k))
            rows.append(row)
        out += [*_table(header, rows), ""]
    out.append(f"What the assistant gave, by theme ({report.weeks[0]} to {report.weeks[-1]}, all channels)")
    rows = []
    for t in themes:
        for o in v.outcomes:
            total = report.totals.get((t, o))
            if total:
                label = v.themes[t].title if o == THEME_RAISED else "    " + v.outcomes[o].title
                rows.append([label, total.text(k)])
    out += _table(["Theme / outcome", "Conversations"], rows)
    return "\n".join(out) + "\n"


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
        for i, week in enumerate(report.weeks):
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
table{border-collapse:collapse;font-size:13px;margin-top:8px}th,td{border-bottom:1px solid #e6e6e6;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}td.hidden{color:#777;font-style:italic}td.sub{padding-left:24px}
tr.theme td{font-weight:600;background:#fafafa}
@media print{.grid3{grid-template-columns:repeat(2,1fr)}}
"""


def render_html(report: Report, generated: date | None = None) -> str:
    v, k = report.vocab, report.k
    themes = report.themes_in_order()
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
            + "".join(f"<br>{_esc(n)}" for n in report.notes) + '</div>']
    svg_defs = ('<svg width="0" height="0" style="position:absolute"><defs><pattern id="hatch" width="6" height="6" '
                'patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff3"/>'
                '<line x1="0" y1="0" x2="0" y2="6" stroke="#b8bec6" stroke-width="2"/></pattern></defs></svg>')
    body.append(svg_defs)
    if not themes:
        body.append("<p>No conversations raised a theme in these weeks.</p></body></html>")
        return head + "".join(body)
    top = themes[:8]
    body.append(f'<h2>Themes over time</h2><p class="lede">Conversations that raised each theme, by week'
                f'{" (the eight largest themes; all themes are in the table below)" if len(themes) > 8 else ""}.</p>')
    body.append(_line_chart(report, top))
    body.append('<h2>Each theme by week</h2><div class="grid3">')
    for i, t in enumerate(themes):
        body.append(f'<div class="card"><h3>{_esc(v.themes[t].title)}</h3>'
                    f'{_bar_chart(report, t, PALETTE[i % len(PALETTE)])}</div>')
    body.append('</div>')
    body.append('<h2>Themes by week</h2><table><thead><tr><th>Theme</th>'
                + "".join(f"<th>{w}</th>" for w in report.weeks) + '<th>Total</th></tr></thead><tbody>')
    for t in themes:
        cells = []
        for w in report.weeks:
            c = report.cell(w, t)
            cls = ' class="hidden"' if c is not None and c.status != SHOWN else ""
            cells.append(f"<td{cls}>{_esc(report.cell_text(w, t))}</td>")
        total = report.totals.get((t, THEME_RAISED), Total(0, 0)).text(k)
        body.append(f'<tr><td title="{_esc(v.themes[t].description)}">{_esc(v.themes[t].title)}</td>{"".join(cells)}'
                    f'<td>{_esc(total)}</td></tr>')
    body.append('</tbody></table>')
    body.append(f'<h2>What the assistant gave, by theme</h2><p class="lede">Over the whole period, all channels. '
                f'A conversation counts once for each thing it was given, under each theme it had raised by then.</p>'
                '<table><thead><tr><th>Theme / outcome</th><th>Conversations</th></tr></thead><tbody>')
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
    body.append('<h2>What the themes mean</h2><table><tbody>'
                + "".join(f'<tr><td>{_esc(v.themes[t].title)}</td><td style="text-align:left">'
                          f'{_esc(v.themes[t].description)}</td></tr>' for t in themes) + '</tbody></table>')
    body.append('</body></html>')
    return head + "".join(body)
