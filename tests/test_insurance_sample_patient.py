"""The sandbox's sample Nomad Life patient (insurance.sample_patient): rules 5.1, 9.5, Appendix 1."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from insurance import sample_patient as sample
from insurance import telemedicine
from insurance.application import default_cover_start
from insurance.identity import check_iin

TODAY = date(2026, 12, 2)


def test_a_bought_policy_starts_tomorrow_but_the_sample_is_open_to_telemedicine_today(nomad) -> None:
    """Rules 5.1: the earliest start of a bought policy is tomorrow, so 9.5 keeps the service closed
    today; the sample's cover began yesterday, so it is open today."""
    now = datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)
    bought = default_cover_start(nomad, now)
    assert bought == date(2026, 12, 3)
    assert telemedicine.access(bought, date(2027, 12, 2), TODAY).reason == "not_started"
    drawn = sample.sample_policy(nomad, TODAY, 7, "Dana Sample")
    assert (drawn.cover_start, drawn.cover_end) == (date(2026, 12, 1), date(2027, 11, 30))
    assert telemedicine.access(drawn.cover_start, drawn.cover_end, TODAY).allowed


def test_the_sample_is_marked_and_carries_what_the_identification_reads(nomad) -> None:
    """Appendix 1, registration: phone, full name and date of birth, from the policy."""
    drawn = sample.sample_policy(nomad, TODAY, 42, "Dana Sample")
    assert drawn.number == "NL-SANDBOX-2026-000042"
    answers = drawn.answers
    assert answers["sample"] == "SANDBOX"
    assert (answers["full_name"], answers["birth_date"], answers["phone"]) == ("Dana Sample", "1990-04-15",
                                                                              "+77011234567")
    assert answers["cover_option"] == "life_telemedicine"
    iin = check_iin(answers["personal_number"], date(1990, 4, 15))
    assert iin.valid and iin.sex == "female"


def test_the_name_is_the_profiles_first_and_last_name_else_the_samples() -> None:
    assert sample.full_name("Dana", "Ospanova") == "Dana Ospanova"
    assert sample.full_name("Dana", None) == sample.NAME
    assert sample.full_name("  ", "") == sample.NAME


def test_only_nomad_life_has_a_sample_patient(sakbol) -> None:
    with pytest.raises(ValueError):
        sample.sample_policy(sakbol, TODAY, 1, "Dana Sample")
