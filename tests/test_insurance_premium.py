"""Premium, sales tax and money rounding (SAKBOL offer 3.1.2, 9.5; Nomad Life rules 6.2)."""

from decimal import Decimal

import pytest

from insurance.catalogue import get_product
from insurance.money import MoneyError, from_minor_units, round_money, to_minor_units
from insurance.premium import QuoteError, price_range, quote


@pytest.fixture(scope="module")
def sakbol():
    return get_product("sakbol")


@pytest.fixture(scope="module")
def nomad():
    return get_product("nomad_life")


def test_sakbol_3_1_2_twelve_months_is_2_25_percent_plus_9_5_tax_on_top(sakbol):
    q = quote(sakbol, Decimal("100000"), 12)
    assert q.rate == Decimal("0.0225")
    assert q.premium == Decimal("2250.00")
    assert q.tax == Decimal("45.00")  # 2% of the premium, added on top
    assert q.total == Decimal("2295.00")
    assert q.currency == "KGS"
    assert (q.clause, q.tax_clause) == ("3.1.2", "9.5")


def test_sakbol_3_1_2_thirteenth_month_doubles_the_rate(sakbol):
    q = quote(sakbol, Decimal("100000"), 13)
    assert q.rate == Decimal("0.045")
    assert q.premium == Decimal("4500.00")
    assert q.tax == Decimal("90.00")
    assert q.total == Decimal("4590.00")


@pytest.mark.parametrize(
    "months, rate", [(1, "0.0225"), (11, "0.0225"), (12, "0.0225"), (13, "0.045"), (60, "0.045")]
)
def test_sakbol_3_1_2_band_edges(sakbol, months, rate):
    assert quote(sakbol, 1000, months).rate == Decimal(rate)


def test_sakbol_premium_half_tyiyn_rounds_up(sakbol):
    """50 010 x 2.25% = 1125.225: half up gives 1125.23 (banker's rounding would give 1125.22)."""
    q = quote(sakbol, "50010", 12)
    assert q.premium == Decimal("1125.23")
    assert q.tax == Decimal("22.50")  # 1125.23 x 2% = 22.5046
    assert q.total == Decimal("1147.73")


def test_sakbol_thirteen_months_half_tyiyn_rounds_up(sakbol):
    """10 001 x 4.5% = 450.045 -> 450.05."""
    assert quote(sakbol, 10001, 13).premium == Decimal("450.05")


def test_sakbol_9_5_tax_half_tyiyn_rounds_up(sakbol):
    """100 100 x 2.25% = 2252.25 exactly; its 2% is 45.045 -> 45.05."""
    q = quote(sakbol, 100100, 12)
    assert q.premium == Decimal("2252.25")
    assert q.tax == Decimal("45.05")
    assert q.total == Decimal("2297.30")


def test_sakbol_premium_ignores_sum_insured(sakbol):
    """3.1.2 takes the percentage of the loan amount, whatever the sum insured."""
    q = quote(sakbol, 100000, 12, sum_insured=150000)
    assert q.premium == Decimal("2250.00")
    assert q.sum_insured == Decimal("150000.00")


def test_nomad_life_6_2_sample_table_by_age_and_term_applies_to_sum_insured(nomad):
    # Nomad Life rules 6.2 set no tariff: the product file carries a sample table.
    q = quote(nomad, 2_000_000, 24, sum_insured=1_000_000, age=40)
    assert q.sample_rate is True
    assert q.base_amount == Decimal("1000000.00")
    assert q.rate == Decimal("0.0285")  # age band 36-50, term band 13-24 months
    assert q.premium == Decimal("28500.00")
    assert q.tax == Decimal("0.00")
    assert q.total == q.premium
    assert q.currency == "KZT"


@pytest.mark.parametrize("age, months, rate", [
    (18, 12, "0.0090"), (35, 13, "0.0170"), (36, 12, "0.0150"), (50, 36, "0.0410"), (51, 37, "0.1200"),
    (69, 360, "0.1200"),
])
def test_nomad_life_6_2_sample_table_band_edges(nomad, age, months, rate):
    assert quote(nomad, 1000, months, age=age).rate == Decimal(rate)


def test_nomad_life_6_2_table_needs_the_age_and_a_band(nomad):
    with pytest.raises(QuoteError) as exc:
        quote(nomad, 1000, 12)
    assert (exc.value.reason, exc.value.field) == ("age_required", "birth_date")
    with pytest.raises(QuoteError) as exc:
        quote(nomad, 1000, 12, age=70)
    assert exc.value.reason == "age_out_of_range"


def test_price_range_before_the_age_is_known(nomad, sakbol):
    low, high = price_range(nomad, Decimal(1000000), 12)
    assert (low.premium, high.premium) == (Decimal("9000.00"), Decimal("28000.00"))
    low, high = price_range(sakbol, Decimal(100000), 12)
    assert low == high and low.total == Decimal("2295.00")


def test_nomad_life_sum_insured_defaults_to_loan_amount(nomad):
    assert quote(nomad, 500000, 12, age=30).sum_insured == Decimal("500000.00")


def test_total_in_minor_units_for_telegram_invoice(sakbol):
    q = quote(sakbol, "50010", 12)
    assert to_minor_units(q.total) == 114773


@pytest.mark.parametrize(
    "loan, term, reason, field",
    [
        (0, 12, "amount_not_positive", "loan_amount"),
        (-100, 12, "amount_not_positive", "loan_amount"),
        ("abc", 12, "amount_not_a_number", "loan_amount"),
        (1000.5, 12, "amount_not_exact", "loan_amount"),
        ("NaN", 12, "amount_not_finite", "loan_amount"),
        ("100.001", 12, "amount_too_precise", "loan_amount"),
        (1000, 0, "term_not_positive", "term_months"),
        (1000, -3, "term_not_positive", "term_months"),
        (1000, 12.5, "term_not_integer", "term_months"),
        (1000, "12", "term_not_integer", "term_months"),
        (1000, True, "term_not_integer", "term_months"),
    ],
)
def test_quote_rejects_bad_input_with_reason(sakbol, loan, term, reason, field):
    with pytest.raises(QuoteError) as exc:
        quote(sakbol, loan, term)
    assert exc.value.reason == reason
    assert exc.value.field == field


def test_quote_rejects_non_positive_sum_insured(nomad):
    with pytest.raises(QuoteError) as exc:
        quote(nomad, 1000, 12, sum_insured=0, age=30)
    assert (exc.value.reason, exc.value.field) == ("amount_not_positive", "sum_insured")


@pytest.mark.parametrize(
    "amount, rounded",
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-1.005", "-1.01"), (7, "7.00")],
)
def test_round_money_is_half_up(amount, rounded):
    assert round_money(amount) == Decimal(rounded)


def test_minor_units_round_trip():
    assert to_minor_units(Decimal("2295.00")) == 229500
    assert to_minor_units("0.015") == 2
    assert from_minor_units(229500) == Decimal("2295.00")


def test_money_refuses_float():
    with pytest.raises(MoneyError) as exc:
        to_minor_units(0.1)
    assert exc.value.reason == "not_exact"
