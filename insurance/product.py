"""The product model: frozen values read from a product's data file.

Clause strings refer to the product's own document (`Product.rules`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

LANGUAGES = ("kk", "ky", "ru")

T = TypeVar("T")


@dataclass(frozen=True)
class LocalizedText:
    """One user-visible string in Kazakh, Kyrgyz and Russian."""

    kk: str
    ky: str
    ru: str

    def get(self, language: str) -> str:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
        return getattr(self, language)


@dataclass(frozen=True)
class ClauseNote:
    """A short statement with the clause of the product document it comes from."""

    clause: str
    text: LocalizedText


@dataclass(frozen=True)
class Phone:
    number: str
    purpose: str


@dataclass(frozen=True)
class Licence:
    number: str
    issued_on: date | None
    issuer: LocalizedText | None


@dataclass(frozen=True)
class Insurer:
    name: LocalizedText
    address: LocalizedText | None
    phones: tuple[Phone, ...]
    email: str | None
    website: str | None
    licence: Licence | None


@dataclass(frozen=True)
class Regulator:
    name: LocalizedText
    address: LocalizedText | None
    phones: tuple[str, ...]


@dataclass(frozen=True)
class RulesDocument:
    """The document the clause numbers refer to (rules or public offer)."""

    title: LocalizedText
    reference: str | None
    dated: date | None
    url: str
    where: LocalizedText | None


@dataclass(frozen=True)
class Beneficiary:
    """`fixed`: the product names it (SAKBOL form section 2: O!Bank);
    `stated`: the contract names it, as the buyer states it or the partner
    bank's link gives it (Nomad Life rules 2(5); 7.4 pays disability to the
    insured whoever the beneficiary is)."""

    kind: str
    name: LocalizedText | None
    clause: str
    note: LocalizedText | None = None


@dataclass(frozen=True)
class CoverStart:
    """When cover begins: `from_payment` (SAKBOL offer 2.9, 2.10, 6.2: from the
    moment the premium is paid) or `chosen_date` (Nomad Life rules 5.1, 5.4:
    from the date set in the contract, chosen by the buyer within the window)."""

    rule: str
    clause: str
    earliest_days: int = 1
    latest_days: int = 90


@dataclass(frozen=True)
class CoverOption:
    code: str
    name: LocalizedText
    risks: tuple[str, ...]
    clause: str


@dataclass(frozen=True)
class CoverPeriod:
    """How the end date printed on the policy is read.

    `end_inclusive=False` means cover stops at 00:00 of the end date, so the
    end date itself is not covered.
    """

    end_inclusive: bool
    clause: str

    def last_covered_day(self, cover_end: date) -> date:
        return cover_end if self.end_inclusive else cover_end - timedelta(days=1)


@dataclass(frozen=True)
class TermBand:
    from_month: int
    to_month: int | None
    rate: Decimal

    def contains(self, months: int) -> bool:
        return months >= self.from_month and (self.to_month is None or months <= self.to_month)


@dataclass(frozen=True)
class AgeBand:
    """Term bands for the ages `from_age`..`to_age` (age on the cover start)."""

    from_age: int
    to_age: int
    bands: tuple[TermBand, ...]


@dataclass(frozen=True)
class Tariff:
    """`flat_rate`, `term_bands` (SAKBOL offer 3.1.2), or `age_term_table`
    (a table by age band and term, Nomad Life: a sample until the insurer
    gives its own, rules 6.2)."""

    kind: str
    base: str
    rate: Decimal | None
    bands: tuple[TermBand, ...]
    sample: bool
    note: str | None
    clause: str | None
    age_bands: tuple[AgeBand, ...] = ()

    @property
    def needs_age(self) -> bool:
        return self.kind == "age_term_table"

    def rates(self) -> tuple[Decimal, ...]:
        """Every rate the tariff can charge (for a "from … to …" price)."""
        if self.kind == "flat_rate":
            assert self.rate is not None
            return (self.rate,)
        bands = self.bands if self.kind == "term_bands" else tuple(b for a in self.age_bands for b in a.bands)
        return tuple(b.rate for b in bands)


@dataclass(frozen=True)
class SalesTax:
    rate: Decimal
    clause: str | None
    note: str | None


@dataclass(frozen=True)
class AgeLimit:
    age: int
    rule: str
    clause: str


@dataclass(frozen=True)
class Declaration:
    """A yes/no question; "No" is the eligible answer."""

    code: str
    clause: str
    question: LocalizedText
    premium_returned_if_found_later: bool


@dataclass(frozen=True)
class Eligibility:
    age_limit: AgeLimit | None
    declarations: tuple[Declaration, ...]
    online_sale_requires_insured_is_policyholder: bool
    policyholder_clause: str | None


@dataclass(frozen=True)
class ReportingRule:
    days: int
    calendar: str
    clause: str
    late_clause: str | None
    how: LocalizedText
    note: str | None
    notify_lender: bool = False  # SAKBOL offer 8.1: the lender is told as well as the insurer


@dataclass(frozen=True)
class InsurerDeadline:
    """A deadline the insurer owes the customer.

    It runs from a customer-side moment (`starts`) or, when `after` is set,
    from the end of another deadline.
    """

    code: str
    days: int
    calendar: str
    starts: str | None
    after: str | None
    clause: str | None
    insurer_to_confirm: bool


@dataclass(frozen=True)
class TerminationRule:
    code: str
    clause: str
    refund: str
    expenses_rate: Decimal | None
    expenses_rate_is_cap: bool
    text: LocalizedText


@dataclass(frozen=True)
class Termination:
    rules: tuple[TerminationRule, ...]
    on_client_request: str
    on_early_loan_repayment: str | None
    insurer_to_confirm: bool
    note: str | None
    after_payout: str | None = None
    shown_to_customer: tuple[str, ...] = ()

    def rule(self, code: str) -> TerminationRule:
        return _find(self.rules, code, "termination rule")


@dataclass(frozen=True)
class Document:
    code: str
    name: LocalizedText
    explanation: LocalizedText
    forms: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistItem:
    """A document required for one event type, with the clause asking for it."""

    document: Document
    clause: str | None

    @property
    def code(self) -> str:
        return self.document.code


@dataclass(frozen=True)
class Payout:
    kind: str
    clause: str
    share: Decimal | None
    shares_by_group: tuple[tuple[int, Decimal], ...]
    cap: Decimal | None
    note: str | None

    def share_for_group(self, group: int) -> Decimal:
        for known, share in self.shares_by_group:
            if known == group:
                return share
        raise KeyError(f"no payout share for disability group {group}")


@dataclass(frozen=True)
class DisabilityClocks:
    """Dates that depend on when disability was set (Nomad Life rules 9.3;
    SAKBOL offer, definitions (и))."""

    certificate_days: int | None
    certificate_clause: str | None
    set_within_months: int | None
    set_within_clause: str | None


@dataclass(frozen=True)
class LatePaymentPenalty:
    """A penalty per day of late payout at an annual rate (Nomad Life rules 11.2(4))."""

    annual_rate: Decimal
    clause: str
    insurer_to_confirm: bool
    note: str | None


@dataclass(frozen=True)
class ClaimEventType:
    code: str
    name: LocalizedText
    clause: str
    telemedicine: bool
    disability_groups: tuple[int, ...]
    checklist: tuple[ChecklistItem, ...]
    checklist_insurer_to_confirm: bool
    payout: Payout | None
    disability_clocks: DisabilityClocks | None = None


@dataclass(frozen=True)
class Telemedicine:
    name: LocalizedText
    url: str
    clause: str


@dataclass(frozen=True)
class RefusalGround:
    """A ground the insurer may cite to refuse a payout, with its default clause
    (None: the insurer names the clause itself)."""

    code: str
    clause: str | None


@dataclass(frozen=True)
class AppealRoute:
    """Where a customer may turn after a refusal (Nomad Life rules 7.10, 13.3-13.5)."""

    route: str
    clause: str


@dataclass(frozen=True)
class ClaimDecisions:
    refusal_clause: str
    refusal_grounds: tuple[RefusalGround, ...]
    appeal: tuple[AppealRoute, ...]

    def ground(self, code: str) -> RefusalGround:
        return _find(self.refusal_grounds, code, "refusal ground")


@dataclass(frozen=True)
class Product:
    code: str
    name: LocalizedText
    country: str
    currency: str
    utc_offset_hours: int
    languages: tuple[str, ...]
    rules: RulesDocument
    insurer: Insurer
    regulator: Regulator | None
    beneficiary: Beneficiary
    cover_options: tuple[CoverOption, ...]
    cover_period: CoverPeriod
    tariff: Tariff
    sales_tax: SalesTax
    eligibility: Eligibility
    exclusions: tuple[ClauseNote, ...]
    reporting: ReportingRule
    insurer_deadlines: tuple[InsurerDeadline, ...]
    termination: Termination
    documents: tuple[Document, ...]
    documents_note: ClauseNote | None
    event_types: tuple[ClaimEventType, ...]
    telemedicine: Telemedicine | None
    policy_prefix: str = "QQ"
    asks_workplace: bool = False
    application_consents: tuple[str, ...] = ()
    late_payment_penalty: LatePaymentPenalty | None = None
    cover_start: CoverStart = CoverStart("chosen_date", "")
    short_name: LocalizedText | None = None
    sold_through: LocalizedText | None = None
    claim_decisions: ClaimDecisions | None = None

    def invoice_title(self, language: str) -> str:
        """Telegram allows 1-32 characters for an invoice title."""
        return (self.short_name or self.name).get(language)[:32]

    def cover_option(self, code: str) -> CoverOption:
        return _find(self.cover_options, code, "cover option")

    def event_type(self, code: str) -> ClaimEventType:
        return _find(self.event_types, code, "claim event type")

    def declaration(self, code: str) -> Declaration:
        return _find(self.eligibility.declarations, code, "declaration")

    def insurer_deadline(self, code: str) -> InsurerDeadline:
        return _find(self.insurer_deadlines, code, "insurer deadline")

    def document(self, code: str) -> Document:
        return _find(self.documents, code, "document")


def _find(items: Iterable[T], code: str, what: str) -> T:
    for item in items:
        if item.code == code:  # type: ignore[attr-defined]
            return item
    raise KeyError(f"unknown {what} {code!r}")
