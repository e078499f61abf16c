"""Personal numbers and phone numbers of Kazakhstan and Kyrgyzstan.

Checks return a result value with a reason code, so the bot can say exactly
what is wrong; they never raise on bad user input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from insurance.parsing import ascii_digits

MALE = "male"
FEMALE = "female"

# Kazakhstan IIN, digit 7: century of birth and sex.
_IIN_CENTURY_SEX = {
    "1": (1800, MALE),
    "2": (1800, FEMALE),
    "3": (1900, MALE),
    "4": (1900, FEMALE),
    "5": (2000, MALE),
    "6": (2000, FEMALE),
}
_IIN_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# Kyrgyz personal number (ПИН), digit 1: sex.
_KG_PIN_SEX = {"1": FEMALE, "2": MALE}


@dataclass(frozen=True)
class PersonalNumberCheck:
    """Outcome of checking an IIN or a Kyrgyz PIN.

    `reason` is None when valid; otherwise one of: empty, not_digits, wrong_length,
    invalid_century_digit, invalid_sex_digit, invalid_date,
    checksum_undefined, checksum_mismatch, birth_date_mismatch.
    Birth date and sex are filled whenever they could be read.
    """

    valid: bool
    reason: str | None
    number: str
    birth_date: date | None = None
    sex: str | None = None


@dataclass(frozen=True)
class PhoneCheck:
    """`reason` is None when valid; otherwise one of: empty, unparseable,
    invalid_number, wrong_country, not_mobile."""

    valid: bool
    reason: str | None
    e164: str | None = None
    is_mobile: bool | None = None


def iin_check_digit(first_eleven: str) -> int | None:
    """Control digit of a Kazakhstan IIN, or None when no digit is possible."""
    digits = [int(c) for c in first_eleven]
    for weights in (_IIN_WEIGHTS_FIRST, _IIN_WEIGHTS_SECOND):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


def check_iin(raw: str, birth_date: date | None = None) -> PersonalNumberCheck:
    """Kazakhstan IIN: YYMMDD, century/sex digit, 4 serial digits, check digit."""
    number = _digits_only(raw)
    if not number:
        return PersonalNumberCheck(False, "empty", number)
    if not ascii_digits(number):
        return PersonalNumberCheck(False, "not_digits", number)
    if len(number) != 12:
        return PersonalNumberCheck(False, "wrong_length", number)
    century_sex = _IIN_CENTURY_SEX.get(number[6])
    if century_sex is None:
        return PersonalNumberCheck(False, "invalid_century_digit", number)
    century, sex = century_sex
    born = _date_or_none(century + int(number[0:2]), int(number[2:4]), int(number[4:6]))
    if born is None:
        return PersonalNumberCheck(False, "invalid_date", number, sex=sex)
    expected = iin_check_digit(number[:11])
    if expected is None:
        return PersonalNumberCheck(False, "checksum_undefined", number, born, sex)
    if expected != int(number[11]):
        return PersonalNumberCheck(False, "checksum_mismatch", number, born, sex)
    if birth_date is not None and birth_date != born:
        return PersonalNumberCheck(False, "birth_date_mismatch", number, born, sex)
    return PersonalNumberCheck(True, None, number, born, sex)


def check_kg_pin(raw: str, birth_date: date | None = None) -> PersonalNumberCheck:
    """Kyrgyz personal number: sex digit (1 female, 2 male), DDMMYYYY, 5 digits."""
    number = _digits_only(raw)
    if not number:
        return PersonalNumberCheck(False, "empty", number)
    if not ascii_digits(number):
        return PersonalNumberCheck(False, "not_digits", number)
    if len(number) != 14:
        return PersonalNumberCheck(False, "wrong_length", number)
    sex = _KG_PIN_SEX.get(number[0])
    if sex is None:
        return PersonalNumberCheck(False, "invalid_sex_digit", number)
    born = _date_or_none(int(number[5:9]), int(number[3:5]), int(number[1:3]))
    if born is None:
        return PersonalNumberCheck(False, "invalid_date", number, sex=sex)
    if birth_date is not None and birth_date != born:
        return PersonalNumberCheck(False, "birth_date_mismatch", number, born, sex)
    return PersonalNumberCheck(True, None, number, born, sex)


def check_personal_number(
    country: str, raw: str, birth_date: date | None = None
) -> PersonalNumberCheck:
    """The personal number of `country`: IIN for KZ, PIN for KG."""
    if country == "KZ":
        return check_iin(raw, birth_date)
    if country == "KG":
        return check_kg_pin(raw, birth_date)
    raise ValueError(f"no personal number rules for country {country!r}")


def normalize_phone(raw: str, country: str, *, mobile_only: bool = False) -> PhoneCheck:
    """E.164 form of a Kazakhstan (+7, KZ ranges) or Kyrgyzstan (+996) number.

    Accepts local spellings ("8 701 ...", "0555 ...", spaces, dashes,
    brackets). With `mobile_only`, landlines are refused (e.g. for SMS codes).
    """
    if country not in ("KZ", "KG"):
        raise ValueError(f"no phone rules for country {country!r}")
    text = (raw or "").strip()
    if not text:
        return PhoneCheck(False, "empty")
    try:
        parsed = phonenumbers.parse(text, country)
    except NumberParseException:
        return PhoneCheck(False, "unparseable")
    if not phonenumbers.is_valid_number(parsed):
        return PhoneCheck(False, "invalid_number")
    if phonenumbers.region_code_for_number(parsed) != country:
        return PhoneCheck(False, "wrong_country")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(parsed)
    is_mobile = kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if mobile_only and not is_mobile:
        return PhoneCheck(False, "not_mobile", e164, False)
    return PhoneCheck(True, None, e164, is_mobile)


def normalize_contact_phone(raw: str, preferred_country: str) -> PhoneCheck:
    """A number someone can be called on, Kazakh or Kyrgyz: local spellings are
    read as `preferred_country` first, then as the other country."""
    first = normalize_phone(raw, preferred_country)
    if first.valid:
        return first
    other = normalize_phone(raw, "KG" if preferred_country == "KZ" else "KZ")
    return other if other.valid else first


def _digits_only(raw: str) -> str:
    """Drop the spaces and dashes people type inside long numbers."""
    return "".join(c for c in (raw or "") if c not in " -\t")


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
