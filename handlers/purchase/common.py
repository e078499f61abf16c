"""What the purchase stages share: the current application, its answers as a
form, and the pieces of text several screens print (price, sample tariff)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from html import escape
from typing import Any

from bot.conversation import Turn
from bot.i18n import Translator
from insurance import eligibility
from insurance.application import (
    ApplicationForm,
    IdentityDocument,
    StatementAnswer,
    age_on,
    contract_beneficiary,
    cover_end,
    default_cover_start,
)
from insurance.catalogue import get_product
from insurance.partner_link import partner_banks
from insurance.premium import Quote, quote
from insurance.product import Product
from storage.models import PolicyApplication, utcnow

from handlers.purchase import texts as T

# What a returning buyer is not asked again (from their latest signed application in the same country).
KNOWN_FIELDS = ("full_name", "birth_date", "sex", "personal_number", "document_number", "document_issued_on",
                "document_issuer", "address", "workplace")


async def current(turn: Turn) -> PolicyApplication | None:
    application_id = turn.data.get("application_id")
    if not isinstance(application_id, int):
        return None
    return await turn.uow.applications.get_for_user(turn.user.id, application_id)


def set_answers(application: PolicyApplication, **values: Any) -> None:
    """JSON columns change only when reassigned."""
    application.answers = {**application.answers, **values}


def drop_answers(application: PolicyApplication, *fields: str) -> None:
    application.answers = {k: v for k, v in application.answers.items() if k not in fields}


def e(text: str) -> str:
    return escape(text, quote=False)


def name_of(product: Product, turn: Turn) -> str:
    return product.name.get(turn.t.language)


def cover_start_of(product: Product, answers: dict[str, Any], now: datetime | None = None) -> date:
    """The chosen date (Nomad Life rules 5.1) or, before one is chosen and for
    cover from payment (SAKBOL offer 2.10, 6.2), the day the bot prices with."""
    if product.cover_start.rule == "chosen_date" and "cover_start" in answers:
        return date.fromisoformat(answers["cover_start"])
    return default_cover_start(product, now or utcnow())


def age_at_start(product: Product, answers: dict[str, Any]) -> int | None:
    if "birth_date" not in answers:
        return None
    return age_on(date.fromisoformat(answers["birth_date"]), cover_start_of(product, answers))


def quote_of(product: Product, answers: dict[str, Any]) -> Quote:
    """QuoteError when the tariff still lacks something (the age for a table)."""
    return quote(product, Decimal(answers["loan_amount"]), int(answers["term_months"]),
                 Decimal(answers.get("sum_insured") or answers["loan_amount"]),
                 age=age_at_start(product, answers) if product.tariff.needs_age else None)


def sample_note(turn: Turn, product: Product) -> str | None:
    """Nomad Life rules 6.2: while the tariff is a sample, every price says so."""
    if not product.tariff.sample:
        return None
    return turn._(T.SAMPLE_TARIFF, clause=product.tariff.clause or "")


def months_text(t: Translator, message: tuple[str, str], months: int, **values: object) -> str:
    return t.ngettext(*message, months, months=months, **values)


def beneficiary_text(product: Product, answers: dict[str, Any], language: str) -> str:
    bank = partner_banks().get(answers.get("bank") or "")
    return contract_beneficiary(product, language, bank.name if bank else None, answers.get("beneficiary"))


def statements(product: Product, answers: dict[str, Any]) -> tuple[StatementAnswer, ...]:
    given = answers.get("declarations", {})
    result = []
    for code, clause in eligibility.statement_items(product):
        question = None if code == eligibility.INSURED_IS_SOMEONE_ELSE else product.declaration(code).question
        result.append(StatementAnswer(code, clause, question, bool(given.get(code, False))))
    return tuple(result)


def form_of(product: Product, application: PolicyApplication, language: str,
            cover_start: date | None = None) -> ApplicationForm:
    """The application as signed (and, with `cover_start`, as the policy prints it)."""
    a, q = application.answers, application.quote or {}
    start = cover_start or cover_start_of(product, a)
    first = product.languages[0]
    beneficiary = None
    if product.beneficiary.kind != "fixed":
        names = dict.fromkeys(beneficiary_text(product, a, lang) for lang in product.languages)
        beneficiary = " / ".join(n for n in names if n) or None
    return ApplicationForm(
        product=product, full_name=a["full_name"], birth_date=date.fromisoformat(a["birth_date"]),
        personal_number=a["personal_number"],
        identity_document=IdentityDocument(a["document_number"], date.fromisoformat(a["document_issued_on"]),
                                           a["document_issuer"]),
        address=a["address"], phone=a["phone"], workplace=a.get("workplace"),
        loan_amount=Decimal(a["loan_amount"]), term_months=int(a["term_months"]),
        cover_option=product.cover_option(a["cover_option"]), sum_insured=Decimal(a["sum_insured"]),
        cover_start=start, cover_end=cover_end(product, start, int(a["term_months"])),
        premium=Decimal(q["premium"]), tax=Decimal(q["tax"]), total=Decimal(q["total"]),
        currency=product.currency, language=language or first, signed_at=application.signed_at,
        signature=application.signature, statements=statements(product, a), beneficiary=beneficiary,
        sample_tariff=product.tariff.sample, cover_from_payment=product.cover_start.rule == "from_payment",
        loan_agreement=a.get("loan_agreement"),
    )


def local_midnight(product: Product, day: date) -> datetime:
    zone = timezone(timedelta(hours=product.utc_offset_hours))
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def masked(phone: str) -> str:
    return phone[:-7] + " *** ** " + phone[-2:] if len(phone) > 8 else phone


def product_of(application: PolicyApplication) -> Product:
    return get_product(application.product_code)
