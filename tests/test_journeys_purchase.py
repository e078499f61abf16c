"""End to end through the emulator: buying cover, from product to certificate.

SAKBOL offer 3.1.2, 9.5 (premium and tax), 2.7 and 4.5 (declarations), 2.9,
2.10, 6.2 (cover from payment), the form's signature line; Nomad Life rules
2(4), 4.2, 4.3-4.6 (eligibility and statements), 5.1 (start date), 6.2
(sample tariff), 2(5), 7.3 (beneficiary).
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text, update

from bot.i18n import translator
from bot.keyboards import BACK, PERSON
from handlers import purchase
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.consent import consent_text
from storage.db import session_factory
from storage.models import Policy, PolicyApplication, SigningCode, utcnow
from tests.chat import buttons, catalogue, plain, staff_member
from tests.purchase_flow import (
    KZ_DOCUMENT,
    KZ_IIN,
    buyer,
    consent,
    cover_start_buttons,
    enter_code,
    fill_sakbol,
    latest_code,
    make_iin,
    sakbol_declaration,
    open_card,
    share_and_sign,
    step,
)

PHONE_KG = "+996 555 123 456"
PHONE_KZ = "+7 701 234 56 78"


def pdf_text(pdf: bytes) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


async def buy_sakbol_until_summary(user, control) -> dict:
    await consent(user)
    card = await open_card(user, "sakbol")
    assert "www.sakbol.kg/documentation" in card["text"]
    summary, _share = await fill_sakbol(user)
    return summary


async def sign(user, control) -> tuple[dict, dict, dict]:
    await share_and_sign(user, control, PHONE_KG)
    code, _ = await latest_code(control)
    return await enter_code(user, code)


async def policy_count(qamqor) -> int:
    async with session_factory(qamqor.engine)() as session:
        return (await session.execute(select(func.count(Policy.id)))).scalar_one()


@pytest.mark.parametrize("language", ["ky", "ru", "kk"])
async def test_buy_sakbol_end_to_end_with_payment(qamqor, person, control, language):
    user = await buyer(control, language)
    summary = await buy_sakbol_until_summary(user, control)
    t = translator(language)
    # SAKBOL offer 3.1.2: 2.25 % of a 12-month loan of 100 000; 9.5: 2 % sales tax on top.
    assert catalogue(language, purchase.SUMMARY_PREMIUM, premium=t.money(2250, "KGS")) in plain(summary["text"])
    assert catalogue(language, purchase.SUMMARY_TAX, tax=t.money(45, "KGS")) in plain(summary["text"])
    assert catalogue(language, purchase.SUMMARY_TOTAL, total=t.money(2295, "KGS")) in plain(summary["text"])
    assert "Өмүрбекова Айгүл" in summary["text"] and "ID1234567" in summary["text"]
    # Offer 2.10, 6.2: no start date is asked; the summary says cover runs from the payment.
    assert t.ngettext(*purchase.SUMMARY_FROM_PAYMENT, 12, months=12, clause="2.9, 2.10, 6.2") in summary["text"]

    document, prompt, code = await share_and_sign(user, control, PHONE_KG)
    assert document["document"]["file_name"].startswith("application-")
    signed, pay_screen, invoice = await enter_code(user, code)
    # The chat speaks to a person: no hash and no code in the receipt or the signing prompt.
    for said in (prompt["text"], signed["text"]):
        assert not re.search(r"[0-9a-f]{8}", said) and code not in said
    assert signed["text"].startswith(catalogue(language, purchase.SIGNED, number=1, when="X").split("X")[0])
    assert invoice["invoice"]["currency"] == "KGS" and invoice["invoice"]["total_amount"] == 229500
    assert len(invoice["invoice"]["title"]) <= 32
    assert [p["amount"] for p in invoice["invoice"]["prices"]] == [225000, 4500]

    paid = await user.pay(invoice["message_id"])
    assert paid["ok"] is True
    issued, certificate = await user.replies(2)
    number = re.search(r"SB-\d{4}-\d{6}", issued["message"]["text"]).group(0)
    flat = pdf_text(await control.download(certificate["message"]["document"]["file_id"]))
    assert "Өмүрбекова Айгүл" in flat and number in flat
    assert "100 000" in flat and "2 250" in flat and "2 295" in flat
    # A SAKBOL policy paid today covers today (offer 2.9, 2.10, 6.2).
    today = local_today(get_product("sakbol"), utcnow())
    assert today.strftime("%d.%m.%Y") in flat
    async with session_factory(qamqor.engine)() as session:
        policy = (await session.execute(select(Policy))).scalar_one()
    assert policy.cover_start == today
    # The signed application carries every statement (offer 2.7), answered "No".
    application = pdf_text(await control.download(document["document"]["file_id"]))
    for declaration in get_product("sakbol").eligibility.declarations:
        assert f"({declaration.clause})" in application


async def test_a_duplicated_successful_payment_issues_one_policy(qamqor, control):
    user = await buyer(control, "ru")
    await buy_sakbol_until_summary(user, control)
    _signed, _pay, invoice = await sign(user, control)
    paid = await control.pay(user.id, invoice["message_id"])
    await user.replies(2)
    await control.redeliver(paid["update_id"])
    await user.send("/policies")  # sentinel: handled after the redelivered update
    [screen] = await user.replies(1)
    assert screen["message"]["text"].count("SB-") == 1
    assert await user.quiet_for(0.3) == []
    assert await policy_count(qamqor) == 1


async def test_wrong_then_expired_code_then_a_new_code_signs(qamqor, control):
    user = await buyer(control, "kk")
    await buy_sakbol_until_summary(user, control)
    _document, _prompt, code = await share_and_sign(user, control, PHONE_KG)
    _code, seq = await latest_code(control)
    wrong = "000000" if code != "000000" else "111111"

    await user.send("12 34")
    assert (await user.reply())["text"] == catalogue("kk", purchase.CODE_FORMAT)
    await user.send(wrong)
    assert (await user.reply())["text"] == catalogue("kk", purchase.CODE_WRONG, left=2)

    async with session_factory(qamqor.engine)() as session:
        await session.execute(update(SigningCode).values(expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()
    await user.send(code)
    assert (await user.reply())["text"] == catalogue("kk", purchase.CODE_EXPIRED)

    async with session_factory(qamqor.engine)() as session:  # the resend pause has passed
        await session.execute(update(SigningCode).values(created_at=utcnow() - timedelta(minutes=2)))
        await session.commit()
    await user.press("buy:resend")
    assert (await user.callback_answer())["text"] == catalogue("kk", purchase.CODE_SENT)
    new_code, _ = await latest_code(control, after=seq)
    await user.press("buy:resend")
    wait = (await user.callback_answer())["text"]  # too soon: wait about a minute
    assert wait in {catalogue("kk", purchase.CODE_WAIT, seconds=s) for s in range(55, 62)}
    signed, _pay, _invoice = await enter_code(user, new_code)
    assert signed["text"].startswith(catalogue("kk", purchase.SIGNED, number=1, when="X").split("X")[0])
    async with session_factory(qamqor.engine)() as session:
        signature = (await session.execute(select(PolicyApplication.signature))).scalar_one()  # decrypted
    assert f"| {new_code} |" in signature  # the code stays in the form's signature line, not in the chat


async def test_three_wrong_codes_burn_the_code(qamqor, control):
    user = await buyer(control, "ru")
    await buy_sakbol_until_summary(user, control)
    _document, _prompt, code = await share_and_sign(user, control, PHONE_KG)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        await user.send(wrong)
        last = await user.reply()
    assert last["text"] == catalogue("ru", purchase.CODE_BURNED)
    await user.send(code)
    assert (await user.reply())["text"] == catalogue("ru", purchase.CODE_BURNED)


async def test_a_strangers_contact_and_a_typed_phone_are_refused_at_signing(qamqor, control):
    user = await buyer(control, "ky")
    stranger = await control.create_user(first_name="Stranger", language_code="ky")
    await buy_sakbol_until_summary(user, control)
    await user.share_contact("+996 555 000 111", contact_user_id=stranger["id"])
    assert (await user.reply())["text"] == catalogue("ky", purchase.STRANGER_CONTACT)
    await user.send("+996555000111")
    assert (await user.reply())["text"] == catalogue("ky", purchase.PHONE_BUTTON_ONLY)
    share_prompt = [m for m in await user.messages() if (m.get("reply_markup") or {}).get("keyboard")][-1]
    rows = share_prompt["reply_markup"]["keyboard"]
    assert rows[0][0]["request_contact"] is True
    assert [b["text"] for b in rows[1]] == [catalogue("ky", BACK), catalogue("ky", PERSON)]
    await user.send(catalogue("ky", PERSON))
    support = await user.reply()
    assert support["text"].startswith(catalogue("ky", "<b>👤 Talk to a person</b>"))
    await user.press("support:back")  # back to the summary, nothing lost
    summary, again = await user.replies(2)
    assert "Өмүрбекова Айгүл" in summary["message"]["text"]
    assert again["message"]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await user.send(catalogue("ky", BACK))  # the reply keyboard's Back: to the card, answers kept
    card = await user.reply()
    assert catalogue("ky", purchase.CARD_PRICE) in card["text"]
    summary, _again = await step(user, press="buy:o:death_disability_injury", replies=2)
    assert "Өмүрбекова Айгүл" in summary["text"]
    await user.share_contact(PHONE_KG)
    document, _prompt = await user.replies(2)
    assert document["message"]["document"]["file_name"].startswith("application-")


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_bad_input_on_each_field_is_explained_in_the_users_language_and_the_place_kept(qamqor, control,
                                                                                             language):
    user = await buyer(control, language, first_name="Aigerim", last_name=None)
    await consent(user)
    await open_card(user, "nomad_life")
    await step(user, press="buy:go")
    wrong_checksum = KZ_IIN[:-1] + str((int(KZ_IIN[-1]) + 1) % 10)
    cases = [
        ("сто тысяч", "amount_format", "1000000", {}),
        (None, None, "buy:v:term_months:12", {}),
        (None, None, "buy:dn", {}),
        (wrong_checksum, "personal_number_checksum", KZ_IIN, {}),
        ("Aigul", "name_words", "Нұрланова Әсел", {}),
        ("N12345678 МВД РК", "document_no_date", None, {"example": KZ_DOCUMENT}),
        ("N12345678 01.02.2020", "document_no_issuer", None, {"example": KZ_DOCUMENT}),
    ]
    for bad, reason, good, values in cases:
        if bad is not None:
            prompt_before = (await user.last_bot_message())["text"]
            await user.send(bad)
            said, prompt = await user.replies(2)
            assert said["message"]["text"] == catalogue(language, purchase.FIELD_ERRORS[reason], **values)
            assert prompt["message"]["text"] == prompt_before  # the same question again: the place is kept
        if good is None:
            continue
        if good.startswith("buy:"):
            await step(user, press=good)
        else:
            await step(user, good)
    await user.send(KZ_DOCUMENT)
    address = await user.reply()
    assert catalogue(language, purchase.PROMPTS["address"]) in plain(address["text"])


async def test_a_kyrgyz_pin_of_the_wrong_length_is_named(qamqor, control):
    user = await buyer(control, "ky")
    await sakbol_declaration(user)
    await step(user, press="buy:dn")
    await user.send("2150419901234")
    said, _again = await user.replies(2)
    assert said["message"]["text"] == catalogue("ky", purchase.FIELD_ERRORS["personal_number_length"],
                                                digits=14, given=13)


async def test_something_applies_records_every_item_and_refuses_with_the_clause(qamqor, control):
    user = await buyer(control, "ky")
    declaration = await sakbol_declaration(user)
    product = get_product("sakbol")
    for item in product.eligibility.declarations:  # the whole list on one screen
        assert item.question.ky in declaration["text"]
    await step(user, press="buy:ds")
    marked = await step(user, press="buy:dm:1")
    assert "☑️ 2" in buttons(marked)
    refusal = await step(user, press="buy:dd")
    declared = product.eligibility.declarations[1]
    assert declared.clause in refusal["text"]
    assert set(buttons(refusal).values()) == {"support", "menu"}
    async with session_factory(qamqor.engine)() as session:
        row = (await session.execute(text("SELECT status, refusal FROM applications"))).one()
        answers = (await session.execute(select(PolicyApplication.answers))).scalar_one()  # decrypted
    assert row[0] == "refused"
    assert json.loads(row[1]) == {"rule": "declaration", "clause": declared.clause, "subject": declared.code}
    assert answers["declarations"] == {d.code: d.code == declared.code
                                                  for d in product.eligibility.declarations}


async def test_nomad_life_refuses_a_buyer_who_reaches_70_during_cover(qamqor, control):
    user = await buyer(control, "kk")
    await consent(user)
    await open_card(user, "nomad_life")
    await step(user, press="buy:go")
    await step(user, "1000000")
    await step(user, press="buy:v:term_months:24")
    await step(user, press="buy:dn")
    today = date.today()
    born = today.replace(year=today.year - 69) - timedelta(days=30)  # reaches 70 within 24 months
    refusal = await step(user, make_iin(born))
    assert catalogue("kk", purchase.REFUSED_AGE, age=70, clause="X").split("X")[0][:30] in plain(refusal["text"])


async def test_nomad_life_hands_over_when_the_insured_is_someone_else(qamqor, control):
    user = await buyer(control, "ru")
    await consent(user)
    await open_card(user, "nomad_life")
    await step(user, press="buy:go")
    await step(user, "1000000")
    declaration = await step(user, press="buy:v:term_months:12")
    assert catalogue("ru", purchase.SOMEONE_ELSE) in plain(declaration["text"])
    await step(user, press="buy:ds")
    await step(user, press="buy:dm:0")  # "this insurance is for someone else" (rules 4.2)
    refusal = await step(user, press="buy:dd")
    assert plain(refusal["text"]).endswith(catalogue("ru", purchase.REFUSED_FOOTER))
    assert "4.2" in refusal["text"] and "support" in buttons(refusal).values()


async def test_edit_from_the_summary_changes_the_premium(qamqor, control):
    user = await buyer(control, "ru")
    await buy_sakbol_until_summary(user, control)
    await step(user, press="buy:edit")
    await step(user, press="buy:e:term_months")
    summary, _share = await step(user, press="buy:v:term_months:24", replies=2)
    t = translator("ru")
    # SAKBOL offer 3.1.2: from the 13th month 4.5 %.
    assert catalogue("ru", purchase.SUMMARY_PREMIUM, premium=t.money(4500, "KGS")) in plain(summary["text"])
    await step(user, press="buy:edit")
    await step(user, press="buy:e:full_name")
    summary, _share = await step(user, "Айгүл Асанова", replies=2)
    assert "Айгүл Асанова" in summary["text"]


async def test_a_restart_in_the_middle_of_the_application_resumes_it(start_bot, control):
    first = await start_bot()
    user = await buyer(control, "ky")
    await consent(user)
    await open_card(user, "sakbol")
    await step(user, press="buy:o:death")
    await step(user, "100000")
    await first.stop()

    await start_bot()
    declaration = await step(user, press="buy:v:term_months:12")
    assert catalogue("ky", purchase.NONE_APPLIES) in buttons(declaration)
    await user.send("/menu")
    await user.reply()
    await user.press("buy")
    resume = await user.reply()
    assert "buy:resume" in buttons(resume).values()
    again = await step(user, press="buy:resume")
    assert catalogue("ky", purchase.NONE_APPLIES) in buttons(again)


async def test_staff_confirms_payment_when_no_payment_provider_is_set(start_bot, control, settings):
    await start_bot(payment_provider_token=None)
    user = await buyer(control, "kk")
    await buy_sakbol_until_summary(user, control)
    _document, _prompt, code = await share_and_sign(user, control, PHONE_KG)
    await user.send(code)
    signed, awaiting = await user.replies(2)
    assert catalogue("kk", purchase.PAY_AWAITING, number=1, total="X").split("X")[0][:20] in awaiting["message"]["text"]
    staff = await control.events(settings.staff_chat_id, wait=10, min_count=1)
    assert "/paid 1" in staff["events"][-1]["message"]["text"]
    operator = await staff_member(control, settings.staff_chat_id)
    await control.send_text(operator["id"], "/paid 1", chat_id=settings.staff_chat_id)
    issued, certificate = await user.replies(2)
    assert "SB-" in issued["message"]["text"] and certificate["message"]["document"]["file_name"].startswith("SB-")
    await control.send_text(operator["id"], "/paid 1", chat_id=settings.staff_chat_id)
    await user.send("/policies")
    [screen] = await user.replies(1)
    assert screen["message"]["text"].count("SB-") == 1


async def test_an_expired_quote_is_refused_at_checkout(qamqor, control):
    user = await buyer(control, "ru")
    await buy_sakbol_until_summary(user, control)
    _signed, _pay, invoice = await sign(user, control)
    async with session_factory(qamqor.engine)() as session:
        await session.execute(text(
            "UPDATE applications SET quote = json_set(quote, '$.expires_at', '2020-01-01T00:00:00+00:00')"))
        await session.commit()
    paid = await control.pay(user.id, invoice["message_id"])
    assert paid["ok"] is False
    assert paid["error_message"] == catalogue("ru", purchase.CHECKOUT_EXPIRED)
    assert await policy_count(qamqor) == 0


async def test_my_policies_resends_only_my_own_certificate(qamqor, person, control):
    user = await buyer(control, "ru")
    await buy_sakbol_until_summary(user, control)
    _signed, _pay, invoice = await sign(user, control)
    await control.pay(user.id, invoice["message_id"])
    await user.replies(2)
    await user.send("/policies")
    listing = await user.reply()
    [data] = [d for d in buttons(listing).values() if d.startswith("policies:")]
    await user.press(data)
    document = await user.reply()
    assert document["document"]["file_name"].startswith("SB-")

    await user.send("/mydata")
    my_data = await user.reply()
    for kind in get_product("sakbol").application_consents:  # each product consent is listed by its title
        assert consent_text(kind, "ru").title in my_data["text"]
    await user.press("data:export")
    exported = json.loads(await control.download((await user.reply())["document"]["file_id"]))
    assert [p["number"] for p in exported["policies"]] == [document["document"]["file_name"][:-4]]
    assert exported["applications"][0]["signature"].endswith("UTC")
    assert {c["kind"] for c in exported["consents"]} >= set(get_product("sakbol").application_consents)

    other = await person(language_code="ru", first_name="Other")
    await consent(other)
    await other.press(data, forge=True)
    assert (await other.callback_answer())["text"] == catalogue("ru", "This policy is not available.")
    assert await other.quiet_for(0.3) == []


async def buy_nomad_life(user, control, language: str) -> tuple[dict, dict]:
    """Menu → Nomad Life → certificate; returns the summary and the certificate message."""
    await consent(user)
    card = await open_card(user, "nomad_life")
    # Rules 6.2: the card prints the tariff and says it is a sample.
    assert catalogue(language, purchase.SAMPLE_TARIFF, clause="6.2") in plain(card["text"])
    await step(user, press="buy:go")
    await step(user, "1 500 000")
    await step(user, press="buy:v:term_months:24")
    await step(user, press="buy:dn")
    confirm = await step(user, KZ_IIN)
    # The date of birth read from the IIN, confirmed with the name in one tap.
    assert translator(language).date(date(1988, 3, 21)) in confirm["text"]
    await step(user, press="buy:v:full_name:suggested")
    await step(user, KZ_DOCUMENT)
    await step(user, "Алматы, Абай даңғылы 10, 25 пәтер")
    start = await step(user, "«Халық Банк» АҚ")  # the beneficiary the contract names (rules 2(5), 7.3)
    summary, _share = await step(user, press=cover_start_buttons(start), replies=2)
    return summary, {}


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_buy_nomad_life_end_to_end_with_payment(qamqor, control, language):
    user = await buyer(control, language, first_name="Әсел", last_name="Нұрланова")
    summary, _ = await buy_nomad_life(user, control, language)
    product = get_product("nomad_life")
    born, start = date(1988, 3, 21), local_today(product, utcnow()) + timedelta(days=1)
    age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
    expected = purchase.quote(product, 1500000, 24, age=age)
    t = translator(language)
    assert catalogue(language, purchase.SUMMARY_TOTAL, total=t.money(expected.total, "KZT")) in plain(summary["text"])
    assert catalogue(language, purchase.SAMPLE_TARIFF, clause="6.2") in plain(summary["text"])
    assert "«Халық Банк» АҚ" in summary["text"]
    # Rules add no tax: no zero tax line on the summary or the invoice.
    assert catalogue(language, purchase.SUMMARY_TAX, tax=t.money(0, "KZT")) not in plain(summary["text"])

    _document, _prompt, code = await share_and_sign(user, control, PHONE_KZ)
    _signed, _pay, invoice = await enter_code(user, code)
    assert invoice["invoice"]["currency"] == "KZT"
    assert invoice["invoice"]["total_amount"] == int(expected.total * 100)
    assert len(invoice["invoice"]["prices"]) == 1 and len(invoice["invoice"]["title"]) <= 32
    assert (await user.pay(invoice["message_id"]))["ok"] is True
    issued, certificate = await user.replies(2)
    assert catalogue(language, purchase.SAMPLE_TARIFF, clause="6.2") in plain(issued["message"]["text"])
    number = re.search(r"NL-\d{4}-\d{6}", issued["message"]["text"]).group(0)
    flat = pdf_text(await control.download(certificate["message"]["document"]["file_id"]))
    assert "Нұрланова Әсел" in flat and number in flat and "1 500 000" in flat
    assert "Халық Банк" in flat and "darigeronline.kz" in flat
