"""Money arithmetic: Decimal only, two decimal places, ROUND_HALF_UP.

Both currencies the bot sells in (KZT, KGS) have 100 minor units
(tiyn / tyiyn), which is also what Telegram invoices expect.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MINOR_UNITS_PER_UNIT = 100
CURRENCIES = ("KZT", "KGS")


class MoneyError(ValueError):
    """A value that cannot be used as an amount of money."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Convert an int, str or Decimal to a finite Decimal.

    Floats and bools are refused: a float has already lost the exact amount.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(
            "not_exact", f"amount must be Decimal, int or str, not {type(value).__name__}"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise MoneyError("not_a_number", f"not a number: {value!r}") from None
    else:
        raise MoneyError(
            "not_exact", f"amount must be Decimal, int or str, not {type(value).__name__}"
        )
    if not result.is_finite():
        raise MoneyError("not_finite", f"amount is not finite: {value!r}")
    return result


def round_money(amount: Decimal | int | str) -> Decimal:
    """Round to 2 decimal places, halves away from zero (ROUND_HALF_UP)."""
    return to_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal | int | str) -> int:
    """Amount in tiyn / tyiyn (x100), as Telegram's sendInvoice wants it."""
    return int(round_money(amount) * MINOR_UNITS_PER_UNIT)


def from_minor_units(minor: int) -> Decimal:
    """Inverse of `to_minor_units`."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise MoneyError("not_integer", f"minor units must be an int, not {type(minor).__name__}")
    return (Decimal(minor) / MINOR_UNITS_PER_UNIT).quantize(CENT)
