"""The claim clock clause by clause: originals before the decision clock
(Nomad Life rules 7.8, 10.1, 10.2), missing documents notice (10.3), payment
after the decision deadline (7.8), re-certification (7.8), late payout penalty
(11.2(4)), the disability certificate (9.3(2)) and SAKBOL's six months
between accident and disability (offer, terms (и))."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from insurance.calendar import add_working_days
from insurance.claim_clock import (
    DisabilityDateError,
    add_months,
    all_received_at,
    check_disability,
    claim_clock,
    item_statuses,
    late_payout_penalty,
    needs_original,
)


MONDAY = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # 11:00 in Almaty


def at(day: int) -> datetime:
    return MONDAY.replace(day=day)


def test_nomad_life_10_1_10_2_items_asked_as_originals(nomad):
    death = nomad.event_type("death").checklist
    wanted = {i.code for i in death if needs_original(i)}
    # 10.1: the payout application, the lender's original letter, the inheritance certificate (original or notarised)
    assert wanted == {"payout_application", "lender_debt_statement", "inheritance_certificate"}
    disability = {i.code for i in nomad.event_type("disability").checklist if needs_original(i)}
    assert "medical_record_extract" in disability  # 10.2(5): signed and stamped


def test_nomad_life_7_8_scans_alone_do_not_start_the_decision_clock(nomad):
    checklist = nomad.event_type("death").checklist
    scans = {i.code: at(1) for i in checklist}
    states = item_statuses(checklist, scans, {})
    clock = claim_clock(nomad, states)
    assert all_received_at(states) is None
    assert clock.decision is None and clock.payment is None
    assert {i.code for i in clock.awaiting_originals} == {
        "payout_application", "lender_debt_statement", "inheritance_certificate"}
    # 10.3: the notice of missing documents runs from the first documents received
    assert clock.missing_notice.due_on == add_working_days("KZ", date(2026, 6, 1), 5)
    assert clock.missing_notice.clause == "10.3"


def test_nomad_life_7_8_decision_and_payment_run_from_the_last_original(nomad):
    checklist = nomad.event_type("death").checklist
    scans = {i.code: at(1) for i in checklist}
    originals = {"payout_application": at(2), "lender_debt_statement": at(3), "inheritance_certificate": at(8)}
    clock = claim_clock(nomad, item_statuses(checklist, scans, originals))
    decision_on = add_working_days("KZ", date(2026, 6, 8), 15)
    assert (clock.decision.due_on, clock.decision.clause) == (decision_on, "7.8")
    # 7.8: payment within 15 working days after the decision deadline
    assert clock.payment.due_on == add_working_days("KZ", decision_on, 15)
    assert clock.awaiting_originals == ()


def test_a_copy_counts_from_its_scan_and_an_original_only_when_confirmed(nomad):
    checklist = nomad.event_type("death").checklist
    states = {s.item.code: s for s in item_statuses(checklist, {"loan_agreement": at(1), "payout_application": at(1)},
                                                     {"payout_application": at(5)})}
    assert states["loan_agreement"].received_at == at(1)
    assert states["payout_application"].received_at == at(5)
    assert states["death_certificate"].received_at is None


def test_nomad_life_7_8_recertification_decided_within_10_working_days(nomad, sakbol):
    clock = claim_clock(nomad, ())
    assert (clock.recertification.days, clock.recertification.calendar, clock.recertification.clause) == (
        10, "working", "7.8")
    assert claim_clock(sakbol, ()).recertification is None


def test_nomad_life_11_2_late_payout_penalty_per_day_at_the_refinancing_rate(nomad):
    penalty = late_payout_penalty(nomad, Decimal("1000000"), date(2026, 7, 1), date(2026, 7, 11))
    assert penalty.days_late == 10
    assert penalty.amount == (Decimal("1000000") * nomad.late_payment_penalty.annual_rate * 10 / 365).quantize(
        Decimal("0.01"))
    assert penalty.clause == "11.2(4)" and penalty.insurer_to_confirm
    assert late_payout_penalty(nomad, 1000, date(2026, 7, 1), date(2026, 7, 1)).amount == Decimal("0.00")


def test_sakbol_sets_no_late_payout_penalty(sakbol):
    with pytest.raises(ValueError):
        late_payout_penalty(sakbol, 1000, date(2026, 7, 1), date(2026, 7, 5))


def test_nomad_life_9_3_certificate_within_10_calendar_days_of_certification(nomad):
    event = nomad.event_type("disability")
    check = check_disability(event, date(2026, 3, 1), date(2026, 5, 20), today=date(2026, 5, 25))
    assert (check.certificate_due, check.certificate_late, check.certificate_clause) == (
        date(2026, 5, 30), False, "9.3(2)")
    late = check_disability(event, date(2026, 3, 1), date(2026, 5, 20), today=date(2026, 6, 1))
    assert late.certificate_late
    assert late.set_in_time is None  # Nomad Life sets no window between accident and disability


@pytest.mark.parametrize(("accident", "set_on", "in_time"), [
    (date(2026, 1, 10), date(2026, 7, 10), True),
    (date(2026, 1, 10), date(2026, 7, 11), False),
    (date(2025, 8, 31), date(2026, 2, 28), True),  # the month is shorter: its last day
])
def test_sakbol_terms_i_disability_set_within_six_months_of_the_accident(sakbol, accident, set_on, in_time):
    check = check_disability(sakbol.event_type("disability"), accident, set_on, today=date(2026, 8, 1))
    assert check.set_in_time is in_time
    assert check.set_by == add_months(accident, 6)
    assert check.set_within_clause == "terms (и)"
    assert check.certificate_due is None


@pytest.mark.parametrize(("set_on", "reason"), [(date(2026, 1, 9), "before_accident"),
                                                (date(2026, 9, 1), "in_future")])
def test_disability_date_must_follow_the_accident_and_not_be_ahead(sakbol, set_on, reason):
    with pytest.raises(DisabilityDateError) as refused:
        check_disability(sakbol.event_type("disability"), date(2026, 1, 10), set_on, today=date(2026, 8, 1))
    assert refused.value.reason == reason
