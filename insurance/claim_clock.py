"""The claim clock: which documents the insurer has in the form its rules ask
for, and the dates it owes the customer from then on.

- Nomad Life rules 10.1, 10.2: several documents must be originals or
  notarised copies, so a scan sent through the bot does not count as received
  for them until the insurer confirms the original.
- Nomad Life rules 10.3: the insurer lists missing documents within 5 working
  days of receiving documents.
- Nomad Life rules 7.8: it decides within 15 working days of receiving ALL
  required documents, pays within 15 working days after that decision
  deadline, and on re-certification decides within 10 working days.
- Nomad Life rules 11.2(4): a late payout accrues a penalty for each day of
  delay at the National Bank's refinancing rate (a product setting).
- Nomad Life rules 9.3(2): the disability certificate is due within 10
  calendar days of (re-)certification; SAKBOL offer, terms (и): disability
  counts only when set within 6 months of the accident.

Nothing here decides a claim: the dates are shown and late ones flagged.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from insurance.calendar import local_date
from insurance.claims import Due, insurer_deadline
from insurance.money import round_money, to_decimal
from insurance.product import ChecklistItem, ClaimEventType, InsurerDeadline, Product
from insurance.reasons import ReasonedError

PAPER_FORMS = ("original", "notarised_copy")
DAYS_IN_YEAR = 365


def needs_original(item: ChecklistItem) -> bool:
    """Nomad Life rules 10.1(6), 10.2: asked as an original or a notarised copy."""
    return any(form in PAPER_FORMS for form in item.document.forms)


@dataclass(frozen=True)
class ItemStatus:
    """One checklist item: the first scan received and the original confirmed."""

    item: ChecklistItem
    scan_received_at: datetime | None
    original_confirmed_at: datetime | None

    @property
    def needs_original(self) -> bool:
        return needs_original(self.item)

    @property
    def received_at(self) -> datetime | None:
        """When the insurer has it as the rules ask: the original, or for a copy the scan."""
        if self.needs_original:
            return self.original_confirmed_at
        moments = [m for m in (self.scan_received_at, self.original_confirmed_at) if m is not None]
        return min(moments) if moments else None

    @property
    def awaiting_original(self) -> bool:
        return self.needs_original and self.original_confirmed_at is None


def item_statuses(checklist: Iterable[ChecklistItem], scans: Mapping[str, datetime],
                  originals: Mapping[str, datetime]) -> tuple[ItemStatus, ...]:
    """`scans`: item code -> first upload; `originals`: item code -> insurer's confirmation."""
    return tuple(ItemStatus(item, scans.get(item.code), originals.get(item.code)) for item in checklist)


def all_received_at(statuses: Iterable[ItemStatus]) -> datetime | None:
    """The moment the last required document arrived in its required form; None while any is missing."""
    moments = [s.received_at for s in statuses]
    if not moments or any(m is None for m in moments):
        return None
    return max(m for m in moments if m is not None)


def first_received_at(statuses: Iterable[ItemStatus]) -> datetime | None:
    moments = [m for s in statuses for m in (s.scan_received_at, s.original_confirmed_at) if m is not None]
    return min(moments) if moments else None


@dataclass(frozen=True)
class ClaimClock:
    """The dates owed on one claim; `decision` and `payment` stay None until
    every document is in (for originals: confirmed by the insurer)."""

    missing_notice: Due | None
    decision: Due | None
    payment: Due | None
    recertification: InsurerDeadline | None
    awaiting_originals: tuple[ChecklistItem, ...]
    awaiting_scans: tuple[ChecklistItem, ...]


def _deadline(product: Product, code: str) -> InsurerDeadline | None:
    return next((d for d in product.insurer_deadlines if d.code == code), None)


def claim_clock(product: Product, statuses: Iterable[ItemStatus]) -> ClaimClock:
    statuses = tuple(statuses)
    first, complete = first_received_at(statuses), all_received_at(statuses)
    local = lambda moment: local_date(moment, product.utc_offset_hours)  # noqa: E731
    has = {d.code for d in product.insurer_deadlines}
    return ClaimClock(
        missing_notice=insurer_deadline(product, "missing_documents", local(first))
        if first is not None and "missing_documents" in has else None,
        decision=insurer_deadline(product, "decision", local(complete))
        if complete is not None and "decision" in has else None,
        payment=insurer_deadline(product, "payment", local(complete))
        if complete is not None and "payment" in has else None,
        recertification=_deadline(product, "recertification_decision"),
        awaiting_originals=tuple(s.item for s in statuses if s.awaiting_original),
        awaiting_scans=tuple(s.item for s in statuses
                             if s.scan_received_at is None and s.original_confirmed_at is None),
    )


# --------------------------------------------------------------------------- late payout


@dataclass(frozen=True)
class Penalty:
    days_late: int
    annual_rate: Decimal
    amount: Decimal
    clause: str
    insurer_to_confirm: bool


def late_payout_penalty(product: Product, payout: Decimal | int | str, payment_due: date,
                        paid_on: date) -> Penalty:
    """Nomad Life rules 11.2(4): for each day after `payment_due` until `paid_on`,
    the payout times the annual refinancing rate / 365."""
    setting = product.late_payment_penalty
    if setting is None:
        raise ValueError(f"{product.code} sets no late payout penalty")
    days = max(0, (paid_on - payment_due).days)
    amount = round_money(to_decimal(payout) * setting.annual_rate * days / DAYS_IN_YEAR)
    return Penalty(days, setting.annual_rate, amount, setting.clause, setting.insurer_to_confirm)


# --------------------------------------------------------------------------- disability dates


class DisabilityDateError(ReasonedError):
    """`reason`: before_accident, in_future."""


@dataclass(frozen=True)
class DisabilityCheck:
    certificate_due: date | None
    certificate_late: bool
    certificate_clause: str | None
    set_by: date | None
    set_in_time: bool | None
    set_within_clause: str | None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def check_disability(event: ClaimEventType, accident_on: date, disability_set_on: date,
                     today: date) -> DisabilityCheck:
    """Nomad Life rules 9.3(2): certificate within 10 calendar days of certification.
    SAKBOL offer, terms (и): disability set within 6 months of the accident."""
    if disability_set_on < accident_on:
        raise DisabilityDateError("before_accident")
    if disability_set_on > today:
        raise DisabilityDateError("in_future")
    clocks = event.disability_clocks
    if clocks is None:
        return DisabilityCheck(None, False, None, None, None, None)
    certificate_due = (disability_set_on + timedelta(days=clocks.certificate_days)
                       if clocks.certificate_days is not None else None)
    set_by = add_months(accident_on, clocks.set_within_months) if clocks.set_within_months is not None else None
    return DisabilityCheck(
        certificate_due=certificate_due,
        certificate_late=certificate_due is not None and today > certificate_due,
        certificate_clause=clocks.certificate_clause,
        set_by=set_by,
        set_in_time=None if set_by is None else disability_set_on <= set_by,
        set_within_clause=clocks.set_within_clause,
    )
