"""The application form's fields (SAKBOL application form; Nomad Life rules 4.2)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from insurance.application import (
    FieldError,
    add_months,
    cover_end,
    contract_beneficiary,
    cover_start_on_payment,
    default_cover_start,
    parse_amount,
    parse_birth_date,
    parse_date,
    parse_document_number,
    parse_full_name,
    parse_identity_document,
    parse_start_date,
    profile_full_name,
    parse_term,
    signature_line,
)
from insurance.catalogue import get_product
from insurance.product import LocalizedText

SAKBOL = get_product("sakbol")
NOMAD = get_product("nomad_life")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("raw", ["Әсел Қайратқызы Нұрланова", "айгүл   өмүрбекова", "Jean-Luc O'Neil"])
def test_full_names_of_two_to_five_words_of_letters(raw):
    assert len(parse_full_name(raw).split()) >= 2


@pytest.mark.parametrize(("raw", "reason"), [("Aigul", "name_words"), ("Aigul 2", "name_letters"),
                                              ("Айгүл 🙂", "name_letters"), ("a " * 80, "too_long")])
def test_bad_names_say_why(raw, reason):
    with pytest.raises(FieldError) as error:
        parse_full_name(raw)
    assert error.value.reason == reason


@pytest.mark.parametrize("raw", ["21.03.1988", "21/03/1988", "21-03-1988", "1988-03-21", " 21.3.1988 "])
def test_dates_in_the_usual_spellings(raw):
    assert parse_date(raw) == date(1988, 3, 21)


@pytest.mark.parametrize(("raw", "reason"), [("31.02.1990", "date_invalid"), ("March 1990", "date_format")])
def test_bad_dates(raw, reason):
    with pytest.raises(FieldError) as error:
        parse_date(raw)
    assert error.value.reason == reason


def test_birth_date_must_be_an_adult_in_the_past():
    today = date(2026, 11, 22)
    assert parse_birth_date("22.11.2008", today) == date(2008, 11, 22)  # 18 today
    for raw, reason in (("23.11.2008", "under_18"), ("23.11.2026", "birth_in_future"), ("01.01.1900", "birth_too_old")):
        with pytest.raises(FieldError) as error:
            parse_birth_date(raw, today)
        assert error.value.reason == reason


@pytest.mark.parametrize(("raw", "value"), [("500000", "500000.00"), ("1 500 000", "1500000.00"),
                                            ("250 000,50", "250000.50"), ("100000 сом", "100000.00")])
def test_amounts(raw, value):
    assert parse_amount(raw) == Decimal(value)


@pytest.mark.parametrize(("raw", "reason"), [("сто тысяч", "amount_format"), ("0", "amount_not_positive"),
                                              ("-5", "amount_format"), ("1.234", "amount_format")])
def test_bad_amounts(raw, reason):
    with pytest.raises(FieldError) as error:
        parse_amount(raw)
    assert error.value.reason == reason


def test_terms_and_documents():
    assert parse_term("24") == 24 and parse_term("24 мес") == 24
    with pytest.raises(FieldError):
        parse_term("0")
    assert parse_document_number("ID 1234567") == "ID1234567"
    assert parse_document_number("№ 012345678") == "012345678"
    with pytest.raises(FieldError):
        parse_document_number("hello")


def test_default_start_in_the_products_country_by_its_own_rule():
    # 20:00 UTC on 22 Nov is 01:00 on 23 Nov in Kazakhstan (UTC+5) and 02:00 in Kyrgyzstan (UTC+6).
    late = datetime(2026, 11, 22, 20, 0, tzinfo=timezone.utc)
    # Nomad Life rules 5.1: the date set in the contract, tomorrow at the earliest.
    assert default_cover_start(NOMAD, late) == date(2026, 11, 24)
    # SAKBOL offer 2.10, 6.2: cover from the moment of payment, so the payment day itself.
    assert default_cover_start(SAKBOL, late) == date(2026, 11, 23)
    early = datetime(2026, 11, 22, 18, 30, tzinfo=timezone.utc)  # 23:30 in KZ, 00:30 in KG
    assert default_cover_start(NOMAD, early) == date(2026, 11, 23)
    assert default_cover_start(SAKBOL, early) == date(2026, 11, 23)


def test_sakbol_2_9_2_10_6_2_cover_starts_on_the_payment_day_not_a_chosen_date():
    paid = datetime(2026, 11, 22, 19, 0, tzinfo=timezone.utc)  # 01:00 on 23 Nov in Bishkek
    assert cover_start_on_payment(SAKBOL, paid, date(2026, 12, 20)) == date(2026, 11, 23)
    # Nomad Life rules 5.1, 5.4: the date set in the contract stays.
    assert cover_start_on_payment(NOMAD, paid, date(2026, 12, 20)) == date(2026, 12, 20)


def test_nomad_life_5_1_start_date_within_the_products_window():
    now = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
    assert parse_start_date("23.11.2026", NOMAD, now) == date(2026, 11, 23)
    for raw, reason in (("22.11.2026", "start_not_future"), ("01.03.2027", "start_too_far")):
        with pytest.raises(FieldError) as error:
            parse_start_date(raw, NOMAD, now)
        assert error.value.reason == reason


@pytest.mark.parametrize("line, number, issued, issuer", [
    ("ID1234567, 10.05.2018, МКК 50-01", "ID1234567", date(2018, 5, 10), "МКК 50-01"),
    ("N 12345678 01.02.2020 МВД РК", "N12345678", date(2020, 2, 1), "МВД РК"),
    ("№ 012345678 ІІМ 2019-06-15", "012345678", date(2019, 6, 15), "ІІМ"),
])
def test_identity_document_in_one_message(line, number, issued, issuer):
    # SAKBOL application form section 1: series and number, date of issue, issuer.
    document = parse_identity_document(line, date(2026, 11, 22))
    assert (document.number, document.issued_on, document.issuer) == (number, issued, issuer)


@pytest.mark.parametrize("line, reason", [
    ("ID1234567 МКК 50-01", "document_no_date"),
    ("ID1234567 10.05.2018", "document_no_issuer"),
    ("10.05.2018 МКК 50-01", "document_number"),
    ("ID1234567 31.02.2018 МКК", "date_invalid"),
    ("ID1234567 10.05.2031 МКК", "date_in_future"),
])
def test_identity_document_line_names_the_missing_part(line, reason):
    with pytest.raises(FieldError) as error:
        parse_identity_document(line, date(2026, 11, 22))
    assert error.value.reason == reason


def test_profile_name_is_offered_only_when_it_looks_like_a_full_name():
    assert profile_full_name("Айгүл", "Өмүрбекова") == "Өмүрбекова Айгүл"
    assert profile_full_name("Aigerim", None) is None
    assert profile_full_name("Ai", "🙂") is None


def test_cover_end_reads_the_end_date_as_each_product_does():
    # SAKBOL form section 5: cover ends at 00:00 of the end date, so the end date is start + term.
    assert cover_end(SAKBOL, date(2026, 11, 23), 12) == date(2027, 11, 23)
    # Nomad Life: the end date is the last covered day.
    assert cover_end(NOMAD, date(2026, 11, 23), 12) == date(2027, 11, 22)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)


def test_signature_line_as_the_sakbol_form_records_it():
    signed = datetime(2026, 11, 22, 10, 5, 1, tzinfo=timezone.utc)
    assert signature_line("ab" * 32, "123456", "Айгүл Өмүрбекова", signed) == (
        f"{'ab' * 32} | 123456 | Айгүл Өмүрбекова | 2026-11-22 10:05:01 UTC")


def test_quote_command_prints_json():
    result = subprocess.run([sys.executable, "-m", "bot", "quote", "--product", "sakbol", "--loan-amount", "100000",
                             "--term-months", "13"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    quote = json.loads(result.stdout)
    # SAKBOL offer 3.1.2: from the 13th month 4.5 %; 9.5: 2 % tax on top.
    assert (quote["premium"], quote["tax"], quote["total"], quote["currency"]) == ("4500.00", "90.00", "4590.00", "KGS")


def test_quote_command_refuses_bad_input_with_one_line():
    result = subprocess.run([sys.executable, "-m", "bot", "quote", "--product", "sakbol", "--loan-amount", "0",
                             "--term-months", "12"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_beneficiary_is_whom_the_contract_names():
    bank = LocalizedText(kk="«Банк» АҚ", ky="«Банк» АК", ru="АО «Банк»")
    # SAKBOL application form section 2 names O!Bank, whatever the link says.
    assert "О!Банк" in contract_beneficiary(SAKBOL, "ru", bank, "Someone")
    # Nomad Life rules 2(5), 7.3: the partner bank's link names it, or the buyer states it.
    assert contract_beneficiary(NOMAD, "kk", bank, "Асан Асанов") == "«Банк» АҚ"
    assert contract_beneficiary(NOMAD, "ru", None, "Асан Асанов") == "Асан Асанов"
