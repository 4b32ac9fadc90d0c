"""ISO weeks: the only unit of time the theme counts ever carry."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

# SQL CHECK for a column that holds an ISO week such as 2026-W48 (weeks 01-53 only).
def week_check_sql(column: str) -> str:
    return (
        f"(length({column}) = 8 AND {column} GLOB '[12][0-9][0-9][0-9]-W[0-5][0-9]'"
        f" AND substr({column}, 7, 2) BETWEEN '01' AND '53')"
    )


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_monday(week: str) -> date:
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"not an ISO week like 2026-W48: {week!r}")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_day_or_week(text: str, *, end: bool = False) -> date:
    """A date (YYYY-MM-DD) or an ISO week (YYYY-Www: its Monday, or its Sunday when end=True)."""
    text = text.strip()
    if _WEEK.match(text):
        monday = week_monday(text)
        return monday + timedelta(days=6) if end else monday
    return date.fromisoformat(text)


def weeks_between(first: date, last: date) -> list[str]:
    """Every ISO week touched by [first, last], in order."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(iso_week(monday))
        monday += timedelta(days=7)
    return weeks


def last_complete_week(now: datetime | None = None) -> str:
    """The latest week that may be published: it ended at least a day ago (UTC).

    A week still in progress is never shown: two reports taken on different days of the same
    week could be subtracted to learn what happened in between. The extra day lets every
    process flush increments it buffered during that week (flush interval is minutes).
    """
    now = now or utc_now()
    settled = (now - timedelta(days=1)).date()
    return iso_week(settled - timedelta(days=7))
