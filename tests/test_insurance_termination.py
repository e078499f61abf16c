"""Early repayment and cancellation quotes: Nomad Life rules 12.3(1), 12.5;
SAKBOL offer 7.2, 8.2, 8.3 (overlapping: the rule is a product setting)."""

from datetime import date
from decimal import Decimal

import pytest

from insurance.termination import CANCELLATION, EARLY_REPAYMENT, TerminationRefused, quote

START, END = date(2026, 1, 1), date(2026, 12, 31)


def test_nomad_life_12_5_month_5_of_12_unexpired_share_less_10_percent(nomad):
    repaid = date(2026, 6, 1)  # five months of cover used
    result = quote(nomad, EARLY_REPAYMENT, premium="120000", cover_start=START, cover_end=END,
                   today=date(2026, 6, 3), repaid_on=repaid)
    unexpired_days = (END - repaid).days + 1
    assert result.rule.clause == "12.5" and result.effective_on == repaid
    assert result.refund.unexpired_premium == (Decimal(120000) * unexpired_days / 365).quantize(Decimal("0.01"))
    assert result.refund.expenses == Decimal("12000.00")  # at most 10% of the premium
    assert result.refund.amount == result.refund.unexpired_premium - Decimal("12000.00")
    assert [r.clause for r in result.shown] == ["12.3(1)", "12.5"]


def test_nomad_life_12_5_counted_from_the_repayment_date_not_the_report(nomad):
    early = quote(nomad, EARLY_REPAYMENT, premium="120000", cover_start=START, cover_end=END,
                  today=date(2026, 9, 1), repaid_on=date(2026, 6, 1))
    same_day = quote(nomad, EARLY_REPAYMENT, premium="120000", cover_start=START, cover_end=END,
                     today=date(2026, 6, 1), repaid_on=date(2026, 6, 1))
    assert early.refund.amount == same_day.refund.amount


def test_nomad_life_12_5_reported_after_the_policy_end_is_refused(nomad):
    with pytest.raises(TerminationRefused) as refused:
        quote(nomad, EARLY_REPAYMENT, premium="120000", cover_start=START, cover_end=END,
              today=date(2027, 1, 1), repaid_on=date(2026, 6, 1))
    assert (refused.value.reason, refused.value.clause) == ("policy_ended", "12.5")


@pytest.mark.parametrize(("repaid", "reason"), [(date(2026, 7, 1), "repaid_in_future"),
                                                (date(2025, 12, 1), "repaid_before_cover")])
def test_repayment_date_must_be_inside_cover_and_not_ahead(nomad, repaid, reason):
    with pytest.raises(TerminationRefused) as refused:
        quote(nomad, EARLY_REPAYMENT, premium="120000", cover_start=START, cover_end=END,
              today=date(2026, 6, 3), repaid_on=repaid)
    assert refused.value.reason == reason


def test_nomad_life_12_3_1_cancellation_returns_nothing(nomad):
    result = quote(nomad, CANCELLATION, premium="120000", cover_start=START, cover_end=END, today=date(2026, 6, 3))
    assert (result.rule.clause, result.refund.amount) == ("12.3(1)", Decimal("0.00"))


def test_sakbol_8_3_early_repayment_less_earned_part_and_15_percent_all_three_clauses_shown(sakbol):
    result = quote(sakbol, EARLY_REPAYMENT, premium="2250", cover_start=START, cover_end=date(2027, 1, 1),
                   today=date(2026, 7, 2), repaid_on=date(2026, 7, 2))
    assert result.rule.clause == "8.3" and result.insurer_to_confirm
    assert result.refund.expenses == Decimal("337.50")
    assert [r.clause for r in result.shown] == ["7.2", "8.3", "8.2"]


def test_sakbol_7_2_cancellation_returns_nothing(sakbol):
    result = quote(sakbol, CANCELLATION, premium="2250", cover_start=START, cover_end=date(2027, 1, 1),
                   today=date(2026, 7, 2))
    assert (result.rule.clause, result.refund.amount) == ("7.2", Decimal("0.00"))


def test_sakbol_8_2_nothing_returned_after_a_payout(sakbol):
    result = quote(sakbol, EARLY_REPAYMENT, premium="2250", cover_start=START, cover_end=date(2027, 1, 1),
                   today=date(2026, 7, 2), repaid_on=date(2026, 7, 2), payout_made=True)
    assert (result.rule.clause, result.refund.amount) == ("8.2", Decimal("0.00"))
