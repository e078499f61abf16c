"""Payment and the policy. `issue_policy` and `staff_confirms_payment` are
called from outside too (a premium paid outside Telegram, the partner API).

SAKBOL cover starts with the payment (offer 2.9, 2.10, 6.2): the policy's
start is the payment day, whatever day the application was signed."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

from bot.conversation import Turn, translate
from bot.documents import render_certificate
from bot.i18n import translator
from bot.keyboards import MAIN_MENU, MY_POLICIES, menu_and_person
from insurance.application import IssuedPolicy, cover_start_on_payment
from insurance.money import to_minor_units
from insurance.parsing import ascii_digits
from storage.models import PolicyApplication, utcnow

from handlers.purchase import card as card_stage
from handlers.purchase import texts as T
from handlers.purchase.common import (
    cover_start_of,
    current,
    form_of,
    months_text,
    name_of,
    product_of,
    sample_note,
)


async def show_payment(turn: Turn, announce: bool = False) -> None:
    application = await current(turn)
    if application is None:
        await card_stage.start_buying(turn)
        return
    policy = await turn.uow.policies.for_application(application.id)
    if policy is not None or application.status != "awaiting_payment":
        await turn.router.home(turn)
        return
    product = product_of(application)
    turn.goto("buy.pay")
    q = application.quote or {}
    total = turn.t.money(Decimal(q["total"]), product.currency)
    title = turn._(T.PAY_TITLE, product=name_of(product, turn))
    note = sample_note(turn, product)
    extra = f"\n\n{note}" if note else ""
    if turn.settings.payment_provider_token:
        turn.say(f"{title}\n\n{turn._(T.PAY_INVOICE, total=total)}{extra}", [menu_and_person(turn)])
        if announce:
            turn.send_invoice(**invoice(turn, application))
        return
    turn.say(f"{title}\n\n{turn._(T.PAY_AWAITING, number=application.id, total=total)}{extra}",
             [menu_and_person(turn)])
    if announce and turn.settings.staff_chat_id is not None:
        staff = translator(turn.settings.staff_language)
        turn.say(translate(staff, T.STAFF_AWAITING, number=application.id,
                           product=product.name.get(turn.settings.staff_language),
                           name=application.answers["full_name"], total=staff.money(Decimal(q["total"]), product.currency)),
                 chat_id=turn.settings.staff_chat_id)


def invoice(turn: Turn, application: PolicyApplication) -> dict:
    """A short title within Telegram's 32 characters; no tax line when there is no tax."""
    product = product_of(application)
    t, q = turn.t, application.quote or {}
    months = int(application.answers["term_months"])
    if product.cover_start.rule == "from_payment":
        description = months_text(t, T.INVOICE_FROM_PAYMENT, months, number=application.id)
    else:
        form = form_of(product, application, t.language)
        description = t.gettext(T.INVOICE_DESCRIPTION, start=t.date(form.cover_start), end=t.date(form.cover_end),
                                number=application.id)
    if product.tariff.sample:
        description += " " + t.gettext(T.INVOICE_SAMPLE)
    prices = [(t.gettext(T.PREMIUM_LABEL), to_minor_units(Decimal(q["premium"])))]
    if Decimal(q["tax"]):
        prices.append((t.gettext(T.TAX_LABEL), to_minor_units(Decimal(q["tax"]))))
    return {"title": product.invoice_title(t.language), "description": description[:255],
            "payload": f"application:{application.id}", "currency": product.currency, "prices": prices}


async def _payable(turn: Turn) -> tuple[PolicyApplication | None, str | None]:
    """The application an invoice pays for, or the reason it cannot be paid now."""
    info = turn.incoming.payment
    assert info is not None
    kind, _, number = info.invoice_payload.partition(":")
    application = (await turn.uow.applications.get_for_user(turn.user.id, int(number))
                   if kind == "application" and ascii_digits(number) else None)
    if application is None or application.status != "awaiting_payment" or application.quote is None:
        return application, T.CHECKOUT_CHANGED
    product = product_of(application)
    if info.currency != product.currency or info.total_amount != to_minor_units(Decimal(application.quote["total"])):
        return application, T.CHECKOUT_CHANGED
    return application, None


async def pre_checkout(turn: Turn) -> None:
    """Telegram asks before charging: the quote must be unchanged and unexpired."""
    application, problem = await _payable(turn)
    if problem is None and application is not None and application.quote is not None:
        if datetime.fromisoformat(application.quote["expires_at"]) <= utcnow():
            problem = T.CHECKOUT_EXPIRED
            application.status = "draft"
    if problem is not None:
        turn.pre_checkout_error = turn._(problem)


async def successful_payment(turn: Turn) -> None:
    """One policy per payment, whatever Telegram redelivers."""
    info = turn.incoming.payment
    assert info is not None
    if info.telegram_charge_id and await turn.uow.payments.by_charge(info.telegram_charge_id):
        return
    kind, _, number = info.invoice_payload.partition(":")
    application = (await turn.uow.applications.get_for_user(turn.user.id, int(number))
                   if kind == "application" and ascii_digits(number) else None)
    if application is None or await turn.uow.payments.for_application(application.id) is not None:
        # Money arrived for something already paid or unknown: a person must look.
        turn.say(turn._(T.CHECKOUT_CHANGED), [menu_and_person(turn)])
        return
    turn.uow.payments.record(application_id=application.id, method="telegram", amount_minor=info.total_amount,
                             currency=info.currency, telegram_charge_id=info.telegram_charge_id,
                             provider_charge_id=info.provider_charge_id)
    await issue_policy(turn, application, client_language=turn.t.language)
    turn.goto("menu")


async def staff_confirms_payment(turn: Turn) -> None:
    """`/paid N` in the staff chat: the premium for application N was received."""
    staff = translator(turn.settings.staff_language)
    number = turn.incoming.args.strip().lstrip("№#")
    if not ascii_digits(number):
        turn.say(staff.gettext(T.STAFF_PAID_USAGE), chat_id=turn.incoming.chat_id)
        return
    application = await payable_outside(turn, int(number))
    if application is None:
        turn.say(staff.gettext(T.STAFF_PAID_UNKNOWN, number=number), chat_id=turn.incoming.chat_id)
        return
    policy_number = await confirm_outside_payment(turn, application, method="staff", confirmed_by=turn.user.id)
    turn.say(staff.gettext(T.STAFF_PAID_DONE, policy=policy_number, number=application.id),
             chat_id=turn.incoming.chat_id)


async def payable_outside(turn: Turn, application_id: int) -> PolicyApplication | None:
    """The application if it waits for a premium paid outside Telegram (not yet paid)."""
    application = await turn.uow.applications.get(application_id)
    if application is None or application.status != "awaiting_payment" or application.quote is None \
            or await turn.uow.payments.for_application(application.id) is not None:
        return None
    return application


async def confirm_outside_payment(turn: Turn, application: PolicyApplication, *, method: str,
                                  confirmed_by: int | None = None, reference: str | None = None) -> str:
    """The premium for `application` arrived outside Telegram (`/paid N`, or the insurer
    through the API): the payment is recorded once (unique per application) and the
    policy issued with its certificate; returns the policy number."""
    client = await turn.uow.users.get(application.user_id)
    language = (client.language if client else None) or "ru"
    turn.uow.payments.record(application_id=application.id, method=method, confirmed_by=confirmed_by,
                             provider_charge_id=reference,
                             amount_minor=to_minor_units(Decimal(application.quote["total"])),
                             currency=application.quote["currency"])
    return await issue_policy(turn, application, client_language=language)


async def issue_policy(turn: Turn, application: PolicyApplication, client_language: str) -> str:
    """Called once the premium is paid (Telegram, staff, or a partner): the
    policy and its certificate, sent as new messages (receipts stay)."""
    product = product_of(application)
    t = translator(client_language)
    now = utcnow()
    number = f"{product.policy_prefix}-{now.year}-{application.id:06d}"
    chosen = cover_start_of(product, application.answers) if product.cover_start.rule == "chosen_date" else None
    start = cover_start_on_payment(product, now, chosen)
    form = form_of(product, application, client_language, cover_start=start)
    certificate = await asyncio.to_thread(render_certificate, IssuedPolicy(
        number=number, issued_at=now, form=form, application_sha256=application.document_sha256 or ""))
    certificate_sha256 = turn.documents.put(certificate)
    q = application.quote or {}
    turn.uow.policies.issue(
        number=number, user_id=application.user_id, application_id=application.id, product_code=product.code,
        holder_name=form.full_name, cover_option=form.cover_option.code, currency=product.currency,
        sum_insured_minor=to_minor_units(form.sum_insured), premium_minor=to_minor_units(Decimal(q["premium"])),
        tax_minor=to_minor_units(Decimal(q["tax"])), total_minor=to_minor_units(Decimal(q["total"])),
        cover_start=form.cover_start, cover_end=form.cover_end, issued_at=now, certificate_sha256=certificate_sha256,
    )
    application.status = "paid"
    await turn.uow.partner_events.emit(product.code, "policy.issued", {
        "policy": number, "application": application.id, "cover_start": form.cover_start.isoformat(),
        "cover_end": form.cover_end.isoformat(), "currency": product.currency, "sum_insured": str(form.sum_insured),
        "total_premium": str(q["total"])})
    money = lambda v: t.money(v, product.currency)  # noqa: E731
    text = translate(t, T.ISSUED, number=number, product=product.name.get(client_language),
                     start=t.date(form.cover_start), end=t.date(form.cover_end),
                     sum=money(form.sum_insured), total=money(Decimal(q["total"])))
    if product.tariff.sample:
        text += "\n" + translate(t, T.SAMPLE_TARIFF, clause=product.tariff.clause or "")
    turn.say(text, [[(t.gettext(MY_POLICIES), "policies"), (t.gettext(MAIN_MENU), "menu")]],
             chat_id=application.user_id)
    turn.send_stored_document(certificate_sha256, f"{number}.pdf", caption=t.gettext(T.CERTIFICATE_CAPTION, number=number),
                              chat_id=application.user_id)
    return number
