"""The application form a buyer fills, and the rules for each of its fields.

Field list per the SAKBOL application form (full name; date of birth; passport
series, number, issue date and issuer; address; phones; workplace;
beneficiary; cover option; sum insured; 24h cover; start and end date;
territory) and Nomad Life rules 4.2 (electronic application). Parsers return
a value or raise `FieldError` with a stable `reason` the bot translates.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from insurance.money import round_money
from insurance.parsing import ascii_digits
from insurance.product import CoverOption, LocalizedText, Product

MAX_TERM_MONTHS = 360
MAX_TEXT = 200


class FieldError(ValueError):
    """An answer that cannot be used; `reason` is a stable code for the UI."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdentityDocument:
    number: str  # series and number as printed
    issued_on: date
    issuer: str


@dataclass(frozen=True)
class StatementAnswer:
    """One item of the declaration as answered: printed on the signed
    application, since the material facts are those stated in it (Nomad Life
    rules 4.3-4.5, SAKBOL offer 2.7). `question` is None for the item the bot
    words itself (the insured is someone else, Nomad Life 4.2)."""

    code: str
    clause: str | None
    question: LocalizedText | None
    applies: bool


@dataclass(frozen=True)
class ApplicationForm:
    """Everything the buyer stated, as signed. The insured is the policyholder
    (an electronic sale requires it for Nomad Life, rules 4.2)."""

    product: Product
    full_name: str
    birth_date: date
    personal_number: str
    identity_document: IdentityDocument
    address: str
    phone: str
    workplace: str | None
    loan_amount: Decimal
    term_months: int
    cover_option: CoverOption
    sum_insured: Decimal
    cover_start: date
    cover_end: date
    premium: Decimal
    tax: Decimal
    total: Decimal
    currency: str
    language: str
    signed_at: datetime | None = None
    signature: str | None = None  # "HASH | code | full name | date"
    statements: tuple[StatementAnswer, ...] = ()
    beneficiary: str | None = None  # as the contract names it; None: the product's fixed one
    sample_tariff: bool = False
    cover_from_payment: bool = False  # SAKBOL offer 2.10, 6.2: from the moment of payment
    loan_agreement: str | None = None  # the loan agreement number, when the bank's link gives it


@dataclass(frozen=True)
class IssuedPolicy:
    number: str
    issued_at: datetime
    form: ApplicationForm
    application_sha256: str


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def parse_full_name(text: str) -> str:
    """At least two words of letters (hyphens and apostrophes allowed)."""
    name = _clean(text)
    if len(name) > 120:
        raise FieldError("too_long")
    words = name.split(" ")
    if len(words) < 2 or len(words) > 5:
        raise FieldError("name_words")
    if not all(re.fullmatch(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*\.?", w) for w in words):
        raise FieldError("name_letters")
    return " ".join(w[:1].upper() + w[1:] for w in words)


def parse_date(text: str) -> date:
    """DD.MM.YYYY (also with '/', '-' or spaces), or ISO YYYY-MM-DD."""
    value = _clean(text)
    if m := re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", value):
        year, month, day = (int(g) for g in m.groups())
    elif m := re.fullmatch(r"([0-9]{1,2})[./\- ]([0-9]{1,2})[./\- ]([0-9]{4})", value):
        day, month, year = (int(g) for g in m.groups())
    else:
        raise FieldError("date_format")
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError("date_invalid") from None


def parse_birth_date(text: str, today: date) -> date:
    born = parse_date(text)
    if born >= today:
        raise FieldError("birth_in_future")
    if today.year - born.year > 110:
        raise FieldError("birth_too_old")
    if age_on(born, today) < 18:
        raise FieldError("under_18")
    return born


def parse_past_date(text: str, today: date) -> date:
    issued = parse_date(text)
    if issued > today:
        raise FieldError("date_in_future")
    if issued.year < 1991:
        raise FieldError("date_too_old")
    return issued


def parse_text(text: str, *, minimum: int = 3) -> str:
    value = _clean(text)
    if len(value) > MAX_TEXT:
        raise FieldError("too_long")
    if len(value) < minimum or not any(ch.isalpha() for ch in value):
        raise FieldError("too_short")
    return value


def parse_document_number(text: str) -> str:
    """Series and number as printed: letters and digits, 6 to 12 characters."""
    value = re.sub(r"[\s№#-]", "", _clean(text)).upper()
    if not re.fullmatch(r"[A-ZА-ЯЁ]{0,3}[0-9]{6,10}", value):
        raise FieldError("document_number")
    return value


def parse_amount(text: str) -> Decimal:
    """A positive amount: '500000', '500 000', '500 000,50', '1.5 млн' is refused."""
    value = re.sub(r"[\s\u00a0\u202f'’]", "", text).replace(",", ".")
    value = re.sub(r"(₸|тг|тенге|kzt|kgs|сом)$", "", value.lower())
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", value):  # ASCII digits only (issue 8)
        raise FieldError("amount_format")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise FieldError("amount_format") from None
    if amount <= 0:
        raise FieldError("amount_not_positive")
    if amount > Decimal("1000000000"):
        raise FieldError("amount_too_large")
    return round_money(amount)


def parse_term(text: str) -> int:
    value = re.sub(r"[^0-9]+$", "", _clean(text))  # "12 months" -> 12; "1²" is refused below
    if not ascii_digits(value) or any(c.isdigit() or c.isnumeric() for c in _clean(text)[len(value):]):
        raise FieldError("term_format")
    months = int(value)
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise FieldError("term_range")
    return months


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def local_today(product: Product, now: datetime) -> date:
    return now.astimezone(timezone(timedelta(hours=product.utc_offset_hours))).date()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cover_end(product: Product, start: date, term_months: int) -> date:
    """The end date printed on the policy for a cover as long as the loan.

    Where the end date itself is not covered (cover stops at 00:00 of it,
    SAKBOL form section 5), it is start + term; where it is the last covered
    day, one day earlier.
    """
    end = add_months(start, term_months)
    return end if not product.cover_period.end_inclusive else end - timedelta(days=1)


def default_cover_start(product: Product, now: datetime) -> date:
    """The start the bot proposes (and prices with) before the buyer chooses:
    the payment day for cover from payment (SAKBOL offer 2.10, 6.2), else the
    earliest date the product allows (Nomad Life rules 5.1: tomorrow)."""
    today = local_today(product, now)
    if product.cover_start.rule == "from_payment":
        return today
    return today + timedelta(days=product.cover_start.earliest_days)


def cover_start_on_payment(product: Product, paid_at: datetime, chosen: date | None) -> date:
    """The start printed on the policy: the local payment day where cover runs
    from payment (SAKBOL offer 2.9, 2.10, 6.2), else the date set in the
    contract (Nomad Life rules 5.1, 5.4)."""
    if product.cover_start.rule == "from_payment" or chosen is None:
        return local_today(product, paid_at)
    return chosen


def parse_start_date(text: str, product: Product, now: datetime) -> date:
    """A start the buyer chooses, within the product's window (Nomad Life 5.1)."""
    start = parse_date(text)
    today = local_today(product, now)
    if start < today + timedelta(days=product.cover_start.earliest_days):
        raise FieldError("start_not_future")
    if start > today + timedelta(days=product.cover_start.latest_days):
        raise FieldError("start_too_far")
    return start


_DATE_IN_LINE = re.compile(r"(?<!\d)(\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{1,2}-\d{1,2})(?!\d)")
_NUMBER_IN_LINE = re.compile(r"^(?:№\s*)?([A-Za-zА-Яа-яЁё]{0,3})[\s№#-]*(\d{6,10})\b")


def parse_identity_document(text: str, today: date) -> IdentityDocument:
    """Series and number, date of issue and issuer in one message, as people
    copy them off the ID card: `ID1234567, 10.05.2018, МКК 50-01`. Each part is
    checked and a missing or wrong one is named by its own reason."""
    line = _clean(text)
    if len(line) > MAX_TEXT:
        raise FieldError("too_long")
    found = _DATE_IN_LINE.search(line)
    rest = (line[:found.start()] + " " + line[found.end():]) if found else line
    rest = _clean(rest.replace(",", " ").replace(";", " "))
    number = _NUMBER_IN_LINE.match(rest)
    if number is None:
        raise FieldError("document_number")
    if found is None:
        raise FieldError("document_no_date")
    issued = parse_past_date(found.group(1), today)
    issuer = _clean(rest[number.end():].strip(" ,;.-"))
    if len(issuer) < 2 or not any(ch.isalpha() for ch in issuer):
        raise FieldError("document_no_issuer")
    return IdentityDocument(parse_document_number(number.group(1) + number.group(2)), issued, issuer)


def contract_beneficiary(product: Product, language: str, bank: LocalizedText | None, stated: str | None) -> str:
    """Whom the contract names as beneficiary: the product's fixed one (SAKBOL
    application form section 2: O!Bank), else the partner bank the link names,
    else what the buyer stated (Nomad Life rules 2(5), 7.3: the rules name no
    beneficiary in general; 7.4 pays disability to the insured)."""
    if product.beneficiary.kind == "fixed" and product.beneficiary.name is not None:
        return product.beneficiary.name.get(language)
    if bank is not None:
        return bank.get(language)
    return stated or ""


def profile_full_name(first_name: str | None, last_name: str | None) -> str | None:
    """The Telegram profile's name when it looks like a full name (at least a
    surname and a name, letters only): offered as a one-tap answer."""
    try:
        return parse_full_name(f"{last_name or ''} {first_name or ''}")
    except FieldError:
        return None


def signature_line(document_sha256: str, code: str, full_name: str, signed_at: datetime) -> str:
    """`HASH | OTP code | full name | date` as the SAKBOL form records it."""
    return f"{document_sha256} | {code} | {full_name} | {signed_at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
