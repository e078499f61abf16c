"""The sandbox's sample Nomad Life patient: a policy whose cover started yesterday.

A Nomad Life policy bought in the chat starts the next day at the earliest (rules 5.1,
5.4; the product's ``cover_start.earliest_days``), and Dariger Online is open only from
the first day of cover (rules 9.5, Appendix 1). So that a fresh sandbox can play the
telemedicine journey on the day, the sandbox issues a clearly marked sample policy
(its number carries ``SANDBOX``, no premium is paid) with the application answers the
telemedicine identification reads (Appendix 1, "registration": phone, full name, date of
birth) and an IIN consistent with the birth date (insurance.identity).

Only the sandbox calls this (bot/sandbox/); ``python -m bot run`` never does.
Free of Telegram, HTTP and SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from insurance.application import cover_end
from insurance.identity import iin_check_digit
from insurance.product import Product

MARKER = "SANDBOX"
PRODUCT = "nomad_life"
#: The cover began the day before: in force today whatever the hour (rules 9.5).
STARTED_DAYS_AGO = 1
TERM_MONTHS = 12
SUM_INSURED = Decimal("1000000")
BIRTH_DATE = date(1990, 4, 15)
PHONE = "+77011234567"  # a Kazakhstan mobile number the doctor "calls" in the sandbox
NAME = "Айгүл Өмірбекова"  # when the Telegram profile gives no first and last name
FEMALE_1900S = "4"  # IIN digit 7: born in the 1900s, female (insurance.identity)


@dataclass(frozen=True)
class SamplePolicy:
    number: str
    cover_start: date
    cover_end: date
    answers: dict[str, Any]


def sample_iin(born: date) -> str:
    """A checksum-valid Kazakhstan IIN for `born` (the first serial with a defined check digit)."""
    stem = born.strftime("%y%m%d") + FEMALE_1900S
    for serial in range(1, 10000):
        first_eleven = f"{stem}{serial:04d}"
        check = iin_check_digit(first_eleven)
        if check is not None:
            return f"{first_eleven}{check}"
    raise ValueError("no IIN possible")  # pragma: no cover - some serial always has a check digit


def full_name(first_name: str | None, last_name: str | None) -> str:
    """The Telegram profile's name when it has a first and a last name, else the sample's."""
    name = " ".join(part.strip() for part in (first_name or "", last_name or "") if part and part.strip())
    return name if len(name.split()) >= 2 else NAME


def sample_policy(product: Product, today: date, application_id: int, name: str) -> SamplePolicy:
    """Cover from yesterday for `TERM_MONTHS` (Nomad Life prints the last covered day)."""
    if product.code != PRODUCT or product.telemedicine is None:
        raise ValueError(f"the sample patient needs Nomad Life with telemedicine, not {product.code!r}")
    start = today - timedelta(days=STARTED_DAYS_AGO)
    end = cover_end(product, start, TERM_MONTHS)
    option = next(o.code for o in product.cover_options if "telemedicine" in o.code)
    answers = {
        "sample": MARKER, "full_name": name, "birth_date": BIRTH_DATE.isoformat(), "phone": PHONE,
        "personal_number": sample_iin(BIRTH_DATE), "loan_amount": str(SUM_INSURED),
        "sum_insured": str(SUM_INSURED), "term_months": TERM_MONTHS, "cover_option": option,
        "cover_start": start.isoformat(), "declarations": {},
        # What the certificate prints besides (a sample, so marked as one).
        "document_number": MARKER, "document_issued_on": BIRTH_DATE.replace(year=BIRTH_DATE.year + 25).isoformat(),
        "document_issuer": MARKER, "address": MARKER, "beneficiary": MARKER,
    }
    number = f"{product.policy_prefix}-{MARKER}-{today.year}-{application_id:06d}"
    return SamplePolicy(number=number, cover_start=start, cover_end=end, answers=answers)
