"""The claim status machine: the statuses an insurer moves a claim through, the
moves allowed from each, the parameters each needs, and the clause behind it.

    registered → documents_requested → documents_complete → under_review
      → approved (amount) → paid (amount, date) → closed
      → refused (reason, clause, appeal routes) → closed

- documents_requested: which checklist items (Nomad Life rules 10.3: the
  insurer lists what is missing within 5 working days of receiving documents).
  It may be asked again at any point before a decision.
- documents_complete: every document is in; Nomad Life rules 7.8 starts the
  15-working-day decision clock. The bot also sets it itself when the last
  document arrives (`storage.claim_progress`).
- under_review: the insurer is deciding (7.8; it may check with authorities).
- approved: the payout amount, never above the sum insured (Nomad Life 7.1,
  SAKBOL offer 5.4: the remaining sum insured); the clause is the event's payout rule.
- paid: the amount transferred and the day (Nomad Life 7.8, 7.9).
- refused: a ground from the product's list (Nomad Life 8.1-8.4; SAKBOL 2.4,
  4.4, 4.5, 6.2, 8.1) with its clause, and where the customer may appeal
  (Nomad Life 7.10, 13.3-13.5: the insurer, the insurance ombudsman, the
  regulator, a court; SAKBOL 9.3 and the regulator named after 9.5).
- closed: nothing more happens on the claim.

The insurer sends codes and parameters, never sentences: the bot words the
customer's message. Nothing here knows HTTP, SQL or Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from insurance.product import AppealRoute, Product

REGISTERED, DOCUMENTS_REQUESTED, DOCUMENTS_COMPLETE = "registered", "documents_requested", "documents_complete"
UNDER_REVIEW, APPROVED, PAID, REFUSED, CLOSED = "under_review", "approved", "paid", "refused", "closed"
STATUSES = (REGISTERED, DOCUMENTS_REQUESTED, DOCUMENTS_COMPLETE, UNDER_REVIEW, APPROVED, PAID, REFUSED, CLOSED)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    REGISTERED: (DOCUMENTS_REQUESTED, DOCUMENTS_COMPLETE, UNDER_REVIEW, REFUSED),
    DOCUMENTS_REQUESTED: (DOCUMENTS_REQUESTED, DOCUMENTS_COMPLETE, UNDER_REVIEW, REFUSED),
    DOCUMENTS_COMPLETE: (DOCUMENTS_REQUESTED, UNDER_REVIEW, APPROVED, REFUSED),
    UNDER_REVIEW: (DOCUMENTS_REQUESTED, APPROVED, REFUSED),
    APPROVED: (PAID,),
    PAID: (CLOSED,),
    REFUSED: (CLOSED,),
    CLOSED: (),
}

# Parameters each status takes (required ones first); anything else is refused.
PARAMETERS: dict[str, tuple[str, ...]] = {
    DOCUMENTS_REQUESTED: ("items",),
    APPROVED: ("amount",),
    PAID: ("amount", "paid_on"),
    REFUSED: ("reason", "clause"),
}
_CLAUSE = re.compile(r"[0-9A-Za-z][0-9A-Za-z().,\- ]{0,31}")


@dataclass(frozen=True)
class ClaimFacts:
    """What the machine must know about the claim to check parameters."""

    product: Product
    event_type: str
    checklist: tuple[str, ...]
    sum_insured: Decimal
    reported_on: date
    today: date


@dataclass(frozen=True)
class StatusChange:
    """An allowed move: the new status, its normalised parameters (JSON-ready),
    the clause it rests on, and for a refusal where the customer may appeal."""

    status: str
    parameters: dict[str, Any]
    clause: str | None
    appeal: tuple[AppealRoute, ...] = ()


class TransitionForbidden(Exception):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"{current} → {wanted} is not allowed")
        self.current, self.wanted, self.allowed = current, wanted, allowed_from(current)


@dataclass(frozen=True)
class Problem:
    """`parameter` is the parameter's name; `code` says what is wrong with it."""

    parameter: str
    code: str


@dataclass
class InvalidParameters(Exception):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return ", ".join(f"{p.parameter}: {p.code}" for p in self.problems)


def allowed_from(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def change_status(current: str, wanted: str, parameters: Mapping[str, Any], facts: ClaimFacts) -> StatusChange:
    """Check the move and its parameters; raise TransitionForbidden or InvalidParameters."""
    if wanted not in STATUSES:
        raise InvalidParameters([Problem("status", "unknown_status")])
    if wanted not in allowed_from(current):
        raise TransitionForbidden(current, wanted)
    problems = [Problem(name, "unexpected") for name in parameters if name not in PARAMETERS.get(wanted, ())]
    checked: dict[str, Any] = {}
    for name in PARAMETERS.get(wanted, ()):
        try:
            value = _CHECKS[name](parameters.get(name), facts, parameters)
        except _Bad as bad:
            problems.append(Problem(name, bad.code))
            continue
        if value is not None:
            checked[name] = value
    if problems:
        raise InvalidParameters(problems)
    return _change(wanted, checked, facts)


def _change(status: str, parameters: dict[str, Any], facts: ClaimFacts) -> StatusChange:
    product = facts.product
    deadlines = {d.code: d.clause for d in product.insurer_deadlines}
    if status == DOCUMENTS_REQUESTED:
        return StatusChange(status, parameters, deadlines.get("missing_documents"))
    if status in (DOCUMENTS_COMPLETE, UNDER_REVIEW):
        return StatusChange(status, parameters, deadlines.get("decision"))
    if status == APPROVED:
        payout = product.event_type(facts.event_type).payout
        return StatusChange(status, parameters, payout.clause if payout else None)
    if status == PAID:
        return StatusChange(status, parameters, deadlines.get("payment"))
    if status == REFUSED:
        decisions = product.claim_decisions
        return StatusChange(status, parameters, decisions.refusal_clause if decisions else None,
                            decisions.appeal if decisions else ())
    return StatusChange(status, parameters, None)


class _Bad(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _items(value: Any, facts: ClaimFacts, _all: Mapping[str, Any]) -> list[str]:
    if value is None or value == []:
        raise _Bad("required")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad("not_a_list_of_item_codes")
    if any(v not in facts.checklist for v in value):
        raise _Bad("unknown_item")
    return list(dict.fromkeys(value))


def _amount(value: Any, facts: ClaimFacts, _all: Mapping[str, Any]) -> str:
    """Nomad Life rules 7.1, SAKBOL offer 5.4: a payout never exceeds the sum insured."""
    if value is None:
        raise _Bad("required")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Bad("not_an_amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad("not_an_amount") from None
    if not amount.is_finite():
        raise _Bad("not_an_amount")
    if amount <= 0:
        raise _Bad("not_positive")
    if amount != amount.quantize(Decimal("0.01")):
        raise _Bad("too_many_decimals")
    if amount > facts.sum_insured:
        raise _Bad("above_sum_insured")
    return str(amount.quantize(Decimal("0.01")))


def _paid_on(value: Any, facts: ClaimFacts, _all: Mapping[str, Any]) -> str:
    if value is None:
        raise _Bad("required")
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise _Bad("not_a_date")
    if day > facts.today:
        raise _Bad("in_future")
    if day < facts.reported_on:
        raise _Bad("before_report")
    return day.isoformat()


def _reason(value: Any, facts: ClaimFacts, _all: Mapping[str, Any]) -> str:
    if value is None:
        raise _Bad("required")
    decisions = facts.product.claim_decisions
    if not isinstance(value, str) or decisions is None or value not in {g.code for g in decisions.refusal_grounds}:
        raise _Bad("unknown_reason")
    return value


def _clause(value: Any, facts: ClaimFacts, parameters: Mapping[str, Any]) -> str | None:
    """The clause the refusal rests on: the insurer's, or the ground's own (an
    "other" ground has none, so the insurer must name it)."""
    if value is not None:
        if not isinstance(value, str) or not _CLAUSE.fullmatch(value.strip()):
            raise _Bad("not_a_clause")
        return value.strip()
    decisions = facts.product.claim_decisions
    reason = parameters.get("reason")
    ground = next((g for g in decisions.refusal_grounds if g.code == reason), None) if decisions else None
    if ground is None:
        return None  # the reason's own problem is reported
    if ground.clause is None:
        raise _Bad("required")
    return ground.clause


_CHECKS = {"items": _items, "amount": _amount, "paid_on": _paid_on, "reason": _reason, "clause": _clause}
