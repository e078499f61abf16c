"""The summary: every answer, the price and the consents on one screen, signed
with one action (a tap, or sharing the phone when the bot does not know it)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.conversation import Button, Turn
from bot.i18n import Translator
from bot.keyboards import BACK, PERSON, back_and_person
from insurance.application import cover_end
from insurance.consent import consent_text
from insurance.parsing import parse_int
from insurance.premium import QuoteError
from insurance.product import Product
from storage.models import PolicyApplication, utcnow

from handlers.purchase import card as card_stage
from handlers.purchase import declaration as declaration_stage
from handlers.purchase import form as form_stage
from handlers.purchase import signing as signing_stage
from handlers.purchase import texts as T
from handlers.purchase.common import (
    beneficiary_text,
    cover_start_of,
    current,
    e,
    local_midnight,
    months_text,
    name_of,
    product_of,
    quote_of,
    sample_note,
)

QUOTE_TTL = timedelta(hours=24)


async def show_summary(turn: Turn) -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    if form_stage.missing_field(product, application.answers) is not None:
        await form_stage.next_step(turn, application)
        return
    turn.data.pop("editing", None)
    refusal = form_stage.age_refusal(product, application.answers)
    if refusal is not None:
        await declaration_stage.refuse(turn, application, refusal)
        return
    try:
        priced = quote_of(product, application.answers)
    except QuoteError:
        turn.data["field"] = "loan_amount"
        await form_stage.ask_field(turn)
        return
    now = utcnow()
    expires = now + QUOTE_TTL
    if product.cover_start.rule == "chosen_date":
        expires = min(expires, local_midnight(product, cover_start_of(product, application.answers)))
    application.quote = {
        "premium": str(priced.premium), "tax": str(priced.tax), "total": str(priced.total),
        "currency": priced.currency, "rate": str(priced.rate), "sample": priced.sample_rate,
        "quoted_at": now.isoformat(), "expires_at": expires.isoformat(),
    }
    turn.goto("buy.summary")
    text = summary_text(turn, product, application)
    texts = [consent_text(kind, turn.t.language) for kind in product.application_consents]
    read = [[(turn._(T.READ, title=c.title), f"buy:read:{i}")] for i, c in enumerate(texts)]
    edit_rows: list[list[Button]] = [[(turn._(T.EDIT), "buy:edit")], *read, back_and_person(turn, back="buy:card")]
    phone = application.answers.get("phone") or turn.user.phone
    if phone:
        turn.show(text, [[(turn._(T.SIGN_BUTTON), "buy:sign")], *edit_rows])
        return
    # Without a phone, sharing it is the signature's first step: one action, not two.
    turn.show(text, edit_rows)
    turn.ask_contact(turn._(T.SIGN_WITH_PHONE), turn._(T.SHARE_AND_SIGN), [turn._(BACK), turn._(PERSON)])


def summary_text(turn: Turn, product: Product, application: PolicyApplication) -> str:
    t: Translator = turn.t
    a, q, lang = application.answers, application.quote or {}, t.language
    money = lambda v: t.money(Decimal(v), product.currency)  # noqa: E731
    months = int(a["term_months"])
    document = t.gettext(T.DOCUMENT_LINE, number=a["document_number"],
                         date=t.date(date.fromisoformat(a["document_issued_on"])), issuer=a["document_issuer"])
    rows = [
        (T.LABELS["full_name"], a["full_name"]),
        (T.LABELS["birth_date"], t.date(date.fromisoformat(a["birth_date"]))),
        (T.LABELS["personal_number"], a["personal_number"]),
        (T.LABELS["identity_document"], document),
        (T.LABELS["address"], a["address"]),
        *([(T.LABELS["workplace"], a["workplace"])] if "workplace" in a else []),
        *([(T.LABELS["phone"], a.get("phone") or turn.user.phone)] if a.get("phone") or turn.user.phone else []),
        (T.LABELS["loan_amount"], months_text(t, T.SUMMARY_LOAN, months, amount=money(a["loan_amount"]))),
        *([(T.LABELS["loan_agreement"], a["loan_agreement"])] if a.get("loan_agreement") else []),
        (T.LABELS["cover_option"], product.cover_option(a["cover_option"]).name.get(lang)),
        (T.LABELS["sum_insured"], money(a["sum_insured"])),
        (T.LABELS["beneficiary"], beneficiary_text(product, a, lang)),
    ]
    lines = [t.gettext(T.SUMMARY_TITLE, product=e(name_of(product, turn))), ""]
    lines += [f"{t.gettext(label)}: {e(str(value))}" for label, value in rows]
    answers = a.get("declarations", {})
    marked = [str(i) for i, code in enumerate(answers, 1) if answers[code]]
    lines.append(f"{t.gettext(T.LABELS['declarations'])}: "
                 + (t.gettext(T.NONE_APPLIES).lstrip("✅ ") if not marked else ", ".join(marked)))
    lines.append("")
    if product.cover_start.rule == "from_payment":
        lines.append(months_text(t, T.SUMMARY_FROM_PAYMENT, months, clause=product.cover_start.clause))
    else:
        start = cover_start_of(product, a)
        lines.append(t.gettext(T.SUMMARY_PERIOD, start=t.date(start), end=t.date(cover_end(product, start, months))))
    lines.append(t.gettext(T.SUMMARY_PREMIUM, premium=money(q["premium"])))
    if Decimal(q["tax"]):
        lines.append(t.gettext(T.SUMMARY_TAX, tax=money(q["tax"])))
    lines.append(t.gettext(T.SUMMARY_TOTAL, total=money(q["total"])))
    note = sample_note(turn, product)
    if note:
        lines.append(note)
    titles = [consent_text(kind, lang).title for kind in product.application_consents]
    if titles:
        items = "\n".join(f"{i}. {e(title)}" for i, title in enumerate(titles, 1))
        lines += ["", t.gettext(T.SUMMARY_CONSENTS, items="@@").replace("@@", items)]
    return "\n".join(lines)


async def show_edit_menu(turn: Turn) -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    fields = form_stage.editable(product, application.answers)
    rows = [[(turn._(T.LABELS[f]), f"buy:e:{f}") for f in fields[i:i + 2]] for i in range(0, len(fields), 2)]
    turn.goto("buy.edit")
    turn.show(turn._(T.EDIT_TITLE, product=name_of(product, turn)), [*rows, back_and_person(turn, back="buy:summary")])


async def read_consent(turn: Turn, index: str = "") -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    texts = [consent_text(kind, turn.t.language) for kind in product.application_consents]
    reading = parse_int(index, maximum=len(texts) - 1)
    if reading is None:
        await show_summary(turn)
        return
    text = texts[reading]
    turn.goto("buy.consent_text")
    turn.show(f"<b>{e(text.title)}</b>\n\n{e(text.body)}", [back_and_person(turn, back="buy:summary")])


async def receive_text(turn: Turn) -> None:
    """At the summary, typed text is a reply-keyboard label or a mistake."""
    if not await form_stage.reply_keyboard_label(turn):
        turn.say(turn._(T.PHONE_BUTTON_ONLY))


async def receive_contact(turn: Turn) -> None:
    """The shared phone signs: consents recorded, application rendered, code sent."""
    application = await current(turn)
    if application is None or application.status != "draft" or application.quote is None:
        await card_stage.resume(turn)
        return
    if not await form_stage.accept_contact(turn, application):
        return
    await signing_stage.sign(turn)
