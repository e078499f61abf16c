"""Claim rules: working-day calendars, reporting windows, insurer deadlines,
cover check, payout shares, refunds.

Nomad Life rules 3.2, 7.8, 9.1, 10.3, 12.3-12.5; SAKBOL offer 4.4(й), 5.1-5.4,
6.2, 7.2, 8.1, 8.3 and form section 5.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from insurance.calendar import add_days, add_working_days, is_working_day, local_date
from insurance.catalogue import get_product
from insurance.claims import (
    PayoutNotComputable,
    check_cover,
    check_event_in_option,
    check_reporting,
    decision_deadline,
    early_repayment_refund,
    injury_share,
    insurer_deadline,
    missing_documents_deadline,
    payment_deadline,
    payout_amount,
    payout_share,
    recertification_decision_deadline,
    remaining_sum_insured,
    reporting_deadline,
    termination_refund,
)


@pytest.fixture(scope="module")
def nomad():
    return get_product("nomad_life")


@pytest.fixture(scope="module")
def sakbol():
    return get_product("sakbol")


# --------------------------------------------------------------------------- calendars


@pytest.mark.parametrize(
    "country, day, working",
    [
        ("KZ", date(2025, 3, 21), False),  # Nauryz
        ("KZ", date(2025, 3, 24), False),  # Nauryz day off moved from the weekend
        ("KZ", date(2025, 3, 26), True),
        ("KZ", date(2025, 12, 16), False),  # Independence Day
        ("KZ", date(2025, 1, 5), True),  # Sunday worked in exchange for 3 January
        ("KZ", date(2025, 3, 29), False),  # an ordinary Saturday
        ("KG", date(2025, 3, 21), False),  # Nooruz
        ("KG", date(2026, 8, 31), False),  # Independence Day
        ("KG", date(2025, 1, 11), True),  # Saturday worked in exchange for 2 January
        ("KG", date(2025, 3, 24), True),
    ],
)
def test_working_days(country, day, working):
    assert is_working_day(country, day) is working


def test_add_working_days_skips_kg_independence_day():
    assert add_working_days("KG", date(2026, 8, 28), 1) == date(2026, 9, 1)


def test_add_working_days_does_not_count_the_start_day():
    assert add_working_days("KZ", date(2025, 4, 14), 1) == date(2025, 4, 15)
    assert add_working_days("KZ", date(2025, 4, 14), 0) == date(2025, 4, 14)


def test_calendar_rejects_unknown_country_and_kind():
    with pytest.raises(ValueError):
        is_working_day("XX", date(2025, 1, 1))
    with pytest.raises(ValueError):
        add_days("KZ", date(2025, 1, 1), 3, "banking")


def test_local_date_uses_product_offset(nomad, sakbol):
    moment = datetime(2025, 12, 31, 18, 30, tzinfo=UTC)
    assert local_date(moment, nomad.utc_offset_hours) == date(2025, 12, 31)  # 23:30 in Almaty
    assert local_date(moment, sakbol.utc_offset_hours) == date(2026, 1, 1)  # 00:30 in Bishkek


# --------------------------------------------------------------------------- reporting


def test_nomad_life_9_1_sixty_calendar_days_across_nauryz(nomad):
    """Calendar days: Nauryz (21-25 March 2025) does not move the deadline."""
    assert reporting_deadline(nomad, date(2025, 3, 1)) == date(2025, 4, 30)


def test_sakbol_8_1_ten_calendar_days_across_nooruz(sakbol):
    """8.1 says "10 (он) күн" without "жумуш": calendar days; Nooruz (21 March) does not count."""
    assert reporting_deadline(sakbol, date(2025, 3, 15)) == date(2025, 3, 25)


def test_nomad_life_9_1_report_on_last_day_is_on_time(nomad):
    check = check_reporting(nomad, date(2025, 3, 1), date(2025, 4, 30))
    assert not check.late and check.days_late == 0


def test_nomad_life_8_2_3_late_report_is_flagged_not_refused(nomad):
    check = check_reporting(nomad, date(2025, 3, 1), date(2025, 5, 3))
    assert check.late
    assert check.days_late == 3
    assert (check.clause, check.late_clause) == ("9.1", "8.2(3)")


def test_sakbol_8_1_late_report_is_flagged(sakbol):
    check = check_reporting(sakbol, date(2025, 3, 15), date(2025, 3, 26))
    assert check.late and check.days_late == 1 and check.clause == "8.1"


def test_report_cannot_precede_event(nomad):
    with pytest.raises(ValueError):
        check_reporting(nomad, date(2025, 3, 1), date(2025, 2, 28))


# --------------------------------------------------------------------------- insurer deadlines


def test_nomad_life_7_8_decision_window_across_nauryz(nomad):
    """All documents on Wed 19 March 2025; 21-25 March are days off: due on 14 April."""
    due = decision_deadline(nomad, date(2025, 3, 19))
    assert due.due_on == date(2025, 4, 14)
    assert (due.days, due.calendar, due.clause, due.insurer_to_confirm) == (
        15,
        "working",
        "7.8",
        False,
    )


def test_nomad_life_7_8_payment_15_working_days_after_decision_deadline(nomad):
    """From 14 April 2025, skipping 1 May: 6 May."""
    assert payment_deadline(nomad, date(2025, 3, 19)).due_on == date(2025, 5, 6)


def test_nomad_life_10_3_missing_documents_across_independence_day(nomad):
    """Documents on Fri 12 December 2025; 16 December is Independence Day: 22 December."""
    due = missing_documents_deadline(nomad, date(2025, 12, 12))
    assert due.due_on == date(2025, 12, 22)
    assert due.clause == "10.3"


def test_nomad_life_7_8_recertification_ten_working_days(nomad):
    assert recertification_decision_deadline(nomad, date(2025, 12, 10)).due_on == date(2025, 12, 25)


def test_sakbol_deadlines_are_settings_to_confirm(sakbol):
    """The offer sets no insurer deadlines: the product settings are marked to confirm."""
    due = decision_deadline(sakbol, date(2025, 3, 19))
    assert due.insurer_to_confirm and due.clause is None
    assert due.due_on == date(2025, 4, 10)  # skips Nooruz, 21 March 2025


def test_sakbol_decision_window_across_kg_independence_day(sakbol):
    assert decision_deadline(sakbol, date(2026, 8, 20)).due_on == date(2026, 9, 11)


def test_sakbol_payment_window_across_may_holidays(sakbol):
    """Decision due 10 April 2025; 1-9 May 2025 are holidays in Kyrgyzstan: 12 May."""
    assert payment_deadline(sakbol, date(2025, 3, 19)).due_on == date(2025, 5, 12)


def test_sakbol_has_no_recertification_deadline(sakbol):
    """Disability set on re-certification is excluded (4.4(ж))."""
    with pytest.raises(KeyError):
        insurer_deadline(sakbol, "recertification_decision", date(2025, 1, 1))


# --------------------------------------------------------------------------- cover check


@pytest.mark.parametrize(
    "event, rule",
    [
        (date(2024, 12, 31), "event_before_cover_start"),
        (date(2025, 1, 1), None),
        (date(2025, 12, 31), None),  # the end date is the last covered day
        (date(2026, 1, 1), "event_after_cover_end"),
        (date(2026, 2, 1), "event_in_future"),
    ],
)
def test_nomad_life_3_2_event_inside_cover(nomad, event, rule):
    refusal = check_cover(
        nomad, event, date(2025, 1, 1), date(2025, 12, 31), today=date(2026, 1, 15)
    )
    assert (refusal.rule if refusal else None) == rule
    if refusal:
        assert refusal.product == "nomad_life" and "3.2" in refusal.clause


def test_sakbol_form_5_cover_ends_at_midnight_starting_end_date(sakbol):
    """Form section 5: the end date is printed with 00:00, so that day is not covered (4.4(й))."""
    start, end, today = date(2025, 1, 1), date(2026, 1, 1), date(2026, 2, 1)
    assert check_cover(sakbol, date(2025, 12, 31), start, end, today) is None
    refusal = check_cover(sakbol, date(2026, 1, 1), start, end, today)
    assert refusal.rule == "event_after_cover_end"
    assert "4.4(й)" in refusal.clause


def test_event_must_be_among_option_risks(sakbol, nomad):
    refusal = check_event_in_option(sakbol, "death", "injury")
    assert refusal.rule == "risk_not_in_option" and refusal.subject == "injury"
    assert check_event_in_option(sakbol, "death_disability_injury", "injury") is None
    assert check_event_in_option(nomad, "life_telemedicine", "illness") is None


# --------------------------------------------------------------------------- payouts


@pytest.mark.parametrize("group, share", [(1, "1.00"), (2, "0.80"), (3, "0.60")])
def test_sakbol_5_2_disability_shares(sakbol, group, share):
    assert payout_share(sakbol, "disability", disability_group=group) == Decimal(share)


def test_sakbol_5_3_death_full_remaining_sum(sakbol):
    assert payout_share(sakbol, "death") == Decimal("1.00")


def test_sakbol_5_4_shares_apply_to_remaining_sum_insured(sakbol):
    estimate = payout_amount(
        sakbol,
        "disability",
        sum_insured=100000,
        earlier_payouts=[Decimal("25000")],
        disability_group=2,
    )
    assert estimate.base == Decimal("75000.00")
    assert estimate.amount == Decimal("60000.00")
    assert estimate.clause == "5.2"


def test_sakbol_5_4_remaining_never_negative():
    assert remaining_sum_insured(100000, [60000, 50000]) == Decimal("0.00")


@pytest.mark.parametrize(
    "rates, share",
    [
        (["0.10", "0.20"], "0.30"),  # summed
        (["0.50", "0.40"], "0.75"),  # capped at 75%
        (["0.80", "0.10"], "0.80"),  # one injury above 75%: its own largest rate
    ],
)
def test_sakbol_5_1_injuries_summed_and_capped(rates, share):
    assert injury_share(rates, Decimal("0.75")) == Decimal(share)


def test_sakbol_5_1_injury_needs_table_rates(sakbol):
    with pytest.raises(ValueError):
        payout_share(sakbol, "injury")
    estimate = payout_amount(sakbol, "injury", sum_insured=200000, injury_shares=["0.05", "0.10"])
    assert estimate.amount == Decimal("30000.00")


def test_nomad_life_7_3_death_pays_principal_debt_up_to_sum_insured(nomad):
    assert payout_amount(
        nomad, "death", sum_insured=1000000, principal_debt=640000
    ).amount == Decimal("640000.00")
    assert payout_amount(
        nomad, "death", sum_insured=1000000, principal_debt=1200000
    ).amount == Decimal("1000000.00")


def test_nomad_life_7_12_illness_is_not_a_cash_payout(nomad):
    with pytest.raises(PayoutNotComputable):
        payout_share(nomad, "illness")


# --------------------------------------------------------------------------- refunds


def test_nomad_life_12_5_refund_unexpired_share_less_at_most_10_percent(nomad):
    """Cover 2025 (365 days), loan repaid 2 July: 183 days unexpired of a 36 500 premium = 18 300;
    without the insurer's figure the 10% cap (3 650) is deducted."""
    kwargs = dict(
        premium=Decimal("36500"),
        cover_start=date(2025, 1, 1),
        cover_end=date(2025, 12, 31),
        repaid_on=date(2025, 7, 2),
    )
    refund = early_repayment_refund(nomad, **kwargs)
    assert (refund.rule, refund.clause) == ("early_loan_repayment", "12.5")
    assert (refund.unexpired_days, refund.cover_days) == (183, 365)
    assert refund.unexpired_premium == Decimal("18300.00")
    assert refund.expenses == Decimal("3650.00")
    assert refund.amount == Decimal("14650.00")
    assert early_repayment_refund(nomad, **kwargs, expenses=1000).amount == Decimal("17300.00")
    assert early_repayment_refund(nomad, **kwargs, expenses=9000).expenses == Decimal("3650.00")


def test_nomad_life_12_3_and_12_4_refunds(nomad):
    kwargs = dict(
        premium=Decimal("36500"),
        cover_start=date(2025, 1, 1),
        cover_end=date(2025, 12, 31),
        terminated_on=date(2025, 7, 2),
    )
    assert termination_refund(
        nomad, nomad.termination.on_client_request, **kwargs
    ).amount == Decimal("0.00")
    assert termination_refund(nomad, "insurer_fault", **kwargs).amount == Decimal("36500.00")


def test_sakbol_8_3_refund_less_earned_part_and_15_percent(sakbol):
    """Cover 1 Jan 2025 00:00 to 1 Jan 2026 00:00 = 365 days; terminated 2 July: 183 days left."""
    refund = early_repayment_refund(
        sakbol,
        premium=Decimal("3650"),
        cover_start=date(2025, 1, 1),
        cover_end=date(2026, 1, 1),
        repaid_on=date(2025, 7, 2),
    )
    assert (refund.clause, refund.unexpired_days, refund.cover_days) == ("8.3", 183, 365)
    assert refund.unexpired_premium == Decimal("1830.00")
    assert refund.expenses == Decimal("547.50")
    assert refund.amount == Decimal("1282.50")


def test_sakbol_7_2_client_refusal_returns_nothing_and_is_to_confirm(sakbol):
    rule = sakbol.termination.rule(sakbol.termination.on_client_request)
    assert (rule.code, rule.clause, rule.refund) == ("client_refusal", "7.2", "none")
    assert sakbol.termination.insurer_to_confirm
    assert sakbol.termination.rule("after_payout").clause == "8.2"


def test_refund_after_cover_end_is_zero(nomad):
    refund = early_repayment_refund(
        nomad,
        premium=1000,
        cover_start=date(2025, 1, 1),
        cover_end=date(2025, 12, 31),
        repaid_on=date(2026, 1, 5),
    )
    assert refund.amount == Decimal("0.00")
