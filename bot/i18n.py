"""Translations and locale-aware formatting for the three languages.

Catalogues are compiled `.mo` files when present (`pybabel compile`), else
compiled in memory from the `.po` so a fresh checkout still runs.
"""

from __future__ import annotations

import gettext as _gettext
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from io import BytesIO
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from locales import DOMAIN, LOCALES_DIR

LANGUAGES = ("kk", "ky", "ru")
LANGUAGE_NAMES = {"kk": "Қазақша", "ky": "Кыргызча", "ru": "Русский"}
# Times are shown in the policy's country time; until a user's country is known
# from a policy, in the country their language suggests.
COUNTRY_ZONES = {"KZ": "Asia/Almaty", "KG": "Asia/Bishkek"}
LANGUAGE_COUNTRIES = {"ky": "KG", "kk": "KZ", "ru": "KZ"}


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later."""
    return message


def plural_message(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with plural forms; import it as `ngettext` so extraction finds it."""
    return singular, plural


# Clause references are data ("4.3(в)", "form 3", "Appendix 1", "terms (и)"):
# the numbers stay as written, the words around them come from the catalogue.
CLAUSE_WORDS = {
    # Translators: SAKBOL: a section of the client's application form.
    "form": N_("application form, section %(n)s"),
    # Translators: Nomad Life: Appendix 1 to the rules (the telemedicine programme).
    "Appendix": N_("Appendix %(n)s"),
    # Translators: SAKBOL: an item of the offer's list of basic terms, e.g. "(и)".
    "terms": N_("basic terms, item %(n)s"),
}
_CLAUSE_PART = re.compile(r"^(%s)\s+(.+)$" % "|".join(CLAUSE_WORDS))


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
        return text % self._localized(values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._t.ngettext(singular, plural, n) % {"n": n, **self._localized(values)}

    def clause_reference(self, clause: str) -> str:
        """A clause reference in this language: "form 5, 6.2" -> "өтініш нысанының 5-бөлімі, 6.2"."""
        parts = []
        for part in clause.split(", "):
            match = _CLAUSE_PART.match(part.strip())
            parts.append(self._t.gettext(CLAUSE_WORDS[match[1]]) % {"n": match[2]} if match else part)
        return ", ".join(parts)

    def _localized(self, values: dict[str, object]) -> dict[str, object]:
        """A value named `clause` is a clause reference: its words are translated."""
        clause = values.get("clause")
        return {**values, "clause": self.clause_reference(clause)} if isinstance(clause, str) else values

    def date(self, value: date) -> str:
        return format_date(value, "long", locale=self.language)

    def datetime(self, value: datetime, country: str | None = None) -> str:
        """In the country's time (`KZ`, `KG`; by default the language's country), with its offset."""
        local = value.astimezone(ZoneInfo(COUNTRY_ZONES.get(country or "", COUNTRY_ZONES[LANGUAGE_COUNTRIES[self.language]])))
        offset = local.utcoffset() or timedelta()
        return f"{format_datetime(local, 'd MMMM y, HH:mm', locale=self.language)} (UTC{offset.total_seconds() / 3600:+g})"

    def number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.language)

    def money(self, amount: Decimal, currency: str) -> str:
        return format_currency(amount, currency, locale=self.language)


@cache
def translator(language: str) -> Translator:
    return Translator(language)
