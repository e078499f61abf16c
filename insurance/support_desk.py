"""Rules of the support desk, free of Telegram and SQL: when staff are at work
in each country, when a waiting customer's ticket needs a reminder, and how a
phone number is shown to staff.

Working hours are local time in the country's capital zone (Asia/Almaty for
Kazakhstan, Asia/Bishkek for Kyrgyzstan) on the country's working days
(`insurance.calendar`: weekends and public holidays are days off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from insurance.calendar import is_working_day

COUNTRY_ZONES = {"KZ": ZoneInfo("Asia/Almaty"), "KG": ZoneInfo("Asia/Bishkek")}
DEFAULT_REMINDER_MINUTES = (10, 30)
# A closed ticket stays "recent" this long: staff may still write to the customer,
# and the customer's next message reopens it.
RECENT_TICKET = timedelta(hours=24)

_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_hours(text: str) -> WorkingHours:
    """`09:00-18:00` -> WorkingHours; ValueError for anything else."""
    match = _HOURS.match(text.strip())
    if not match:
        raise ValueError(f"working hours must look like 09:00-18:00, got {text!r}")
    start = time(int(match[1]), int(match[2]))
    end = time(23, 59, 59) if match[3] == "24" else time(int(match[3]), int(match[4]))
    if end <= start:
        raise ValueError(f"working hours must end after they start, got {text!r}")
    return WorkingHours(start, end)


def parse_minutes(text: str) -> tuple[int, ...]:
    """`10,30` -> (10, 30): minutes of waiting after which staff are reminded."""
    try:
        minutes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"reminder minutes must be whole numbers separated by commas, got {text!r}") from None
    if not minutes or any(m <= 0 for m in minutes) or list(minutes) != sorted(set(minutes)):
        raise ValueError(f"reminder minutes must be positive and increasing, got {text!r}")
    return minutes


def next_opening(country: str, hours: WorkingHours, now: datetime) -> datetime | None:
    """None when staff are at work at `now`; otherwise when they next start (in the
    country's zone)."""
    if hours.start == time(0) and hours.end == time(23, 59, 59):
        return None  # 00:00-24:00: a desk that never closes, weekends and holidays included
    zone = COUNTRY_ZONES[country]
    local = now.astimezone(zone)
    if is_working_day(country, local.date()) and hours.start <= local.time() < hours.end:
        return None
    day = local.date()
    if not is_working_day(country, day) or local.time() >= hours.end:
        day += timedelta(days=1)
        while not is_working_day(country, day):
            day += timedelta(days=1)
    return datetime.combine(day, hours.start, tzinfo=zone)


def reminder_due(waiting_since: datetime, reminders_sent: int, minutes: tuple[int, ...], now: datetime) -> bool:
    """True when the customer has waited past the next reminder's minutes."""
    if reminders_sent >= len(minutes):
        return False
    return now >= waiting_since + timedelta(minutes=minutes[reminders_sent])


def waited_minutes(waiting_since: datetime, now: datetime) -> int:
    return max(0, int((now - waiting_since).total_seconds() // 60))


def mask_phone(phone: str | None) -> str:
    """All digits but the last four hidden: `+7 *** ***-45-67` becomes `+7••••••4567`."""
    if not phone:
        return "—"
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "•" * len(digits)
    country = "+" + digits[:3] if digits.startswith("996") else "+" + digits[:1]
    return country + "•" * (len(digits) - len(country) + 1 - 4) + digits[-4:]


def is_recent(closed_at: datetime | None, now: datetime) -> bool:
    return closed_at is not None and now - closed_at <= RECENT_TICKET
