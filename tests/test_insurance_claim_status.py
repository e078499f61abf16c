"""The claim status machine, clause by clause (Nomad Life rules 7.1, 7.8-7.10,
8.1-8.4, 10.3, 13.3-13.5; SAKBOL offer 2.4, 4.4, 4.5, 5.1-5.4, 6.2, 8.1, 9.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from insurance import claim_status as cs
from insurance.catalogue import get_product

TODAY = date(2026, 6, 10)


def facts(product_code: str = "nomad_life", event: str = "death") -> cs.ClaimFacts:
    product = get_product(product_code)
    return cs.ClaimFacts(product, event, tuple(i.code for i in product.event_type(event).checklist),
                         Decimal("1000000.00"), date(2026, 6, 1), TODAY)


def problems(current: str, wanted: str, parameters: dict, claim: cs.ClaimFacts | None = None) -> list[tuple]:
    with pytest.raises(cs.InvalidParameters) as error:
        cs.change_status(current, wanted, parameters, claim or facts())
    return [(p.parameter, p.code) for p in error.value.problems]


def test_the_happy_path_to_payment_and_closing_is_allowed_step_by_step():
    claim = facts()
    steps = [("registered", "documents_requested", {"items": ["death_certificate"]}),
             ("documents_requested", "documents_complete", {}),
             ("documents_complete", "under_review", {}),
             ("under_review", "approved", {"amount": "250000"}),
             ("approved", "paid", {"amount": 250000, "paid_on": "2026-06-09"}),
             ("paid", "closed", {})]
    for current, wanted, parameters in steps:
        assert cs.change_status(current, wanted, parameters, claim).status == wanted


@pytest.mark.parametrize("current, wanted", [
    ("registered", "paid"), ("registered", "approved"), ("approved", "refused"), ("paid", "refused"),
    ("refused", "approved"), ("closed", "documents_requested"), ("registered", "closed"),
])
def test_a_forbidden_move_names_the_allowed_ones(current, wanted):
    with pytest.raises(cs.TransitionForbidden) as error:
        cs.change_status(current, wanted, {}, facts())
    assert error.value.allowed == cs.TRANSITIONS[current]
    assert wanted not in error.value.allowed


def test_a_closed_claim_allows_nothing():
    assert cs.allowed_from("closed") == ()


def test_an_unknown_status_is_a_parameter_problem_not_a_transition():
    assert problems("registered", "lost", {}) == [("status", "unknown_status")]


def test_nomad_life_10_3_documents_are_requested_by_checklist_item():
    change = cs.change_status("registered", "documents_requested",
                              {"items": ["death_certificate", "death_certificate", "beneficiary_id"]}, facts())
    assert change.parameters == {"items": ["death_certificate", "beneficiary_id"]}
    assert change.clause == "10.3"
    assert problems("registered", "documents_requested", {}) == [("items", "required")]
    assert problems("registered", "documents_requested", {"items": ["passport_of_the_moon"]}) == \
        [("items", "unknown_item")]
    assert problems("registered", "documents_requested", {"items": "death_certificate"}) == \
        [("items", "not_a_list_of_item_codes")]


def test_documents_can_be_requested_again_before_a_decision():
    assert "documents_requested" in cs.allowed_from("documents_requested")
    assert "documents_requested" in cs.allowed_from("under_review")
    assert "documents_requested" not in cs.allowed_from("approved")


def test_nomad_life_7_8_the_decision_clock_is_cited_once_documents_are_complete():
    assert cs.change_status("registered", "documents_complete", {}, facts()).clause == "7.8"
    assert cs.change_status("documents_complete", "under_review", {}, facts()).clause == "7.8"


def test_nomad_life_7_1_and_sakbol_5_4_an_approved_amount_never_exceeds_the_sum_insured():
    change = cs.change_status("under_review", "approved", {"amount": "999999.5"}, facts())
    assert change.parameters == {"amount": "999999.50"}
    assert change.clause == "7.2, 7.3"  # Nomad Life death pays the principal debt
    assert problems("under_review", "approved", {"amount": "1000000.01"}) == [("amount", "above_sum_insured")]
    sakbol = facts("sakbol", "injury")
    assert cs.change_status("under_review", "approved", {"amount": 1000}, sakbol).clause == "5.1"
    assert problems("under_review", "approved", {"amount": "2000000"}, sakbol) == [("amount", "above_sum_insured")]


@pytest.mark.parametrize("amount, code", [
    (None, "required"), ("abc", "not_an_amount"), (True, "not_an_amount"), ("NaN", "not_an_amount"),
    ("Infinity", "not_an_amount"), (0, "not_positive"), ("-5", "not_positive"), ("10.005", "too_many_decimals"),
    ([1], "not_an_amount"),
])
def test_bad_amounts_are_named(amount, code):
    assert problems("under_review", "approved", {"amount": amount}) == [("amount", code)]


def test_nomad_life_7_8_payment_needs_the_amount_and_a_day_between_the_report_and_today():
    change = cs.change_status("approved", "paid", {"amount": "100", "paid_on": "2026-06-01"}, facts())
    assert change.parameters == {"amount": "100.00", "paid_on": "2026-06-01"} and change.clause == "7.8"
    assert problems("approved", "paid", {"amount": "100"}) == [("paid_on", "required")]
    assert problems("approved", "paid", {"amount": "100", "paid_on": "2026-06-11"}) == [("paid_on", "in_future")]
    assert problems("approved", "paid", {"amount": "100", "paid_on": "2026-05-31"}) == [("paid_on", "before_report")]
    assert problems("approved", "paid", {"amount": "100", "paid_on": "10.06.2026"}) == [("paid_on", "not_a_date")]
    assert problems("approved", "paid", {"amount": "100", "paid_on": "2026-02-30"}) == [("paid_on", "not_a_date")]


def test_nomad_life_7_10_a_refusal_cites_its_ground_and_names_every_appeal_route():
    change = cs.change_status("under_review", "refused", {"reason": "late_report"}, facts())
    assert change.parameters == {"reason": "late_report", "clause": "8.2(3)"}  # 60 days, rules 9.1
    assert change.clause == "7.10"
    assert [(a.route, a.clause) for a in change.appeal] == [
        ("insurer", "7.10, 13.3"), ("ombudsman", "7.10, 13.4"), ("regulator", "7.10"), ("court", "7.10, 13.5")]


@pytest.mark.parametrize("reason, clause", [
    ("exclusion", "8.1"), ("false_information", "8.2(1)"), ("investigation_obstructed", "8.2(2)"),
    ("outside_cover", "8.2(4)"), ("undisclosed_condition", "8.2(5), 8.3"), ("cause_not_established", "8.2(6)"),
    ("disability_from_illness", "8.4"),
])
def test_nomad_life_8_refusal_grounds_carry_their_clause(reason, clause):
    assert cs.change_status("documents_complete", "refused", {"reason": reason}, facts()).parameters["clause"] == clause


def test_sakbol_refusal_grounds_and_appeal_under_9_3_and_the_regulator_without_an_ombudsman():
    sakbol = facts("sakbol", "injury")
    assert cs.change_status("registered", "refused", {"reason": "late_report"}, sakbol).parameters["clause"] == "8.1"
    assert cs.change_status("registered", "refused", {"reason": "exclusion"}, sakbol).parameters["clause"] == "4.4"
    assert cs.change_status("registered", "refused", {"reason": "documents_not_authentic"},
                            sakbol).parameters["clause"] == "2.4"
    change = cs.change_status("registered", "refused", {"reason": "not_insurable"}, sakbol)
    assert change.parameters["clause"] == "4.5" and change.clause == "9.3"
    assert [a.route for a in change.appeal] == ["insurer", "regulator", "court"]
    assert problems("registered", "refused", {"reason": "disability_from_illness"}, sakbol) == \
        [("reason", "unknown_reason")]


def test_the_insurer_may_cite_its_own_clause_and_must_for_another_ground():
    change = cs.change_status("registered", "refused", {"reason": "exclusion", "clause": "8.1(7)"}, facts())
    assert change.parameters["clause"] == "8.1(7)"
    assert problems("registered", "refused", {"reason": "other"}) == [("clause", "required")]
    assert problems("registered", "refused", {"reason": "other", "clause": "<b>"}) == [("clause", "not_a_clause")]
    assert problems("registered", "refused", {}) == [("reason", "required")]


def test_unexpected_parameters_are_refused_by_name():
    assert problems("under_review", "approved", {"amount": 5, "currency": "KZT"}) == [("currency", "unexpected")]
    assert problems("paid", "closed", {"note": "x"}) == [("note", "unexpected")]
