"""Product catalogue: one JSON file per product in `insurance/products/`.

Each file is read into the frozen dataclasses of `insurance.product` and
checked field by field; a bad file raises `CatalogueError` naming the file
and the path of the field (e.g. `eligibility.declarations[1].question.ky`).
Adding a product means adding a data file: nothing here names a product.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from insurance.product import (
    AppealRoute,
    ClaimDecisions,
    RefusalGround,
    LANGUAGES,
    AgeBand,
    AgeLimit,
    Beneficiary,
    ChecklistItem,
    ClaimEventType,
    ClauseNote,
    CoverOption,
    CoverPeriod,
    CoverStart,
    Declaration,
    DisabilityClocks,
    Document,
    Eligibility,
    Insurer,
    InsurerDeadline,
    LatePaymentPenalty,
    Licence,
    LocalizedText,
    Payout,
    Phone,
    Product,
    Regulator,
    ReportingRule,
    RulesDocument,
    SalesTax,
    Tariff,
    Telemedicine,
    TermBand,
    Termination,
    TerminationRule,
)

PRODUCTS_DIR = Path(__file__).with_name("products")

CALENDAR_KINDS = ("calendar", "working")
TARIFF_KINDS = ("term_bands", "flat_rate", "age_term_table")
COVER_START_RULES = ("from_payment", "chosen_date")
INVOICE_TITLE_MAX = 32
TARIFF_BASES = ("loan_amount", "sum_insured")
AGE_RULES = ("not_reached_during_cover",)
REFUND_KINDS = ("none", "full", "unexpired_share_less_expenses")
DOCUMENT_FORMS = ("original", "notarised_copy", "copy")
PAYOUT_KINDS = (
    "share_of_remaining_sum",
    "share_by_disability_group",
    "injury_table",
    "principal_debt",
    "loan_schedule",
    "telemedicine_service",
)
BENEFICIARY_KINDS = ("fixed", "stated")
PHONE_PURPOSES = ("office", "claims", "call_centre")
DEADLINE_STARTS = (
    "documents_received",
    "all_documents_received",
    "recertification_application_received",
)

T = TypeVar("T")


class CatalogueError(ValueError):
    """A product file is missing, malformed or inconsistent."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        super().__init__(f"{file}: {field or '<root>'}: {problem}")
        self.file = file
        self.field = field
        self.problem = problem


class UnknownProduct(KeyError):
    """No product with this code in the catalogue."""


def load_catalogue(directory: Path | str | None = None) -> tuple[Product, ...]:
    """All products, sorted by code. The default directory is read once."""
    if directory is None:
        return _load_default()
    return _load_directory(Path(directory))


def get_product(code: str) -> Product:
    for product in _load_default():
        if product.code == code:
            return product
    raise UnknownProduct(code)


def load_product_file(path: Path | str) -> Product:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            path.name, "", f"invalid JSON at line {exc.lineno}: {exc.msg}"
        ) from None
    product = _parse_product(_Node(raw, path.name, ""))
    if product.code != path.stem:
        raise CatalogueError(path.name, "code", f"{product.code!r} does not match the file name")
    return product


@lru_cache(maxsize=1)
def _load_default() -> tuple[Product, ...]:
    return _load_directory(PRODUCTS_DIR)


def _load_directory(directory: Path) -> tuple[Product, ...]:
    products = [load_product_file(path) for path in sorted(directory.glob("*.json"))]
    if not products:
        raise CatalogueError(str(directory), "", "no product files")
    return tuple(sorted(products, key=lambda p: p.code))


class _Node:
    """A JSON value with its location, for precise error messages."""

    def __init__(self, value: Any, file: str, path: str) -> None:
        self.value = value
        self.file = file
        self.path = path

    def fail(self, problem: str) -> CatalogueError:
        return CatalogueError(self.file, self.path, problem)

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def obj(self, allowed: Iterable[str]) -> _Node:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected an object, got {type(self.value).__name__}")
        unknown = [k for k in self.value if k not in allowed and not k.startswith("_")]
        if unknown:
            raise self.fail(f"unexpected field(s) {', '.join(sorted(unknown))}")
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and self.value.get(key) is not None

    def req(self, key: str) -> _Node:
        if not self.has(key):
            raise CatalogueError(self.file, self._child_path(key), "required field is missing")
        return _Node(self.value[key], self.file, self._child_path(key))

    def opt(self, key: str, parse: Callable[[_Node], T]) -> T | None:
        return parse(self.req(key)) if self.has(key) else None

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, got {type(self.value).__name__}")
        return [_Node(v, self.file, self._child_path(i)) for i, v in enumerate(self.value)]

    def entries(self) -> list[tuple[str, _Node]]:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected an object, got {type(self.value).__name__}")
        return [(k, _Node(v, self.file, self._child_path(k))) for k, v in self.value.items()]

    def string(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.fail("expected a non-empty string")
        return self.value

    def code(self) -> str:
        value = self.string()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise self.fail(f"{value!r} is not a code (lower case letters, digits, _)")
        return value

    def choice(self, allowed: tuple[str, ...]) -> str:
        value = self.string()
        if value not in allowed:
            raise self.fail(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def pattern(self, regex: str, what: str) -> str:
        value = self.string()
        if not re.fullmatch(regex, value):
            raise self.fail(f"{value!r} is not {what}")
        return value

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail("expected true or false")
        return self.value

    def integer(self, minimum: int | None = None, maximum: int | None = None) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail("expected an integer")
        if minimum is not None and self.value < minimum:
            raise self.fail(f"must be at least {minimum}")
        if maximum is not None and self.value > maximum:
            raise self.fail(f"must be at most {maximum}")
        return self.value

    def rate(self) -> Decimal:
        """A rate: a string or number in [0, 1]."""
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise self.fail('expected a decimal number, e.g. "0.0225"')
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(f"{value!r} is not a decimal number") from None
        if not number.is_finite() or not Decimal(0) <= number <= Decimal(1):
            raise self.fail(f"rate {value!r} must be between 0 and 1")
        return number

    def iso_date(self) -> date:
        try:
            return date.fromisoformat(self.string())
        except ValueError:
            raise self.fail(f"{self.value!r} is not an ISO date (YYYY-MM-DD)") from None

    def text(self) -> LocalizedText:
        self.obj(LANGUAGES)
        return LocalizedText(**{lang: self.req(lang).string() for lang in LANGUAGES})


def _unique(nodes: list[_Node], parse: Callable[[_Node], T], what: str) -> tuple[T, ...]:
    result: list[T] = []
    seen: set[str] = set()
    for node in nodes:
        item = parse(node)
        code = item.code  # type: ignore[attr-defined]
        if code in seen:
            raise node.fail(f"duplicate {what} code {code!r}")
        seen.add(code)
        result.append(item)
    return tuple(result)


def _parse_product(node: _Node) -> Product:
    node.obj(
        (
            "code",
            "name",
            "country",
            "currency",
            "utc_offset_hours",
            "languages",
            "rules",
            "insurer",
            "regulator",
            "beneficiary",
            "cover_options",
            "cover_period",
            "tariff",
            "sales_tax",
            "eligibility",
            "exclusions",
            "reporting",
            "insurer_deadlines",
            "termination",
            "documents",
            "documents_note",
            "event_types",
            "telemedicine",
            "policy_prefix",
            "asks_workplace",
            "application_consents",
            "late_payment_penalty",
            "cover_start",
            "short_name",
            "sold_through",
            "claim_decisions",
        )
    )
    languages_node = node.req("languages")
    languages = tuple(n.choice(LANGUAGES) for n in languages_node.items())
    if not languages:
        raise languages_node.fail("at least one language is required")

    documents = _unique(node.req("documents").items(), _parse_document, "document")
    telemedicine = node.opt("telemedicine", _parse_telemedicine)
    event_types = _unique(
        node.req("event_types").items(),
        lambda n: _parse_event_type(n, documents, telemedicine is not None),
        "event type",
    )
    event_codes = {e.code for e in event_types}
    cover_options = _unique(
        node.req("cover_options").items(),
        lambda n: _parse_cover_option(n, event_codes),
        "cover option",
    )
    if not cover_options:
        raise node.req("cover_options").fail("at least one cover option is required")

    return Product(
        code=node.req("code").code(),
        name=node.req("name").text(),
        country=node.req("country").pattern(r"[A-Z]{2}", "an ISO country code"),
        currency=node.req("currency").pattern(r"[A-Z]{3}", "an ISO currency code"),
        utc_offset_hours=node.req("utc_offset_hours").integer(-12, 14),
        languages=languages,
        rules=_parse_rules(node.req("rules")),
        insurer=_parse_insurer(node.req("insurer")),
        regulator=node.opt("regulator", _parse_regulator),
        beneficiary=_parse_beneficiary(node.req("beneficiary")),
        cover_options=cover_options,
        policy_prefix=node.req("policy_prefix").pattern(r"[A-Z]{2,4}", "2 to 4 capital letters"),
        asks_workplace=node.opt("asks_workplace", lambda n: n.boolean()) or False,
        application_consents=tuple(n.code() for n in node.req("application_consents").items()),
        cover_start=_parse_cover_start(node.req("cover_start")),
        short_name=node.opt("short_name", _parse_short_name),
        sold_through=node.opt("sold_through", _Node.text),
        cover_period=_parse_cover_period(node.req("cover_period")),
        tariff=_parse_tariff(node.req("tariff")),
        sales_tax=_parse_sales_tax(node.req("sales_tax")),
        eligibility=_parse_eligibility(node.req("eligibility")),
        exclusions=tuple(_parse_clause_note(n) for n in node.req("exclusions").items()),
        reporting=_parse_reporting(node.req("reporting")),
        insurer_deadlines=_parse_deadlines(node.req("insurer_deadlines")),
        termination=_parse_termination(node.req("termination")),
        documents=documents,
        documents_note=node.opt("documents_note", _parse_clause_note),
        event_types=event_types,
        claim_decisions=node.opt("claim_decisions", _parse_claim_decisions),
        telemedicine=telemedicine,
        late_payment_penalty=node.opt("late_payment_penalty", _parse_late_payment_penalty),
    )


def _parse_late_payment_penalty(node: _Node) -> LatePaymentPenalty:
    node.obj(("annual_rate", "clause", "insurer_to_confirm", "note"))
    return LatePaymentPenalty(
        annual_rate=node.req("annual_rate").rate(),
        clause=node.req("clause").string(),
        insurer_to_confirm=node.opt("insurer_to_confirm", _Node.boolean) or False,
        note=node.opt("note", _Node.string),
    )


def _parse_disability_clocks(node: _Node) -> DisabilityClocks:
    node.obj(("certificate_days", "certificate_clause", "set_within_months", "set_within_clause"))
    clocks = DisabilityClocks(
        certificate_days=node.opt("certificate_days", lambda n: n.integer(1)),
        certificate_clause=node.opt("certificate_clause", _Node.string),
        set_within_months=node.opt("set_within_months", lambda n: n.integer(1)),
        set_within_clause=node.opt("set_within_clause", _Node.string),
    )
    if (clocks.certificate_days is None) != (clocks.certificate_clause is None) or (
        clocks.set_within_months is None
    ) != (clocks.set_within_clause is None):
        raise node.fail("each clock needs its number of days or months and its clause")
    return clocks


def _parse_clause_note(node: _Node) -> ClauseNote:
    node.obj(("clause", "text"))
    return ClauseNote(clause=node.req("clause").string(), text=node.req("text").text())


def _parse_rules(node: _Node) -> RulesDocument:
    node.obj(("title", "reference", "dated", "url", "where"))
    return RulesDocument(
        title=node.req("title").text(),
        reference=node.opt("reference", _Node.string),
        dated=node.opt("dated", _Node.iso_date),
        url=node.req("url").pattern(r"https?://\S+", "an http(s) URL"),
        where=node.opt("where", _Node.text),
    )


def _parse_phone(node: _Node) -> Phone:
    node.obj(("number", "purpose"))
    return Phone(
        number=node.req("number").pattern(
            r"\+\d{8,15}|\d{3,6}", "an E.164 number or a short number"
        ),
        purpose=node.req("purpose").choice(PHONE_PURPOSES),
    )


def _parse_licence(node: _Node) -> Licence:
    node.obj(("number", "issued_on", "issuer"))
    return Licence(
        number=node.req("number").string(),
        issued_on=node.opt("issued_on", _Node.iso_date),
        issuer=node.opt("issuer", _Node.text),
    )


def _parse_insurer(node: _Node) -> Insurer:
    node.obj(("name", "address", "phones", "email", "website", "licence"))
    phones = (
        tuple(_parse_phone(n) for n in node.req("phones").items()) if node.has("phones") else ()
    )
    return Insurer(
        name=node.req("name").text(),
        address=node.opt("address", _Node.text),
        phones=phones,
        email=node.opt(
            "email", lambda n: n.pattern(r"[^@\s]+@[^@\s]+\.[a-z]+", "an e-mail address")
        ),
        website=node.opt("website", lambda n: n.pattern(r"https?://\S+", "an http(s) URL")),
        licence=node.opt("licence", _parse_licence),
    )


APPEAL_ROUTES = ("insurer", "ombudsman", "regulator", "court")


def _parse_claim_decisions(node: _Node) -> ClaimDecisions:
    node.obj(("_comment", "refusal_clause", "refusal_grounds", "appeal"))
    grounds = _unique(node.req("refusal_grounds").items(), _parse_refusal_ground, "refusal ground")
    return ClaimDecisions(
        refusal_clause=node.req("refusal_clause").string(),
        refusal_grounds=grounds,
        appeal=tuple(AppealRoute(n.req("route").choice(APPEAL_ROUTES), n.req("clause").string())
                     for n in node.req("appeal").items() if n.obj(("route", "clause"))),
    )


def _parse_refusal_ground(node: _Node) -> RefusalGround:
    node.obj(("code", "clause"))
    return RefusalGround(node.req("code").code(), node.opt("clause", _Node.string))


def _parse_regulator(node: _Node) -> Regulator:
    node.obj(("name", "address", "phones"))
    phones = node.req("phones").items() if node.has("phones") else []
    return Regulator(
        name=node.req("name").text(),
        address=node.opt("address", _Node.text),
        phones=tuple(n.pattern(r"\+\d{8,15}", "an E.164 number") for n in phones),
    )


def _parse_beneficiary(node: _Node) -> Beneficiary:
    node.obj(("kind", "name", "clause", "note"))
    kind = node.req("kind").choice(BENEFICIARY_KINDS)
    return Beneficiary(
        kind=kind,
        name=node.req("name").text() if kind == "fixed" else node.opt("name", _Node.text),
        clause=node.req("clause").string(),
        note=node.opt("note", _Node.text),
    )


def _parse_cover_start(node: _Node) -> CoverStart:
    node.obj(("rule", "clause", "earliest_days", "latest_days"))
    rule = node.req("rule").choice(COVER_START_RULES)
    earliest = node.opt("earliest_days", lambda n: n.integer(0, 365))
    latest = node.opt("latest_days", lambda n: n.integer(0, 365))
    if rule == "chosen_date" and (earliest is None or latest is None or latest < earliest):
        raise node.fail("a chosen start date needs earliest_days <= latest_days")
    return CoverStart(rule=rule, clause=node.req("clause").string(),
                      earliest_days=earliest or 0, latest_days=latest or 0)


def _parse_short_name(node: _Node) -> LocalizedText:
    text = node.text()
    for language in LANGUAGES:
        if not 1 <= len(text.get(language)) <= INVOICE_TITLE_MAX:
            raise node.fail(f"{language}: an invoice title has 1 to {INVOICE_TITLE_MAX} characters")
    return text


def _parse_cover_option(node: _Node, event_codes: set[str]) -> CoverOption:
    node.obj(("code", "name", "risks", "clause"))
    risks_node = node.req("risks")
    risks = tuple(n.code() for n in risks_node.items())
    if not risks:
        raise risks_node.fail("a cover option needs at least one risk")
    for risk, risk_node in zip(risks, risks_node.items(), strict=True):
        if risk not in event_codes:
            raise risk_node.fail(
                f"risk {risk!r} is not one of the event types {sorted(event_codes)}"
            )
    return CoverOption(
        code=node.req("code").code(),
        name=node.req("name").text(),
        risks=risks,
        clause=node.req("clause").string(),
    )


def _parse_cover_period(node: _Node) -> CoverPeriod:
    node.obj(("end_inclusive", "clause"))
    return CoverPeriod(
        end_inclusive=node.req("end_inclusive").boolean(), clause=node.req("clause").string()
    )


def _parse_tariff(node: _Node) -> Tariff:
    node.obj(("kind", "base", "rate", "bands", "age_bands", "sample", "note", "clause"))
    kind = node.req("kind").choice(TARIFF_KINDS)
    sample = node.req("sample").boolean() if node.has("sample") else False
    note = node.opt("note", _Node.string)
    if sample and note is None:
        raise node.fail("a sample tariff must carry a note saying so")
    rate: Decimal | None = None
    bands: tuple[TermBand, ...] = ()
    age_bands: tuple[AgeBand, ...] = ()
    if kind == "flat_rate":
        rate = node.req("rate").rate()
    elif kind == "term_bands":
        bands = _parse_bands(node.req("bands"))
    else:
        age_bands = _parse_age_bands(node.req("age_bands"))
    return Tariff(
        kind=kind,
        base=node.req("base").choice(TARIFF_BASES),
        rate=rate,
        bands=bands,
        sample=sample,
        note=note,
        clause=node.opt("clause", _Node.string),
        age_bands=age_bands,
    )


def _parse_age_bands(node: _Node) -> tuple[AgeBand, ...]:
    """Contiguous age bands, each with its own term bands."""
    result: list[AgeBand] = []
    items = node.items()
    if not items:
        raise node.fail("at least one age band is required")
    expected = None
    for item in items:
        item.obj(("from_age", "to_age", "bands"))
        start = item.req("from_age").integer(0, 120)
        end = item.req("to_age").integer(0, 120)
        if expected is not None and start != expected:
            raise item.req("from_age").fail(f"age bands must be contiguous: expected {expected}")
        if end < start:
            raise item.req("to_age").fail("to_age is before from_age")
        result.append(AgeBand(start, end, _parse_bands(item.req("bands"))))
        expected = end + 1
    return tuple(result)


def _parse_bands(node: _Node) -> tuple[TermBand, ...]:
    bands: list[TermBand] = []
    expected_from = 1
    items = node.items()
    if not items:
        raise node.fail("at least one band is required")
    for index, item in enumerate(items):
        item.obj(("from_month", "to_month", "rate"))
        start = item.req("from_month").integer(1)
        end = item.opt("to_month", lambda n: n.integer(1))
        if start != expected_from:
            raise item.req("from_month").fail(f"bands must be contiguous: expected {expected_from}")
        if end is None and index != len(items) - 1:
            raise item.fail("only the last band may be open-ended")
        if end is not None and end < start:
            raise item.req("to_month").fail("to_month is before from_month")
        bands.append(TermBand(start, end, item.req("rate").rate()))
        expected_from = (end or 0) + 1
    return tuple(bands)


def _parse_sales_tax(node: _Node) -> SalesTax:
    node.obj(("rate", "clause", "note"))
    return SalesTax(
        rate=node.req("rate").rate(),
        clause=node.opt("clause", _Node.string),
        note=node.opt("note", _Node.string),
    )


def _parse_eligibility(node: _Node) -> Eligibility:
    node.obj(("age_limit", "declarations", "online_sale_requires_insured_is_policyholder"))
    online = node.opt("online_sale_requires_insured_is_policyholder", _parse_online_rule)
    return Eligibility(
        age_limit=node.opt("age_limit", _parse_age_limit),
        declarations=_unique(node.req("declarations").items(), _parse_declaration, "declaration"),
        online_sale_requires_insured_is_policyholder=online[0] if online else False,
        policyholder_clause=online[1] if online else None,
    )


def _parse_online_rule(node: _Node) -> tuple[bool, str]:
    node.obj(("required", "clause"))
    return node.req("required").boolean(), node.req("clause").string()


def _parse_age_limit(node: _Node) -> AgeLimit:
    node.obj(("age", "rule", "clause"))
    return AgeLimit(
        age=node.req("age").integer(1, 120),
        rule=node.req("rule").choice(AGE_RULES),
        clause=node.req("clause").string(),
    )


def _parse_declaration(node: _Node) -> Declaration:
    node.obj(("code", "clause", "question", "premium_returned_if_found_later"))
    returned = node.opt("premium_returned_if_found_later", _Node.boolean)
    return Declaration(
        code=node.req("code").code(),
        clause=node.req("clause").string(),
        question=node.req("question").text(),
        premium_returned_if_found_later=True if returned is None else returned,
    )


def _parse_reporting(node: _Node) -> ReportingRule:
    node.obj(("days", "calendar", "clause", "late_clause", "how", "note", "notify_lender"))
    return ReportingRule(
        notify_lender=node.opt("notify_lender", _Node.boolean) or False,
        days=node.req("days").integer(1),
        calendar=node.req("calendar").choice(CALENDAR_KINDS),
        clause=node.req("clause").string(),
        late_clause=node.opt("late_clause", _Node.string),
        how=node.req("how").text(),
        note=node.opt("note", _Node.string),
    )


def _parse_deadlines(node: _Node) -> tuple[InsurerDeadline, ...]:
    deadlines = _unique(node.items(), _parse_deadline, "insurer deadline")
    by_code = {d.code: d for d in deadlines}
    for deadline, item in zip(deadlines, node.items(), strict=True):
        if deadline.after is not None:
            target = by_code.get(deadline.after)
            if target is None:
                raise item.req("after").fail(f"no insurer deadline {deadline.after!r}")
            if target.after is not None:
                raise item.req("after").fail("may only follow a deadline that has its own start")
    return deadlines


def _parse_deadline(node: _Node) -> InsurerDeadline:
    node.obj(("code", "days", "calendar", "starts", "after", "clause", "insurer_to_confirm"))
    starts = node.opt("starts", lambda n: n.choice(DEADLINE_STARTS))
    after = node.opt("after", _Node.code)
    if (starts is None) == (after is None):
        raise node.fail("give exactly one of 'starts' or 'after'")
    to_confirm = node.opt("insurer_to_confirm", _Node.boolean) or False
    clause = node.opt("clause", _Node.string)
    if clause is None and not to_confirm:
        raise node.fail("a deadline without a clause must be marked insurer_to_confirm")
    return InsurerDeadline(
        code=node.req("code").code(),
        days=node.req("days").integer(1),
        calendar=node.req("calendar").choice(CALENDAR_KINDS),
        starts=starts,
        after=after,
        clause=clause,
        insurer_to_confirm=to_confirm,
    )


def _parse_termination(node: _Node) -> Termination:
    node.obj(
        ("rules", "on_client_request", "on_early_loan_repayment", "insurer_to_confirm", "note",
         "after_payout", "shown_to_customer")
    )
    rules = _unique(node.req("rules").items(), _parse_termination_rule, "termination rule")
    codes = {r.code for r in rules}
    for key in ("on_client_request", "on_early_loan_repayment", "after_payout"):
        if node.has(key) and node.req(key).code() not in codes:
            raise node.req(key).fail(f"no termination rule {node.req(key).value!r}")
    shown = tuple(n.code() for n in node.req("shown_to_customer").items()) if node.has("shown_to_customer") else ()
    for code, item in zip(shown, node.req("shown_to_customer").items() if shown else [], strict=True):
        if code not in codes:
            raise item.fail(f"no termination rule {code!r}")
    return Termination(
        after_payout=node.opt("after_payout", _Node.code),
        shown_to_customer=shown,
        rules=rules,
        on_client_request=node.req("on_client_request").code(),
        on_early_loan_repayment=node.opt("on_early_loan_repayment", _Node.code),
        insurer_to_confirm=node.opt("insurer_to_confirm", _Node.boolean) or False,
        note=node.opt("note", _Node.string),
    )


def _parse_termination_rule(node: _Node) -> TerminationRule:
    node.obj(("code", "clause", "refund", "expenses_rate", "expenses_rate_is_cap", "text"))
    refund = node.req("refund").choice(REFUND_KINDS)
    expenses = node.opt("expenses_rate", _Node.rate)
    if refund == "unexpired_share_less_expenses" and expenses is None:
        raise node.fail("this refund needs expenses_rate")
    return TerminationRule(
        code=node.req("code").code(),
        clause=node.req("clause").string(),
        refund=refund,
        expenses_rate=expenses,
        expenses_rate_is_cap=node.opt("expenses_rate_is_cap", _Node.boolean) or False,
        text=node.req("text").text(),
    )


def _parse_document(node: _Node) -> Document:
    node.obj(("code", "name", "explanation", "forms"))
    forms_node = node.req("forms")
    forms = tuple(n.choice(DOCUMENT_FORMS) for n in forms_node.items())
    if not forms:
        raise forms_node.fail("say which forms are accepted")
    return Document(
        code=node.req("code").code(),
        name=node.req("name").text(),
        explanation=node.req("explanation").text(),
        forms=forms,
    )


def _parse_event_type(
    node: _Node, documents: tuple[Document, ...], has_telemedicine: bool
) -> ClaimEventType:
    node.obj(("code", "name", "clause", "telemedicine", "disability_groups", "checklist", "payout",
              "disability_clocks"))
    checklist, to_confirm = node.opt("checklist", lambda n: _parse_checklist(n, documents)) or (
        (),
        False,
    )
    telemedicine = node.opt("telemedicine", _Node.boolean) or False
    if telemedicine and not has_telemedicine:
        raise node.req("telemedicine").fail("the product has no 'telemedicine' service")
    if not telemedicine and not checklist:
        raise node.fail("a claim event type needs a document checklist")
    groups = (
        tuple(n.integer(1, 3) for n in node.req("disability_groups").items())
        if node.has("disability_groups")
        else ()
    )
    payout = node.opt("payout", lambda n: _parse_payout(n, groups))
    return ClaimEventType(
        code=node.req("code").code(),
        name=node.req("name").text(),
        clause=node.req("clause").string(),
        telemedicine=telemedicine,
        disability_groups=groups,
        checklist=checklist,
        checklist_insurer_to_confirm=to_confirm,
        payout=payout,
        disability_clocks=node.opt("disability_clocks", _parse_disability_clocks),
    )


def _parse_checklist(
    node: _Node, documents: tuple[Document, ...]
) -> tuple[tuple[ChecklistItem, ...], bool]:
    node.obj(("items", "insurer_to_confirm"))
    by_code = {d.code: d for d in documents}
    checklist: list[ChecklistItem] = []
    for item in node.req("items").items():
        item.obj(("document", "clause"))
        code = item.req("document").code()
        if code not in by_code:
            raise item.req("document").fail(f"no document {code!r} in 'documents'")
        checklist.append(ChecklistItem(by_code[code], item.opt("clause", _Node.string)))
    return tuple(checklist), node.opt("insurer_to_confirm", _Node.boolean) or False


def _parse_payout(node: _Node, groups: tuple[int, ...]) -> Payout:
    node.obj(("kind", "clause", "share", "shares_by_group", "cap", "note"))
    kind = node.req("kind").choice(PAYOUT_KINDS)
    share = node.req("share").rate() if kind == "share_of_remaining_sum" else None
    cap = node.req("cap").rate() if kind == "injury_table" else None
    shares: tuple[tuple[int, Decimal], ...] = ()
    if kind == "share_by_disability_group":
        shares_node = node.req("shares_by_group")
        shares = tuple(
            (_group_key(key, value), value.rate()) for key, value in shares_node.entries()
        )
        if sorted(g for g, _ in shares) != sorted(groups):
            raise shares_node.fail(f"shares must be given for exactly the groups {list(groups)}")
    return Payout(
        kind=kind,
        clause=node.req("clause").string(),
        share=share,
        shares_by_group=shares,
        cap=cap,
        note=node.opt("note", _Node.string),
    )


def _group_key(key: str, node: _Node) -> int:
    if key not in ("1", "2", "3"):
        raise node.fail(f"disability group {key!r} must be 1, 2 or 3")
    return int(key)


def _parse_telemedicine(node: _Node) -> Telemedicine:
    node.obj(("name", "url", "clause"))
    return Telemedicine(
        name=node.req("name").text(),
        url=node.req("url").pattern(r"https?://\S+", "an http(s) URL"),
        clause=node.req("clause").string(),
    )
