"""Working days of Kazakhstan and Kyrgyzstan.

A working day is a Monday to Friday that is not a public holiday (or its
observed day off) in the `holidays` package, plus any weekend day the
government moved a working day to (`weekend_workdays` in `holidays`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import holidays

WEEKEND = (5, 6)  # Saturday, Sunday
SUPPORTED_COUNTRIES = ("KZ", "KG")


@lru_cache(maxsize=64)
def _year_calendar(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    if country not in SUPPORTED_COUNTRIES:
        raise ValueError(
            f"no working-day calendar for {country!r}; expected one of {SUPPORTED_COUNTRIES}"
        )
    year_holidays = holidays.country_holidays(country, years=year)
    moved_workdays = getattr(year_holidays, "weekend_workdays", set())
    return (
        frozenset(year_holidays.keys()),
        frozenset(d for d in moved_workdays if d.year == year),
    )


def is_working_day(country: str, day: date) -> bool:
    days_off, moved_workdays = _year_calendar(country, day.year)
    if day in moved_workdays:
        return True
    return day.weekday() not in WEEKEND and day not in days_off


def add_working_days(country: str, start: date, n: int) -> date:
    """The n-th working day after `start` (the start day itself is not counted).

    "Within 5 working days of receiving documents" on a Friday ends on the
    fifth working day that follows that Friday.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(country, day):
            remaining -= 1
    return day


def add_days(country: str, start: date, n: int, kind: str) -> date:
    """Add `n` calendar or working days, as a catalogue setting names them."""
    if kind == "calendar":
        if n < 0:
            raise ValueError("n must not be negative")
        return start + timedelta(days=n)
    if kind == "working":
        return add_working_days(country, start, n)
    raise ValueError(f"unknown calendar kind {kind!r}")


def local_date(moment: datetime, utc_offset_hours: int) -> date:
    """The date at `moment` in a product's country (KZ +5, KG +6)."""
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(timezone(timedelta(hours=utc_offset_hours))).date()
