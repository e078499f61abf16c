"""Who may buy: age limit, health and status declarations, who signs online.

A refusal is a value (`Refusal`), never an exception: the bot explains it and,
where the rules send the customer to a person, hands the chat to staff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from insurance.product import Product


@dataclass(frozen=True)
class Refusal:
    """Why the bot cannot go on: the product, the rule, the clause behind it.

    `subject` names the declaration (or other item) the rule was applied to.
    """

    product: str
    rule: str
    clause: str
    subject: str | None = None
    handover_to_staff: bool = False


class IncompleteDeclaration(ValueError):
    """Answers are missing or name questions the product does not ask."""

    def __init__(self, missing: tuple[str, ...], unknown: tuple[str, ...]) -> None:
        parts = []
        if missing:
            parts.append(f"unanswered: {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown: {', '.join(unknown)}")
        super().__init__("; ".join(parts))
        self.missing = missing
        self.unknown = unknown


def date_of_reaching_age(birth_date: date, age: int) -> date:
    """The birthday on which a person reaches `age`; 29 February rolls to 1 March."""
    try:
        return birth_date.replace(year=birth_date.year + age)
    except ValueError:
        return date(birth_date.year + age, 3, 1)


def check_age(
    product: Product, birth_date: date, cover_start: date, cover_end: date
) -> Refusal | None:
    """Nomad Life rules 2(4), 4.6: the insured must not reach 70 during the cover.

    Reading: 4.6 bars anyone who "reaches 70 while the contract is in force",
    and the last covered day is part of that period, so a 70th birthday on
    the last covered day is refused and one on the day after is accepted.
    2(4) ("not above 70 after the cover ends") does not loosen 4.6.
    """
    last_day = product.cover_period.last_covered_day(cover_end)
    if cover_start > last_day:
        raise ValueError(f"cover period is empty: {cover_start} to {cover_end}")
    if birth_date > cover_start:
        raise ValueError(f"birth date {birth_date} is after the cover start {cover_start}")
    limit = product.eligibility.age_limit
    if limit is None:
        return None
    # The only rule kind so far: "not_reached_during_cover".
    if date_of_reaching_age(birth_date, limit.age) <= last_day:
        return Refusal(product.code, "age_limit", limit.clause)
    return None


def check_declarations(product: Product, answers: Mapping[str, bool]) -> tuple[Refusal, ...]:
    """One refusal per question answered "Yes" (True); "No" is eligible.

    Every question must be answered: a contract concluded without answers
    cannot later be voided for what was not asked (Nomad Life rules 4.5).
    """
    questions = product.eligibility.declarations
    codes = [q.code for q in questions]
    missing = tuple(c for c in codes if c not in answers)
    unknown = tuple(sorted(c for c in answers if c not in codes))
    if missing or unknown:
        raise IncompleteDeclaration(missing, unknown)
    for code in codes:
        if not isinstance(answers[code], bool):
            raise TypeError(f"answer to {code!r} must be True or False")
    return tuple(
        Refusal(product.code, "declaration", q.clause, subject=q.code)
        for q in questions
        if answers[q.code]
    )


def check_policyholder(product: Product, insured_is_policyholder: bool) -> Refusal | None:
    """Nomad Life rules 4.2: if the insured person is not the policyholder,
    the contract is concluded on paper with ID documents, never electronically.
    """
    eligibility = product.eligibility
    if insured_is_policyholder or not eligibility.online_sale_requires_insured_is_policyholder:
        return None
    assert eligibility.policyholder_clause is not None
    return Refusal(
        product.code,
        "insured_not_policyholder",
        eligibility.policyholder_clause,
        handover_to_staff=True,
    )


def check_eligibility(
    product: Product,
    *,
    birth_date: date,
    cover_start: date,
    cover_end: date,
    answers: Mapping[str, bool],
    insured_is_policyholder: bool = True,
) -> tuple[Refusal, ...]:
    """All refusals at once, the hand-over to staff first."""
    refusals = [
        check_policyholder(product, insured_is_policyholder),
        check_age(product, birth_date, cover_start, cover_end),
    ]
    found = tuple(r for r in refusals if r is not None)
    return found + check_declarations(product, answers)


INSURED_IS_SOMEONE_ELSE = "insured_is_someone_else"


def statement_items(product: Product) -> tuple[tuple[str, str | None], ...]:
    """(code, clause) of every item of the one declaration screen, in the order
    printed on the application; "does not apply" is always the eligible answer.
    Nomad Life rules 4.2 (the insured is someone else) comes first, then the
    declarations (Nomad Life 4.6, SAKBOL offer 4.5)."""
    items: list[tuple[str, str | None]] = []
    if product.eligibility.online_sale_requires_insured_is_policyholder:
        items.append((INSURED_IS_SOMEONE_ELSE, product.eligibility.policyholder_clause))
    items += [(d.code, d.clause) for d in product.eligibility.declarations]
    return tuple(items)


def check_statement(product: Product, applies: Mapping[str, bool]) -> Refusal | None:
    """The first refusal for the items marked as applying (hand-over first).
    Every item must be answered: Nomad Life 4.3, SAKBOL offer 2.7 make the
    answers in the application the material facts."""
    codes = [code for code, _ in statement_items(product)]
    missing = tuple(c for c in codes if c not in applies)
    unknown = tuple(c for c in applies if c not in codes)
    if missing or unknown:
        raise IncompleteDeclaration(missing, unknown)
    if INSURED_IS_SOMEONE_ELSE in applies:
        refusal = check_policyholder(product, not applies[INSURED_IS_SOMEONE_ELSE])
        if refusal is not None:
            return refusal
    found = check_declarations(product, {d.code: applies[d.code] for d in product.eligibility.declarations})
    return found[0] if found else None
