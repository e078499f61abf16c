"""Kazakhstan IIN, Kyrgyz personal number (PIN) and phone numbers."""

from datetime import date

import pytest

from insurance.identity import (
    FEMALE,
    MALE,
    check_iin,
    check_kg_pin,
    check_personal_number,
    iin_check_digit,
    normalize_phone,
)


def make_iin(first_eleven: str) -> str:
    digit = iin_check_digit(first_eleven)
    assert digit is not None
    return first_eleven + str(digit)


# --------------------------------------------------------------------------- IIN


def test_iin_hand_verified_first_pass():
    """950812 3 0012 ?: 9*1 + 5*2 + 0*3 + 8*4 + 1*5 + 2*6 + 3*7 + 0*8 + 0*9 + 1*10 + 2*11
    = 9 + 10 + 0 + 32 + 5 + 12 + 21 + 0 + 0 + 10 + 22 = 121; 121 mod 11 = 0 -> check digit 0.
    Digit 7 = 3: a man born in the 1900s, on 12 August 1995."""
    result = check_iin("950812300120")
    assert result.valid and result.reason is None
    assert result.birth_date == date(1995, 8, 12)
    assert result.sex == MALE


def test_iin_hand_verified_second_pass():
    """900101 3 0081 ?: first pass 9*1 + 1*4 + 1*6 + 3*7 + 8*10 + 1*11 = 131; 131 mod 11 = 10,
    so weights 3..11,1,2: 9*3 + 1*6 + 1*8 + 3*9 + 8*1 + 1*2 = 78; 78 mod 11 = 1 -> check digit 1."""
    assert iin_check_digit("90010130081") == 1
    assert check_iin("900101300811").valid


def test_iin_both_passes_ten_is_invalid():
    """900101 3 0080: first pass 120 mod 11 = 10, second pass 76 mod 11 = 10: no IIN exists."""
    assert iin_check_digit("90010130080") is None
    assert check_iin("900101300800").reason == "checksum_undefined"


@pytest.mark.parametrize(
    "first_eleven, born, sex",
    [
        ("99123110001", date(1899, 12, 31), MALE),
        ("99123120001", date(1899, 12, 31), FEMALE),
        ("72021430456", date(1972, 2, 14), MALE),
        ("72021440456", date(1972, 2, 14), FEMALE),
        ("05031750123", date(2005, 3, 17), MALE),
        ("05031760123", date(2005, 3, 17), FEMALE),
        ("00022960007", date(2000, 2, 29), FEMALE),
    ],
)
def test_iin_century_and_sex_digit(first_eleven, born, sex):
    iin = make_iin(first_eleven)
    result = check_iin(iin, birth_date=born)
    assert result.valid, result
    assert (result.birth_date, result.sex) == (born, sex)


def test_iin_wrong_checksum():
    result = check_iin("950812300121")
    assert (result.valid, result.reason) == (False, "checksum_mismatch")
    assert result.birth_date == date(1995, 8, 12)  # still read, for the message


@pytest.mark.parametrize("digit", ["0", "7", "8", "9"])
def test_iin_wrong_century_digit(digit):
    result = check_iin("950812" + digit + "00120")
    assert result.reason == "invalid_century_digit"


def test_iin_impossible_date():
    assert check_iin(make_iin("95023030012")).reason == "invalid_date"
    assert check_iin(make_iin("01022950012")).reason == "invalid_date"  # 2001 is not a leap year


def test_iin_birth_date_mismatch():
    result = check_iin("950812300120", birth_date=date(1995, 8, 13))
    assert (result.valid, result.reason) == (False, "birth_date_mismatch")
    assert result.birth_date == date(1995, 8, 12)


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("95081230012", "wrong_length"),
        ("9508123001200", "wrong_length"),
        ("95081230012X", "not_digits"),
        ("", "empty"),
    ],
)
def test_iin_shape(raw, reason):
    assert check_iin(raw).reason == reason


def test_iin_spaces_are_ignored():
    assert check_iin(" 950812 300120 ").number == "950812300120"
    assert check_iin("950812-300120").valid


# --------------------------------------------------------------------------- Kyrgyz PIN


def test_kg_pin_male():
    result = check_kg_pin("21205199000123")
    assert result.valid
    assert (result.birth_date, result.sex) == (date(1990, 5, 12), MALE)


def test_kg_pin_female_with_matching_birth_date():
    result = check_kg_pin("10103198512345", birth_date=date(1985, 3, 1))
    assert result.valid
    assert result.sex == FEMALE


def test_kg_pin_birth_date_mismatch():
    result = check_kg_pin("10103198512345", birth_date=date(1985, 1, 3))
    assert (result.valid, result.reason) == (False, "birth_date_mismatch")


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("31205199000123", "invalid_sex_digit"),
        ("01205199000123", "invalid_sex_digit"),
        ("23102199000123", "invalid_date"),
        ("2120519900012", "wrong_length"),
        ("2120519900012A", "not_digits"),
    ],
)
def test_kg_pin_rejections(raw, reason):
    assert check_kg_pin(raw).reason == reason


def test_personal_number_by_country():
    assert check_personal_number("KZ", "950812300120").valid
    assert check_personal_number("KG", "21205199000123").valid
    assert check_personal_number("KG", "950812300120").reason == "wrong_length"
    with pytest.raises(ValueError):
        check_personal_number("UZ", "1")


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw",
    [
        "8 701 234 56 78",
        "8(701)234-56-78",
        "+7 701 234 5678",
        "87012345678",
        "7012345678",
        "+7-701-234-56-78",
    ],
)
def test_kz_mobile_spellings(raw):
    result = normalize_phone(raw, "KZ", mobile_only=True)
    assert result.valid, result
    assert result.e164 == "+77012345678"
    assert result.is_mobile


@pytest.mark.parametrize(
    "raw",
    ["0555 123 456", "0 (555) 12-34-56", "+996 555 123 456", "555123456", "996555123456"],
)
def test_kg_mobile_spellings(raw):
    result = normalize_phone(raw, "KG", mobile_only=True)
    assert result.valid, result
    assert result.e164 == "+996555123456"


def test_landline_allowed_unless_mobile_required():
    almaty = normalize_phone("8 727 258 12 34", "KZ")
    assert almaty.valid and almaty.e164 == "+77272581234" and almaty.is_mobile is False
    assert normalize_phone("8 727 258 12 34", "KZ", mobile_only=True).reason == "not_mobile"
    sakbol_office = normalize_phone("+996 (312) 680 821", "KG")
    assert sakbol_office.valid and not sakbol_office.is_mobile
    assert normalize_phone("0312 680 821", "KG", mobile_only=True).reason == "not_mobile"


@pytest.mark.parametrize(
    "raw, country, reason",
    [
        ("", "KZ", "empty"),
        ("   ", "KG", "empty"),
        ("phone", "KZ", "unparseable"),
        ("8 701 234", "KZ", "invalid_number"),
        ("+7 916 123 45 67", "KZ", "wrong_country"),
        ("+7 701 234 56 78", "KG", "wrong_country"),
        ("+996 555 123 456", "KZ", "wrong_country"),
    ],
)
def test_phone_rejections(raw, country, reason):
    assert normalize_phone(raw, country).reason == reason


def test_a_claims_contact_phone_may_be_from_either_country():
    from insurance.identity import normalize_contact_phone

    assert normalize_contact_phone("+996 555 123 456", "KZ").e164 == "+996555123456"
    assert normalize_contact_phone("8 701 234 56 78", "KZ").e164 == "+77012345678"
    assert normalize_contact_phone("0555 123 456", "KG").e164 == "+996555123456"
    assert not normalize_contact_phone("12345", "KZ").valid
