"""Correction notices: what was wrong, and when it was put right.

A Markdown article lists its corrections as repeated metadata lines, newest last:

    Correction: 2018-08-28 | An earlier version misstated the date of the meeting.
    Correction: A correction whose date is not known.

The date (anything Pelican's ``get_date`` reads) stands before a ``|``; without one the
correction is shown undated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil import parser as dateparser

DATE_SEPARATOR = "|"


@dataclass(frozen=True)
class Correction:
    text: str
    date: datetime | None = None


def from_metadata(value: str | list[str] | None) -> list[Correction]:
    """Read the ``correction`` metadata: one string, or a list when the key repeats."""
    if not value:
        return []
    values = [value] if isinstance(value, str) else list(value)
    return [parse_line(item) for item in values if item.strip()]


def parse_line(line: str) -> Correction:
    head, separator, tail = line.partition(DATE_SEPARATOR)
    if not separator:
        return Correction(text=" ".join(line.split()))
    try:
        date = dateparser.parse(head.strip())
    except (ValueError, OverflowError):
        raise ValueError(f"correction date {head.strip()!r} is not a date") from None
    return Correction(text=" ".join(tail.split()), date=date)


def with_timezone(corrections: list[Correction], tzinfo) -> list[Correction]:
    """Give naive correction dates the article's time zone, so they compare with its date."""
    return [
        Correction(c.text, c.date.replace(tzinfo=tzinfo))
        if c.date is not None and c.date.tzinfo is None
        else c
        for c in corrections
    ]


def latest_date(corrections: list[Correction]) -> datetime | None:
    dates = [c.date for c in corrections if c.date is not None]
    return max(dates, default=None)
