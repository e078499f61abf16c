"""Dariger Online telemedicine: who may book, slots, cancellation, counting as given.

Source: Nomad Life rules 7.12, 8.5, 9.5 and Appendix 1 "Медицинская программа
страхования" (Kazakh and Russian side by side; its paragraphs are not numbered,
so they are cited by their heading and first words):

- "Доступ к Сервису ... с момента начала страховой защиты" (rules 9.5) and
  "в период действия Страхового полиса" (Appendix 1, "Дистанционные медицинские
  услуги ... доступны круглосуточно"): access from the first day of cover to the
  last, 24/7, with no limit on the number of requests.
- Appendix 1, "В медицинскую программу страхования входят": urgent consultations
  of the duty therapist / paediatrician; planned ones with a therapist /
  paediatrician, with a specialist, and a second opinion on an earlier diagnosis.
- Appendix 1, "Консультация ... длится до тридцати минут": a slot is 30 minutes.
- Appendix 1, "Если в момент, когда Врач пытается связаться ... с 3 попыток":
  three failed calls close the consultation and it counts as given.
- Appendix 1, "В случае, если после отправки запроса Застрахованный захочет
  отказаться": cancel before an urgent consultation starts, or at least 24 hours
  before a booked one; otherwise it counts as given.
- Appendix 1, "Услуги считаются оказанными надлежащим образом ... 7 (семи)
  календарных дней": a quality complaint within 7 calendar days.
- Rules 7.12: telemedicine is paid to the assistance company and reduces the sum
  insured, so every consultation counted as given is recorded against the policy.

Free of Telegram, HTTP and SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

# Kazakhstan has one time zone, UTC+5, since 1 March 2024.
LOCAL_ZONE = timezone(timedelta(hours=5))
ZONE_LABEL = "UTC+5"
SLOT = timedelta(minutes=30)  # Appendix 1: a consultation lasts up to thirty minutes
FREE_CANCELLATION = timedelta(hours=24)  # Appendix 1: "не позднее чем за 24 часа"
FAILED_CALLS_TO_CLOSE = 3  # Appendix 1: "не смог с 3 попыток дозвониться"
COMPLAINT_DAYS = 7  # Appendix 1: "в течение 7 (семи) календарных дней"
REMINDER_DAY_BEFORE = timedelta(hours=24)
REMINDER_HOUR_BEFORE = timedelta(hours=1)
MINUTES_PER_URGENT_PATIENT = 15  # an estimate for the expected wait; a consultation is up to 30
BOOKING_DAYS_AHEAD = 14

# Appendix 1, "В медицинскую программу страхования входят".
DUTY_SPECIALITIES = ("therapist", "paediatrician")
SPECIALISTS = ("cardiologist", "neurologist", "gynaecologist", "endocrinologist", "dermatologist",
               "otolaryngologist")
SPECIALITIES = DUTY_SPECIALITIES + SPECIALISTS
PLANNED_KINDS = ("therapist", "paediatrician", "specialist", "second_opinion")

# Consultation outcomes that count as given (and against the policy, rules 7.12).
GIVEN = "given"
NO_ANSWER = "no_answer"
LATE_CANCELLATION = "late_cancellation"
COUNTED_AS_GIVEN = (GIVEN, NO_ANSWER, LATE_CANCELLATION)


def local(moment: datetime) -> datetime:
    """A UTC moment in Kazakhstan time."""
    return moment.astimezone(LOCAL_ZONE)


def local_today(now: datetime) -> date:
    return local(now).date()


@dataclass(frozen=True)
class Access:
    """May the insured use the service today, and if not, why (with the dates)."""

    allowed: bool
    reason: str | None  # "not_started" | "ended" | None
    cover_start: date
    cover_end: date


def access(cover_start: date, cover_end: date, today: date) -> Access:
    """Rules 9.5: access from the start of cover; Appendix 1: while the policy is in force
    (the last day of cover included)."""
    if today < cover_start:
        return Access(False, "not_started", cover_start, cover_end)
    if today > cover_end:
        return Access(False, "ended", cover_start, cover_end)
    return Access(True, None, cover_start, cover_end)


@dataclass(frozen=True)
class WorkingHours:
    """A doctor's published hours on one weekday (0 Monday .. 6 Sunday), local time."""

    weekday: int
    start: time
    end: time


def parse_hours(text: str) -> tuple[time, time]:
    """"09:00-13:30" -> (09:00, 13:30), on the half hour; ValueError otherwise."""
    start_text, _, end_text = text.replace("–", "-").partition("-")
    start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    if start.minute % 30 or end.minute % 30 or start.second or end.second:
        raise ValueError("hours must start and end on the hour or half hour")
    if end <= start:
        raise ValueError("the hours must end after they start")
    return start, end


def slots(day: date, hours: Iterable[WorkingHours], taken: Iterable[datetime], now: datetime) -> list[datetime]:
    """Free 30-minute slots (UTC starts) on a local `day`: from the working hours,
    without those taken and those already begun."""
    busy = {t.astimezone(timezone.utc) for t in taken}
    found: set[datetime] = set()
    for block in hours:
        if block.weekday != day.weekday():
            continue
        start = datetime.combine(day, block.start, LOCAL_ZONE)
        end = datetime.combine(day, block.end, LOCAL_ZONE)
        while start + SLOT <= end:
            moment = start.astimezone(timezone.utc)
            if moment > now and moment not in busy:
                found.add(moment)
            start += SLOT
    return sorted(found)


class DateRefused(ValueError):
    def __init__(self, reason: str) -> None:  # "past" | "too_far"
        super().__init__(reason)
        self.reason = reason


def check_booking_day(day: date, today: date, cover_end: date) -> None:
    """A day may be booked from today up to two weeks ahead, within cover."""
    if day < today:
        raise DateRefused("past")
    if day > today + timedelta(days=BOOKING_DAYS_AHEAD) or day > cover_end:
        raise DateRefused("too_far")


def cancellation_is_free(urgent: bool, starts_at: datetime | None, connected: bool, now: datetime) -> bool:
    """Appendix 1: free before an urgent consultation starts (the doctor connects), and at
    least 24 hours before a booked one; otherwise it counts as given."""
    if connected:
        return False
    if urgent or starts_at is None:
        return True
    return starts_at - now >= FREE_CANCELLATION


def closes_after_failed_call(failed_calls: int) -> bool:
    """Appendix 1: the third failed call closes the consultation, and it counts as given."""
    return failed_calls >= FAILED_CALLS_TO_CLOSE


def complaint_deadline(given_at: datetime) -> date:
    """The last local day on which a quality complaint is accepted (Appendix 1: 7 calendar days)."""
    return local(given_at).date() + timedelta(days=COMPLAINT_DAYS)


def complaint_open(given_at: datetime, now: datetime) -> bool:
    return local_today(now) <= complaint_deadline(given_at)


def first_reminder(starts_at: datetime, now: datetime) -> datetime | None:
    """The first reminder still ahead: the day before, else an hour before, else none."""
    for before in (REMINDER_DAY_BEFORE, REMINDER_HOUR_BEFORE):
        if starts_at - before > now:
            return starts_at - before
    return None


def next_reminder(starts_at: datetime, sent_at: datetime) -> datetime | None:
    """After a reminder at `sent_at`, the next one (an hour before), if it is still ahead."""
    hour_before = starts_at - REMINDER_HOUR_BEFORE
    return hour_before if sent_at < hour_before else None


def expected_wait_minutes(place: int, duty_doctors: int) -> int:
    """About how long the patient at `place` (1 = next) waits for a duty doctor."""
    return -(-place // max(duty_doctors, 1)) * MINUTES_PER_URGENT_PATIENT
