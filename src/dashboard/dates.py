"""The dates a conservation record may carry, for every way in (form, import, command line).

A record's dates are written as ISO `YYYY-MM-DD` and nothing else (not `20260101`, not
`2026-W10-1`, which Python's `date.fromisoformat` also reads), and lie between EARLIEST (the
first year the plans' monitoring looks back to) and the end of the year YEARS_AHEAD from now,
far enough for planned work to end in, near enough that a mistyped year is caught.
"""

from __future__ import annotations

import datetime as dt
import re

EARLIEST = dt.date(1990, 1, 1)
# Planned work may end this many years ahead (the CAMI Work Programme runs to 2032).
YEARS_AHEAD = 10
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def latest(today: dt.date | None = None) -> dt.date:
    """The last date a record may carry: 31 December, YEARS_AHEAD years from `today`."""
    return dt.date(min((today or dt.date.today()).year + YEARS_AHEAD, dt.MAXYEAR), 12, 31)


def parse(text: str) -> dt.date:
    """A date written exactly `YYYY-MM-DD`; ValueError (with the reason) otherwise."""
    value = text.strip()
    if not _ISO_DATE.fullmatch(value):
        raise ValueError(f"expected a date YYYY-MM-DD, got {text!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def out_of_range(day: dt.date, today: dt.date | None = None) -> str | None:
    """Why `day` cannot be a record's date, or None when it can."""
    if day < EARLIEST:
        return f"{day.isoformat()} is before {EARLIEST.isoformat()}: check the date"
    last = latest(today)
    if day > last:
        return f"{day.isoformat()} is after {last.isoformat()}: check the date"
    return None
