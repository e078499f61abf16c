"""Dariger Online rules, clause by clause: Nomad Life rules 7.12, 9.5 and Appendix 1
("Медицинская программа страхования"; its paragraphs are cited by their first words)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from insurance import telemedicine as rules

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)  # 11:00 in Almaty (UTC+5)


@pytest.mark.parametrize(("today", "allowed", "reason"), [
    (date(2026, 11, 30), False, "not_started"),
    (date(2026, 12, 1), True, None),
    (date(2027, 11, 30), True, None),
    (date(2027, 12, 1), False, "ended"),
])
def test_rules_9_5_access_from_the_first_day_of_cover_to_the_last(today, allowed, reason):
    verdict = rules.access(date(2026, 12, 1), date(2027, 11, 30), today)
    assert (verdict.allowed, verdict.reason) == (allowed, reason)
    assert (verdict.cover_start, verdict.cover_end) == (date(2026, 12, 1), date(2027, 11, 30))


def test_kazakhstan_is_one_zone_utc_plus_5_since_march_2024():
    assert rules.local(NOW).hour == 11
    assert rules.local_today(datetime(2026, 12, 2, 19, 30, tzinfo=timezone.utc)) == date(2026, 12, 3)


def test_appendix_1_slots_are_30_minutes_within_the_hours_without_taken_or_begun_ones():
    # Appendix 1, "Консультация ... длится до тридцати минут".
    day = date(2026, 12, 2)  # a Wednesday
    hours = [rules.WorkingHours(day.weekday(), time(9, 0), time(13, 0)),
             rules.WorkingHours((day.weekday() + 1) % 7, time(8, 0), time(20, 0))]
    taken = [datetime(2026, 12, 2, 7, 0, tzinfo=timezone.utc)]  # 12:00 local
    free = [f"{rules.local(s):%H:%M}" for s in rules.slots(day, hours, taken, NOW)]
    assert free == ["11:30", "12:30"]  # 09:00-11:00 have begun, 11:00 is now, 12:00 is taken
    assert rules.slots(day + timedelta(days=2), hours, [], NOW) == []  # no hours published on Friday


def test_hours_are_on_the_half_hour_and_end_after_they_start():
    assert rules.parse_hours("09:00-13:30") == (time(9), time(13, 30))
    for bad in ("09:15-13:00", "13:00-09:00", "nine to five"):
        with pytest.raises(ValueError):
            rules.parse_hours(bad)


def test_a_booking_day_is_from_today_to_two_weeks_within_cover():
    today = date(2026, 12, 2)
    rules.check_booking_day(today, today, date(2027, 1, 1))
    for day, end, reason in ((today - timedelta(days=1), date(2027, 1, 1), "past"),
                             (today + timedelta(days=15), date(2027, 1, 1), "too_far"),
                             (today + timedelta(days=3), today + timedelta(days=2), "too_far")):
        with pytest.raises(rules.DateRefused) as refused:
            rules.check_booking_day(day, today, end)
        assert refused.value.reason == reason


def test_appendix_1_cancelling_a_booking_is_free_24_hours_ahead_and_not_a_second_later():
    # Appendix 1, "не позднее чем за 24 часа в случае консультации по записи".
    starts = NOW + timedelta(hours=24)
    assert rules.cancellation_is_free(False, starts, False, NOW)
    assert not rules.cancellation_is_free(False, starts, False, NOW + timedelta(seconds=1))
    assert rules.cancellation_is_free(False, starts + timedelta(seconds=1), False, NOW + timedelta(seconds=1))


def test_appendix_1_an_urgent_consultation_is_free_to_cancel_until_the_doctor_connects():
    # Appendix 1, "до начала оказания срочной консультации".
    assert rules.cancellation_is_free(True, None, False, NOW)
    assert not rules.cancellation_is_free(True, None, True, NOW)


def test_appendix_1_the_third_failed_call_closes_the_consultation_as_given():
    # Appendix 1, "не смог с 3 попыток дозвониться ... считается оказанной".
    assert not rules.closes_after_failed_call(2)
    assert rules.closes_after_failed_call(3)
    assert rules.NO_ANSWER in rules.COUNTED_AS_GIVEN and rules.LATE_CANCELLATION in rules.COUNTED_AS_GIVEN


def test_appendix_1_a_complaint_is_accepted_for_7_calendar_days_then_the_service_counts_as_accepted():
    given = datetime(2026, 12, 2, 18, 30, tzinfo=timezone.utc)  # 23:30 local on 2 December
    assert rules.complaint_deadline(given) == date(2026, 12, 9)
    last_minute = datetime(2026, 12, 9, 18, 59, tzinfo=timezone.utc)  # 23:59 local on 9 December
    assert rules.complaint_open(given, last_minute)
    assert not rules.complaint_open(given, last_minute + timedelta(minutes=1))


def test_reminders_the_day_before_and_an_hour_before():
    starts = NOW + timedelta(days=3)
    first = rules.first_reminder(starts, NOW)
    assert first == starts - timedelta(hours=24)
    assert rules.next_reminder(starts, first) == starts - timedelta(hours=1)
    assert rules.next_reminder(starts, starts - timedelta(hours=1)) is None
    assert rules.first_reminder(NOW + timedelta(hours=5), NOW) == NOW + timedelta(hours=4)
    assert rules.first_reminder(NOW + timedelta(minutes=30), NOW) is None


def test_expected_wait_grows_with_the_place_and_shrinks_with_duty_doctors():
    assert rules.expected_wait_minutes(1, 1) == rules.MINUTES_PER_URGENT_PATIENT
    assert rules.expected_wait_minutes(3, 1) == 3 * rules.MINUTES_PER_URGENT_PATIENT
    assert rules.expected_wait_minutes(3, 2) == 2 * rules.MINUTES_PER_URGENT_PATIENT
    assert rules.expected_wait_minutes(1, 0) == rules.MINUTES_PER_URGENT_PATIENT
