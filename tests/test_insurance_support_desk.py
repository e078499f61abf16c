"""The support desk's rules: working hours per country in local time, waiting-time
reminders, phone masking, settings that configure them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.settings import SettingsError, load_settings
from insurance.support_desk import (
    is_recent,
    mask_phone,
    next_opening,
    parse_hours,
    parse_minutes,
    reminder_due,
    waited_minutes,
)

ALMATY, BISHKEK = ZoneInfo("Asia/Almaty"), ZoneInfo("Asia/Bishkek")
OFFICE = parse_hours("09:00-18:00")


def test_inside_working_hours_a_person_answers_now():
    wednesday_noon = datetime(2026, 12, 2, 12, 0, tzinfo=ALMATY)
    assert next_opening("KZ", OFFICE, wednesday_noon) is None


def test_after_hours_the_next_working_morning_in_the_countrys_zone():
    wednesday_evening = datetime(2026, 12, 2, 19, 30, tzinfo=BISHKEK)
    assert next_opening("KG", OFFICE, wednesday_evening) == datetime(2026, 12, 3, 9, 0, tzinfo=BISHKEK)
    early = datetime(2026, 12, 2, 7, 0, tzinfo=BISHKEK)
    assert next_opening("KG", OFFICE, early) == datetime(2026, 12, 2, 9, 0, tzinfo=BISHKEK)


def test_weekends_and_public_holidays_are_skipped():
    friday_evening = datetime(2026, 12, 4, 18, 0, tzinfo=ALMATY)
    assert next_opening("KZ", OFFICE, friday_evening) == datetime(2026, 12, 7, 9, 0, tzinfo=ALMATY)
    # Kazakhstan: 16 December is Independence Day.
    holiday = datetime(2026, 12, 16, 12, 0, tzinfo=ALMATY)
    assert next_opening("KZ", OFFICE, holiday) == datetime(2026, 12, 17, 9, 0, tzinfo=ALMATY)


def test_the_same_instant_is_read_in_each_countrys_own_time():
    instant = datetime(2026, 12, 2, 3, 30, tzinfo=timezone.utc)   # 08:30 in Almaty, 09:30 in Bishkek
    assert next_opening("KZ", OFFICE, instant) is not None
    assert next_opening("KG", OFFICE, instant) is None


def test_a_desk_open_around_the_clock_never_closes():
    always = parse_hours("00:00-24:00")
    assert next_opening("KZ", always, datetime(2026, 12, 6, 3, 0, tzinfo=ALMATY)) is None


@pytest.mark.parametrize("bad", ["9-18", "18:00-09:00", "25:00-26:00", "", "09:00"])
def test_malformed_hours_are_refused(bad):
    with pytest.raises(ValueError):
        parse_hours(bad)


def test_reminders_come_at_each_configured_minute_once():
    since = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    minutes = parse_minutes("10,30")
    assert not reminder_due(since, 0, minutes, since + timedelta(minutes=9))
    assert reminder_due(since, 0, minutes, since + timedelta(minutes=10))
    assert not reminder_due(since, 1, minutes, since + timedelta(minutes=29))
    assert reminder_due(since, 1, minutes, since + timedelta(minutes=30))
    assert not reminder_due(since, 2, minutes, since + timedelta(hours=5))
    assert waited_minutes(since, since + timedelta(minutes=31, seconds=59)) == 31


@pytest.mark.parametrize("bad", ["", "ten", "30,10", "0,5", "10,10"])
def test_malformed_reminder_minutes_are_refused(bad):
    with pytest.raises(ValueError):
        parse_minutes(bad)


def test_phones_show_only_the_last_four_digits():
    assert mask_phone("+996 555 123 456") == "+996•••••3456"
    assert mask_phone("+7 701 234 56 78") == "+7••••••5678"
    assert mask_phone(None) == "—"


def test_a_closed_ticket_is_recent_for_a_day():
    closed = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    assert is_recent(closed, closed + timedelta(hours=23))
    assert not is_recent(closed, closed + timedelta(hours=25))
    assert not is_recent(None, closed)


@pytest.mark.parametrize(("name", "value"), [
    ("QAMQOR_STAFF_USER_IDS", "12,abc"), ("QAMQOR_SUPPORT_REMINDER_MINUTES", "30,10"),
    ("QAMQOR_SUPPORT_HOURS_KZ", "18:00-09:00"), ("QAMQOR_SUPPORT_HOURS_KG", "nine to six"),
])
def test_bad_desk_settings_stop_start_up_with_one_line_naming_them(name, value):
    with pytest.raises(SettingsError) as error:
        load_settings({name: value}, sandbox=True)
    assert name in str(error.value) and "\n" not in str(error.value)


def test_desk_settings_are_read():
    settings = load_settings({"QAMQOR_STAFF_USER_IDS": "11, 12", "QAMQOR_SUPPORT_REMINDER_MINUTES": "5,15,60",
                              "QAMQOR_SUPPORT_HOURS_KG": "08:30-17:30"}, sandbox=True)
    assert settings.staff_user_ids == {11, 12}
    assert settings.support_reminder_minutes == (5, 15, 60)
    assert str(settings.support_hours["KG"]) == "08:30-17:30" and str(settings.support_hours["KZ"]) == "09:00-18:00"
