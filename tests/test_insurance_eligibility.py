"""Eligibility: Nomad Life rules 2(4), 4.2, 4.6; SAKBOL offer 4.5."""

from datetime import date, timedelta

import pytest

from insurance.catalogue import get_product
from insurance.eligibility import (
    IncompleteDeclaration,
    Refusal,
    check_age,
    check_declarations,
    check_eligibility,
    check_policyholder,
    date_of_reaching_age,
)

BORN = date(1957, 6, 15)
SEVENTIETH = date(2027, 6, 15)
COVER_START = date(2025, 6, 1)


@pytest.fixture(scope="module")
def nomad():
    return get_product("nomad_life")


@pytest.fixture(scope="module")
def sakbol():
    return get_product("sakbol")


def no_to_all(product):
    return {q.code: False for q in product.eligibility.declarations}


@pytest.mark.parametrize(
    "cover_end, refused",
    [
        (SEVENTIETH - timedelta(days=1), False),  # cover ends the day before the 70th birthday
        (SEVENTIETH, True),  # 70th birthday is the last covered day: reached during cover
        (SEVENTIETH + timedelta(days=1), True),
    ],
)
def test_nomad_life_4_6_must_not_reach_70_during_cover(nomad, cover_end, refused):
    result = check_age(nomad, BORN, COVER_START, cover_end)
    if refused:
        assert result == Refusal("nomad_life", "age_limit", "2(4), 4.6")
    else:
        assert result is None


def test_nomad_life_4_6_already_70_at_start_is_refused(nomad):
    assert check_age(nomad, date(1950, 1, 1), COVER_START, date(2025, 12, 31)) is not None


def test_leap_day_birth_reaches_70_on_first_of_march():
    assert date_of_reaching_age(date(1956, 2, 29), 70) == date(2026, 3, 1)
    assert date_of_reaching_age(date(1956, 2, 29), 72) == date(2028, 2, 29)


def test_nomad_life_leap_day_birth_edge(nomad):
    born = date(1956, 2, 29)
    assert check_age(nomad, born, date(2025, 3, 1), date(2026, 2, 28)) is None
    assert check_age(nomad, born, date(2025, 3, 1), date(2026, 3, 1)) is not None


def test_sakbol_offer_sets_no_age_limit(sakbol):
    """The SAKBOL offer names no age limit (4.5 lists only health and status)."""
    assert sakbol.eligibility.age_limit is None
    assert check_age(sakbol, date(1940, 1, 1), date(2026, 3, 1), date(2027, 3, 1)) is None


def test_check_age_rejects_impossible_periods(nomad):
    with pytest.raises(ValueError):
        check_age(nomad, BORN, date(2026, 1, 1), date(2025, 1, 1))
    with pytest.raises(ValueError):
        check_age(nomad, date(2030, 1, 1), date(2026, 1, 1), date(2027, 1, 1))


def test_nomad_life_4_6_declarations_all_no_is_eligible(nomad):
    assert check_declarations(nomad, no_to_all(nomad)) == ()


def test_nomad_life_4_6_declaration_topics(nomad):
    codes = {q.code for q in nomad.eligibility.declarations}
    assert codes == {
        "serving_sentence",
        "pretrial_detention",
        "sanctions_list",
        "disability_group",
        "mental_disorders",
        "cancer",
        "severe_neurological_disease",
        "circulatory_disease",
        "diabetes",
        "hiv_aids",
    }
    assert {q.clause for q in nomad.eligibility.declarations} == {"4.6"}


def test_nomad_life_4_6_each_yes_is_one_refusal(nomad):
    answers = no_to_all(nomad) | {"cancer": True, "diabetes": True}
    refusals = check_declarations(nomad, answers)
    assert [r.subject for r in refusals] == ["cancer", "diabetes"]
    assert all(
        r.rule == "declaration" and r.clause == "4.6" and r.product == "nomad_life"
        for r in refusals
    )
    assert not any(r.handover_to_staff for r in refusals)


def test_nomad_life_4_6_sanctions_list_premium_not_returned_if_found_later(nomad):
    assert nomad.declaration("sanctions_list").premium_returned_if_found_later is False
    assert nomad.declaration("cancer").premium_returned_if_found_later is True


def test_sakbol_4_5_declarations_with_subclauses(sakbol):
    clauses = {q.code: q.clause for q in sakbol.eligibility.declarations}
    assert clauses == {
        "dispensary_registration": "4.5(а)",
        "hiv": "4.5(б)",
        "malignant_tumour": "4.5(в)",
        "disability_group_1_2": "4.5(г)",
        "hospitalised": "4.5(д)",
    }


def test_sakbol_4_5_hospitalised_is_refused(sakbol):
    refusals = check_declarations(sakbol, no_to_all(sakbol) | {"hospitalised": True})
    assert refusals == (Refusal("sakbol", "declaration", "4.5(д)", subject="hospitalised"),)


def test_declarations_must_all_be_answered(nomad):
    answers = no_to_all(nomad)
    del answers["hiv_aids"]
    with pytest.raises(IncompleteDeclaration) as exc:
        check_declarations(nomad, answers)
    assert exc.value.missing == ("hiv_aids",)


def test_declarations_reject_unknown_questions(sakbol):
    with pytest.raises(IncompleteDeclaration) as exc:
        check_declarations(sakbol, no_to_all(sakbol) | {"smoker": False})
    assert exc.value.unknown == ("smoker",)


def test_declaration_answers_must_be_booleans(sakbol):
    with pytest.raises(TypeError):
        check_declarations(sakbol, no_to_all(sakbol) | {"hiv": "no"})


def test_nomad_life_4_2_insured_not_policyholder_goes_to_staff(nomad):
    refusal = check_policyholder(nomad, insured_is_policyholder=False)
    assert refusal == Refusal(
        "nomad_life", "insured_not_policyholder", "4.2", handover_to_staff=True
    )
    assert check_policyholder(nomad, insured_is_policyholder=True) is None


def test_sakbol_sells_online_to_a_third_party_insured(sakbol):
    assert check_policyholder(sakbol, insured_is_policyholder=False) is None


def test_check_eligibility_collects_everything(nomad):
    refusals = check_eligibility(
        nomad,
        birth_date=BORN,
        cover_start=COVER_START,
        cover_end=SEVENTIETH,
        answers=no_to_all(nomad) | {"pretrial_detention": True},
        insured_is_policyholder=False,
    )
    assert [r.rule for r in refusals] == ["insured_not_policyholder", "age_limit", "declaration"]
    assert refusals[0].handover_to_staff
