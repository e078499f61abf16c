"""Ending a policy early at the customer's request: what is returned and under
which clause, before the customer confirms.

- Nomad Life rules 12.3(1): the policyholder may terminate at any time, the
  premium is not returned; 12.5: after early loan repayment, the unexpired
  share of the premium less the insurer's expenses (at most 10%) is returned,
  counted from the repayment date, which must be reported by the policy's end.
- SAKBOL offer 7.2 (refusal at any time, no refund), 8.3 (early termination:
  premium less the earned part and 15% expenses) and 8.2 (nothing after a
  payout) overlap: which applies is the product's setting, and the customer
  is shown all three (`Termination.shown_to_customer`).

The arithmetic is `insurance.claims.termination_refund`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from insurance.claims import Refund, termination_refund
from insurance.product import Product, TerminationRule
from insurance.reasons import ReasonedError

EARLY_REPAYMENT = "early_repayment"
CANCELLATION = "cancellation"
REQUEST_KINDS = (EARLY_REPAYMENT, CANCELLATION)


class TerminationRefused(ReasonedError):
    """`reason`: repaid_in_future, repaid_before_cover, policy_ended; `clause`: the rule's."""

    def __init__(self, reason: str, clause: str) -> None:
        super().__init__(reason)
        self.clause = clause


@dataclass(frozen=True)
class TerminationQuote:
    kind: str
    rule: TerminationRule
    refund: Refund
    shown: tuple[TerminationRule, ...]
    effective_on: date
    insurer_to_confirm: bool


def quote(product: Product, kind: str, *, premium: Decimal | int | str, cover_start: date, cover_end: date,
          today: date, repaid_on: date | None = None, payout_made: bool = False) -> TerminationQuote:
    """What the customer gets back for `kind` (early_repayment needs `repaid_on`)."""
    if kind not in REQUEST_KINDS:
        raise ValueError(f"unknown termination request {kind!r}")
    termination = product.termination
    code = termination.on_client_request
    if kind == EARLY_REPAYMENT:
        code = termination.on_early_loan_repayment or code
    clause = termination.rule(code).clause
    if today > product.cover_period.last_covered_day(cover_end):
        # Nomad Life rules 12.5: reported no later than the policy's end date.
        raise TerminationRefused("policy_ended", clause)
    effective_on = today
    if kind == EARLY_REPAYMENT:
        if repaid_on is None:
            raise ValueError("early repayment needs the repayment date")
        if repaid_on > today:
            raise TerminationRefused("repaid_in_future", clause)
        if repaid_on < cover_start:
            raise TerminationRefused("repaid_before_cover", clause)
        effective_on = repaid_on
    if payout_made and termination.after_payout is not None:
        code = termination.after_payout  # SAKBOL offer 8.2
    rule = termination.rule(code)
    refund = termination_refund(product, code, premium=premium, cover_start=cover_start, cover_end=cover_end,
                                terminated_on=effective_on)
    shown = tuple(termination.rule(c) for c in termination.shown_to_customer) or (rule,)
    if rule not in shown:
        shown = (rule, *shown)
    return TerminationQuote(kind, rule, refund, shown, effective_on, termination.insurer_to_confirm)
