"""Premium quotes from the product's tariff (a catalogue setting).

SAKBOL offer 3.1.2 and 9.5: 2.25% of the loan amount for loans up to and
including 12 months, 4.5% from the 13th month, plus 2% sales tax on top.
Nomad Life rules 6.2 give no tariff: the catalogue carries a sample table by
age band and term, and every quote from it says `sample_rate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from insurance.money import MoneyError, round_money, to_decimal
from insurance.product import Product, Tariff


class QuoteError(ValueError):
    """The quote inputs are unusable; `reason` is a stable code for the UI."""

    def __init__(self, reason: str, field: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class Quote:
    product: str
    currency: str
    loan_amount: Decimal
    term_months: int
    sum_insured: Decimal
    base_amount: Decimal
    rate: Decimal
    premium: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    sample_rate: bool
    clause: str | None
    tax_clause: str | None


def quote(
    product: Product,
    loan_amount: Decimal | int | str,
    term_months: int,
    sum_insured: Decimal | int | str | None = None,
    age: int | None = None,
) -> Quote:
    """Premium, sales tax and total for one loan.

    `sum_insured` defaults to the loan amount (cover tied to the loan);
    `age` (on the cover start) is needed by a tariff by age band.
    """
    loan = _positive_amount(loan_amount, "loan_amount")
    months = _positive_term(term_months)
    insured = loan if sum_insured is None else _positive_amount(sum_insured, "sum_insured")

    tariff = product.tariff
    rate = _rate(tariff, months, age)
    base = loan if tariff.base == "loan_amount" else insured
    premium = round_money(base * rate)
    tax = round_money(premium * product.sales_tax.rate)
    return Quote(
        product=product.code,
        currency=product.currency,
        loan_amount=loan,
        term_months=months,
        sum_insured=insured,
        base_amount=base,
        rate=rate,
        premium=premium,
        tax_rate=product.sales_tax.rate,
        tax=tax,
        total=premium + tax,
        sample_rate=tariff.sample,
        clause=tariff.clause,
        tax_clause=product.sales_tax.clause,
    )


def _rate(tariff: Tariff, months: int, age: int | None) -> Decimal:
    if tariff.kind == "flat_rate":
        assert tariff.rate is not None
        return tariff.rate
    bands = tariff.bands
    if tariff.needs_age:
        if age is None:
            raise QuoteError("age_required", "birth_date", "this tariff depends on the age of the insured")
        band_of_age = next((a for a in tariff.age_bands if a.from_age <= age <= a.to_age), None)
        if band_of_age is None:
            raise QuoteError("age_out_of_range", "birth_date", f"no tariff band covers the age {age}")
        bands = band_of_age.bands
    for band in bands:
        if band.contains(months):
            return band.rate
    raise QuoteError("term_out_of_range", "term_months", f"no tariff band covers {months} months")


def _positive_amount(value: Decimal | int | str, field: str) -> Decimal:
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        raise QuoteError(f"amount_{exc.reason}", field, f"{field}: {exc}") from None
    if amount <= 0:
        raise QuoteError("amount_not_positive", field, f"{field} must be positive, got {amount}")
    if amount != round_money(amount):
        raise QuoteError(
            "amount_too_precise", field, f"{field} has more than 2 decimal places: {amount}"
        )
    return round_money(amount)


def _positive_term(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise QuoteError(
            "term_not_integer",
            "term_months",
            f"term must be a whole number of months, got {value!r}",
        )
    if value <= 0:
        raise QuoteError("term_not_positive", "term_months", f"term must be positive, got {value}")
    return value


def price_range(product: Product, loan_amount: Decimal, term_months: int) -> tuple[Quote, Quote]:
    """The cheapest and the dearest quote for a loan when the age is not yet
    known (the product card shows "from … to …")."""
    if not product.tariff.needs_age:
        one = quote(product, loan_amount, term_months)
        return one, one
    ages = [a.from_age for a in product.tariff.age_bands]
    quotes = [quote(product, loan_amount, term_months, age=age) for age in ages]
    return min(quotes, key=lambda q: q.total), max(quotes, key=lambda q: q.total)
