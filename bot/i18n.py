"""Translations and locale-aware formatting for the three languages.

Catalogues are compiled `.mo` files when present (`pybabel compile`), else
compiled in memory from the `.po` so a fresh checkout still runs.
"""

from __future__ import annotations

import gettext as _gettext
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from io import BytesIO

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from locales import DOMAIN, LOCALES_DIR

LANGUAGES = ("kk", "ky", "ru")
LANGUAGE_NAMES = {"kk": "Қазақша", "ky": "Кыргызча", "ru": "Русский"}
# Until a user's country is known from a policy, times are shown in the zone
# their language suggests: Kyrgyzstan UTC+6, Kazakhstan UTC+5.
_ZONES = {"ky": timezone(timedelta(hours=6), "UTC+6"), "kk": timezone(timedelta(hours=5), "UTC+5"),
          "ru": timezone(timedelta(hours=5), "UTC+5")}


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later."""
    return message


def plural_message(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with plural forms; import it as `ngettext` so extraction finds it."""
    return singular, plural


def supported_language(code: str | None) -> str | None:
    """The bot language for a Telegram `language_code` ('ru-RU' -> 'ru'), or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


@cache
def _translations(language: str) -> _gettext.GNUTranslations:
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


class Translator:
    """Everything a handler needs to speak one language."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.language = language
        self._t = _translations(language)

    def gettext(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._t.ngettext(singular, plural, n) % {"n": n, **values}

    def date(self, value: date) -> str:
        return format_date(value, "long", locale=self.language)

    def datetime(self, value: datetime) -> str:
        local = value.astimezone(_ZONES[self.language])
        return f"{format_datetime(local, 'd MMMM y, HH:mm', locale=self.language)} ({_ZONES[self.language].tzname(None)})"

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.language)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.language)


@cache
def translator(language: str) -> Translator:
    return Translator(language)
