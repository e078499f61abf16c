"""Issue 13: buying in fewer taps. One scripted journey per row of the issue's
table, each counting every user action (message, tap, contact share, code,
payment) from the first message to the certificate, in a different language;
the price is on the first product screen; a partner bank's link fills the
loan, the bank and the agreement, and a forged one is refused."""

from __future__ import annotations

import io
import re
from datetime import timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from bot.i18n import translator
from handlers import purchase
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.partner_link import make_link_payload
from storage.db import session_factory
from storage.models import Policy
from tests.chat import buttons, catalogue, plain
from tests.purchase_flow import (
    KZ_DOCUMENT,
    KZ_IIN,
    buyer,
    consent,
    cover_start_buttons,
    enter_code,
    fill_sakbol,
    latest_code,
    open_card,
    share_and_sign,
    sign_and_pay,
    step,
)

OBANK_KEY = "obank-link-key-0123456789"


async def certificate_text(control, message: dict) -> str:
    pdf = await control.download(message["document"]["file_id"])
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


async def sign_pay_and_read(user, control, phone: str, prefix: str) -> str:
    issued, certificate = await sign_and_pay(user, control, phone)
    assert re.search(rf"{prefix}-\d{{4}}-\d{{6}}", issued["text"])
    return await certificate_text(control, certificate)


async def pay_and_certificate(user, control, invoice: dict, prefix: str) -> str:
    assert (await user.pay(invoice["message_id"]))["ok"] is True
    issued, certificate = await user.replies(2)
    assert re.search(rf"{prefix}-\d{{4}}-\d{{6}}", issued["message"]["text"])
    return await certificate_text(control, certificate["message"])


async def test_sakbol_new_customer_from_start_to_certificate_in_at_most_18_actions(qamqor, control):
    user = await buyer(control, "ky")
    await consent(user)
    card = await open_card(user, "sakbol")
    # The price before anything is asked: SAKBOL offer 3.1.2 rates and 9.5 tax, where it is sold, what phone.
    t = translator("ky")
    assert t.gettext(purchase.CARD_RATE_BAND, rate="2,25%", **{"from": 1, "to": 12}) in plain(card["text"])
    assert plain(catalogue("ky", purchase.CARD_PHONE, country=catalogue("ky", "Kyrgyzstan"), prefix="+996")) \
        in plain(card["text"])
    await fill_sakbol(user)
    flat = await sign_pay_and_read(user, control, "+996 555 123 456", "SB")
    assert "Өмүрбекова Айгүл" in flat and "2 295" in flat
    assert user.actions <= 18, user.actions  # issue 13: 28 before, goal ≤ 18; measured: 16


async def test_sakbol_from_a_signed_partner_link_in_at_most_12_actions(start_bot, control):
    await start_bot(partner_link_keys={"obank": OBANK_KEY})
    user = await buyer(control, "ru")
    payload = make_link_payload("sakbol", 100000, 12, "obank", "KD2026001", key=OBANK_KEY)
    card = await consent(user, f"/start {payload}")
    # The card prices each cover option from the loan the link carries (offer 3.1.2, 9.5).
    total = translator("ru").money(2295, "KGS")
    assert total in card["text"]
    assert all(total in label for label in buttons(card) if label.startswith(("Смерть",)))
    summary, _share = await fill_sakbol(user, loan=False)
    assert "KD2026001" in summary["text"]  # the loan agreement number from the bank's link
    flat = await sign_pay_and_read(user, control, "+996 555 123 456", "SB")
    assert "KD2026001" in flat and "О!Банк" in flat
    assert user.actions <= 12, user.actions  # issue 13: 24 before, goal ≤ 12; measured: 12


async def test_sakbol_from_a_link_for_a_returning_customer_in_at_most_8_actions(start_bot, control):
    await start_bot(partner_link_keys={"obank": OBANK_KEY})
    user = await buyer(control, "kk")
    await consent(user)
    await open_card(user, "sakbol")
    await fill_sakbol(user)
    await sign_pay_and_read(user, control, "+996 555 123 456", "SB")

    user.actions = 0
    payload = make_link_payload("sakbol", 250000, 18, "obank", key=OBANK_KEY)
    await user.send(f"/start {payload}")
    await user.reply()
    await step(user, press="buy:o:death")
    summary = await step(user, press="buy:dn")  # nothing else is asked: the bot knows it all
    t = translator("kk")
    # Offer 3.1.2: 18 months is above 12, so 4.5% of 250 000; 9.5: +2%.
    assert catalogue("kk", purchase.SUMMARY_TOTAL, total=t.money(11475, "KGS")) in plain(summary["text"])
    await user.press("buy:sign")
    await user.replies(2)
    code, _ = await latest_code(control)
    _signed, _pay, invoice = await enter_code(user, code)
    flat = await pay_and_certificate(user, control, invoice, "SB")
    assert "250 000" in flat
    assert user.actions <= 8, user.actions  # issue 13: 14 before, goal ≤ 8; measured: 6


async def test_nomad_life_new_customer_from_start_to_certificate_in_at_most_20_actions(qamqor, control):
    user = await buyer(control, "kk", first_name="Әсел", last_name="Нұрланова")
    await consent(user)
    card = await open_card(user, "nomad_life")
    assert catalogue("kk", purchase.SAMPLE_TARIFF, clause="6.2") in plain(card["text"])
    await step(user, press="buy:go")
    await step(user, "1500000")
    await step(user, press="buy:v:term_months:24")
    await step(user, press="buy:dn")
    await step(user, KZ_IIN)
    await step(user, press="buy:v:full_name:suggested")
    await step(user, KZ_DOCUMENT)
    await step(user, "Алматы, Абай даңғылы 10, 25 пәтер")
    start = await step(user, "«Халық Банк» АҚ")
    await step(user, press=cover_start_buttons(start), replies=2)
    flat = await sign_pay_and_read(user, control, "+7 701 234 56 78", "NL")
    assert "Нұрланова Әсел" in flat and "1 500 000" in flat
    assert user.actions <= 20, user.actions  # issue 13: 32 before, goal ≤ 20; measured: 17


@pytest.mark.parametrize("language", ["ru", "ky"])
async def test_a_forged_partner_link_is_refused_in_the_users_language_and_the_buyer_keeps_going(
        start_bot, control, language):
    await start_bot(partner_link_keys={"obank": OBANK_KEY})
    user = await buyer(control, language)
    genuine = make_link_payload("sakbol", 100000, 12, "obank", key=OBANK_KEY)
    forged = genuine.replace("-100000-", "-1000-")  # a cheaper price basis, same signature
    await user.send(f"/start {forged}")
    await user.reply()
    await user.press("consent:accept")
    _receipt, notice, card = await user.replies(3)
    assert notice["message"]["text"] == catalogue(language, purchase.LINK_NOT_VERIFIED)
    # The product card, without the link's loan: the buyer gives it and goes on.
    assert "buy:o:death" in buttons(card["message"]).values()
    assert catalogue(language, purchase.CARD_PRICE_LATER) in plain(card["message"]["text"])
    prompt = await step(user, press="buy:o:death")
    assert catalogue(language, purchase.PROMPTS["loan_amount"], currency="KGS") in plain(prompt["text"])


async def test_a_sakbol_policy_paid_today_covers_today(qamqor, control):
    # SAKBOL offer 2.9, 2.10, 6.2: cover runs from the moment the premium is paid.
    user = await buyer(control, "ru")
    await consent(user)
    await open_card(user, "sakbol")
    await fill_sakbol(user, option="death")
    _document, _prompt, code = await share_and_sign(user, control, "+996 555 123 456")
    _signed, _pay, invoice = await enter_code(user, code)
    described = translator("ru").ngettext(*purchase.INVOICE_FROM_PAYMENT, 12, months=12, number=1)
    assert invoice["invoice"]["description"] == described
    await pay_and_certificate(user, control, invoice, "SB")
    async with session_factory(qamqor.engine)() as session:
        policy = (await session.execute(select(Policy))).scalar_one()
    issued = policy.issued_at if policy.issued_at.tzinfo else policy.issued_at.replace(tzinfo=timezone.utc)
    assert policy.cover_start == local_today(get_product("sakbol"), issued)


async def test_a_nomad_life_link_prices_the_loan_from_to_by_age_before_anything_is_asked(qamqor, control):
    # Rules 6.2: a sample table by age and term; before the age is known the card shows its range.
    user = await buyer(control, "ru")
    card = await consent(user, "/start buy-nomad_life-1000000-12")
    t = translator("ru")
    low, high = t.money(9000, "KZT"), t.money(28000, "KZT")  # 0.9% to 2.8% of 1 000 000 for 12 months
    assert catalogue("ru", purchase.CARD_PRICE_RANGE, low=low, high=high) in plain(card["text"])
    assert catalogue("ru", purchase.SAMPLE_TARIFF, clause="6.2") in plain(card["text"])
    assert "buy:go" in buttons(card).values()
