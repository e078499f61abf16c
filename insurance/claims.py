"""Claim rules: cover check, reporting window, insurer deadlines, payout
shares and premium refunds.

The bot never decides a claim: these helpers register, flag and inform.
A late report is a flag with its clause, never a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from insurance.calendar import add_days
from insurance.eligibility import Refusal
from insurance.money import round_money, to_decimal
from insurance.product import ClaimEventType, Payout, Product

# --------------------------------------------------------------------------- cover and reporting


def check_cover(
    product: Product, event_date: date, cover_start: date, cover_end: date, today: date
) -> Refusal | None:
    """Is the event inside the policy period?

    Nomad Life rules 3.2, 8.2(4); SAKBOL offer 4.4(й), 6.2 (cover ends at
    00:00 of the end date, form section 5). `today` is the local date in the
    product's country (see `insurance.calendar.local_date`).
    """
    clause = product.cover_period.clause
    if event_date > today:
        return Refusal(product.code, "event_in_future", clause)
    if event_date < cover_start:
        return Refusal(product.code, "event_before_cover_start", clause)
    if event_date > product.cover_period.last_covered_day(cover_end):
        return Refusal(product.code, "event_after_cover_end", clause)
    return None


def check_event_in_option(product: Product, option_code: str, event_code: str) -> Refusal | None:
    """Is this kind of event among the risks of the cover option bought?"""
    option = product.cover_option(option_code)
    product.event_type(event_code)  # KeyError for an event the product does not know
    if event_code in option.risks:
        return None
    return Refusal(product.code, "risk_not_in_option", option.clause, subject=event_code)


def reporting_deadline(product: Product, event_date: date) -> date:
    """Last day to tell the insurer about the event.

    Nomad Life rules 9.1: 60 calendar days. SAKBOL offer 8.1: "10 (он) күн"
    with no mention of working days, so 10 calendar days. Counting starts
    the day after the event.
    """
    rule = product.reporting
    return add_days(product.country, event_date, rule.days, rule.calendar)


@dataclass(frozen=True)
class ReportingCheck:
    """A report is always registered; `late` only flags it for the insurer."""

    deadline: date
    late: bool
    days_late: int
    clause: str
    late_clause: str | None


def check_reporting(product: Product, event_date: date, reported_on: date) -> ReportingCheck:
    if reported_on < event_date:
        raise ValueError(f"reported on {reported_on}, before the event on {event_date}")
    deadline = reporting_deadline(product, event_date)
    days_late = max(0, (reported_on - deadline).days)
    return ReportingCheck(
        deadline=deadline,
        late=days_late > 0,
        days_late=days_late,
        clause=product.reporting.clause,
        late_clause=product.reporting.late_clause,
    )


# --------------------------------------------------------------------------- insurer deadlines


@dataclass(frozen=True)
class Due:
    """A date the insurer has to meet, with where it comes from."""

    code: str
    due_on: date
    days: int
    calendar: str
    clause: str | None
    insurer_to_confirm: bool


def insurer_deadline(product: Product, code: str, start: date) -> Due:
    """Deadline `code` counted from `start` (for a chained deadline, from the
    start of the deadline it follows)."""
    deadline = product.insurer_deadline(code)
    origin = start
    if deadline.after is not None:
        origin = insurer_deadline(product, deadline.after, start).due_on
    return Due(
        code=code,
        due_on=add_days(product.country, origin, deadline.days, deadline.calendar),
        days=deadline.days,
        calendar=deadline.calendar,
        clause=deadline.clause,
        insurer_to_confirm=deadline.insurer_to_confirm,
    )


def missing_documents_deadline(product: Product, documents_received_on: date) -> Due:
    """Nomad Life rules 10.3: 5 working days to list the missing documents."""
    return insurer_deadline(product, "missing_documents", documents_received_on)


def decision_deadline(product: Product, all_documents_received_on: date) -> Due:
    """Nomad Life rules 7.8: decide within 15 working days of getting all documents."""
    return insurer_deadline(product, "decision", all_documents_received_on)


def payment_deadline(product: Product, all_documents_received_on: date) -> Due:
    """Nomad Life rules 7.8: pay within 15 working days after the decision deadline."""
    return insurer_deadline(product, "payment", all_documents_received_on)


def recertification_decision_deadline(product: Product, application_received_on: date) -> Due:
    """Nomad Life rules 7.8: 10 working days on re-certification."""
    return insurer_deadline(product, "recertification_decision", application_received_on)


# --------------------------------------------------------------------------- payouts


class PayoutNotComputable(ValueError):
    """The product pays this event otherwise than by a share of the sum insured."""


@dataclass(frozen=True)
class PayoutEstimate:
    share: Decimal | None
    base: Decimal
    amount: Decimal
    clause: str


def remaining_sum_insured(
    sum_insured: Decimal | int | str, earlier_payouts: Iterable[Decimal | int | str] = ()
) -> Decimal:
    """SAKBOL offer 5.4: sum insured less payouts already made, not below zero."""
    remaining = to_decimal(sum_insured) - sum((to_decimal(p) for p in earlier_payouts), Decimal(0))
    return max(round_money(remaining), Decimal("0.00"))


def injury_share(shares: Iterable[Decimal | int | str], cap: Decimal) -> Decimal:
    """SAKBOL offer 5.1: injuries from one accident are summed, capped at `cap`
    (75%); when one injury alone is rated above the cap, its own (largest)
    rate is paid instead."""
    rates = [to_decimal(s) for s in shares]
    if not rates:
        raise ValueError("at least one injury rate from the insurer's table is needed")
    if any(not Decimal(0) < r <= Decimal(1) for r in rates):
        raise ValueError("injury rates must be between 0 and 1")
    largest = max(rates)
    if largest > cap:
        return largest
    return min(sum(rates, Decimal(0)), cap)


def payout_share(
    product: Product,
    event_code: str,
    *,
    disability_group: int | None = None,
    injury_shares: Iterable[Decimal | int | str] = (),
) -> Decimal:
    """Share of the remaining sum insured paid for the event (SAKBOL 5.1-5.3)."""
    event = product.event_type(event_code)
    payout = _payout(event, product)
    if payout.kind == "share_of_remaining_sum":
        assert payout.share is not None
        return payout.share
    if payout.kind == "share_by_disability_group":
        if disability_group is None:
            raise ValueError("disability_group is required for this event")
        return payout.share_for_group(disability_group)
    if payout.kind == "injury_table":
        assert payout.cap is not None
        return injury_share(injury_shares, payout.cap)
    raise PayoutNotComputable(
        f"{product.code}/{event_code} is paid as {payout.kind!r} ({payout.clause})"
    )


def payout_amount(
    product: Product,
    event_code: str,
    *,
    sum_insured: Decimal | int | str,
    earlier_payouts: Iterable[Decimal | int | str] = (),
    disability_group: int | None = None,
    injury_shares: Iterable[Decimal | int | str] = (),
    principal_debt: Decimal | int | str | None = None,
) -> PayoutEstimate:
    """An estimate to show the customer; the insurer decides the claim.

    Share-based events (SAKBOL 5.x) pay a share of the remaining sum insured.
    Nomad Life death (7.2, 7.3) pays the principal debt on the date of death,
    at most the sum insured.
    """
    base = remaining_sum_insured(sum_insured, earlier_payouts)
    payout = _payout(product.event_type(event_code), product)
    if payout.kind == "principal_debt":
        if principal_debt is None:
            raise ValueError("principal_debt is required for this event")
        return PayoutEstimate(None, base, min(round_money(principal_debt), base), payout.clause)
    share = payout_share(
        product, event_code, disability_group=disability_group, injury_shares=injury_shares
    )
    return PayoutEstimate(share, base, round_money(base * share), payout.clause)


def _payout(event: ClaimEventType, product: Product) -> Payout:
    if event.payout is None:
        raise PayoutNotComputable(f"{product.code}/{event.code} has no payout rule")
    return event.payout


# --------------------------------------------------------------------------- refunds


@dataclass(frozen=True)
class Refund:
    rule: str
    clause: str
    premium: Decimal
    unexpired_days: int
    cover_days: int
    unexpired_premium: Decimal
    expenses: Decimal
    amount: Decimal


def termination_refund(
    product: Product,
    rule_code: str,
    *,
    premium: Decimal | int | str,
    cover_start: date,
    cover_end: date,
    terminated_on: date,
    expenses: Decimal | int | str | None = None,
) -> Refund:
    """Premium returned when the contract ends early under `rule_code`.

    For "unexpired_share_less_expenses" the unexpired share runs from
    `terminated_on` (the early repayment date under Nomad Life 12.5) to the
    last covered day, pro rata by days. Expenses: Nomad Life 12.5 caps the
    insurer's expenses at 10% of the premium (without a figure, the cap is
    assumed); SAKBOL 8.3 sets them at 15%.
    """
    rule = product.termination.rule(rule_code)
    paid = round_money(premium)
    last_day = product.cover_period.last_covered_day(cover_end)
    cover_days = (last_day - cover_start).days + 1
    if cover_days <= 0:
        raise ValueError(f"cover period is empty: {cover_start} to {cover_end}")
    if rule.refund == "none":
        return Refund(
            rule.code,
            rule.clause,
            paid,
            0,
            cover_days,
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
        )
    if rule.refund == "full":
        return Refund(
            rule.code, rule.clause, paid, cover_days, cover_days, paid, Decimal("0.00"), paid
        )

    first_unexpired = max(terminated_on, cover_start)
    unexpired_days = max(0, (last_day - first_unexpired).days + 1)
    unexpired_premium = round_money(paid * unexpired_days / cover_days)
    assert rule.expenses_rate is not None
    limit = round_money(paid * rule.expenses_rate)
    if rule.expenses_rate_is_cap and expenses is not None:
        charged = min(round_money(expenses), limit)
    else:
        charged = limit
    amount = max(unexpired_premium - charged, Decimal("0.00"))
    return Refund(
        rule.code, rule.clause, paid, unexpired_days, cover_days, unexpired_premium, charged, amount
    )


def early_repayment_refund(
    product: Product,
    *,
    premium: Decimal | int | str,
    cover_start: date,
    cover_end: date,
    repaid_on: date,
    expenses: Decimal | int | str | None = None,
) -> Refund:
    """Refund after early loan repayment (Nomad Life rules 12.5; SAKBOL per
    the product's termination setting, offer 8.3)."""
    code = product.termination.on_early_loan_repayment
    if code is None:
        raise ValueError(f"{product.code} has no early-repayment refund rule")
    return termination_refund(
        product,
        code,
        premium=premium,
        cover_start=cover_start,
        cover_end=cover_end,
        terminated_on=repaid_on,
        expenses=expenses,
    )
