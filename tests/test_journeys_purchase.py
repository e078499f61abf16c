"""End to end through the emulator: buying cover, from product to certificate.

SAKBOL offer 3.1.2, 9.5 (premium and tax), 4.5 (declarations), the form's
signature line; Nomad Life rules 2(4), 4.2, 4.6 (eligibility).
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
from insurance.catalogue import get_product
from insurance.consent import consent_text
from storage.db import session_factory
from storage.models import Policy, SigningCode, utcnow
from tests.chat import buttons, catalogue, staff_member

KG_PIN = "21504199012345"        # male, born 15.04.1990
KZ_IIN = "880321401238"          # female, born 21.03.1988


async def consent_and_menu(user) -> None:
    await user.send("/start")
    await user.reply()
    await user.press("consent:accept")
    await user.reply()


async def answer_all_no(user, count: int) -> None:
    for index in range(count):
        await user.press(f"buy:a:{index}:no")
        await user.reply()


async def fill(user, text_value: str | None = None, *, press: str | None = None) -> dict:
    if press:
        await user.press(press)
    else:
        await user.send(text_value)
    return await user.reply()


async def open_questions(user, product_code: str) -> dict:
    """Menu → product → card → the first eligibility question."""
    await user.press("buy")
    await user.reply()
    await user.press(f"buy:p:{product_code}")
    card = await user.reply()
    await user.press("buy:go")
    await user.reply()
    return card


def question_count(product_code: str) -> int:
    """Nomad Life asks first whether the insurance is for someone else (rules 4.2)."""
    product = get_product(product_code)
    return len(product.eligibility.declarations) + product.eligibility.online_sale_requires_insured_is_policyholder


async def open_application(user, product_code: str) -> dict:
    """…and every question answered "No": the first application field is asked."""
    card = await open_questions(user, product_code)
    await answer_all_no(user, question_count(product_code))
    return card


async def buy_sakbol_until_summary(user) -> dict:
    card = await open_application(user, "sakbol")
    assert "www.sakbol.kg/documentation" in card["text"]
    return await fill_sakbol_fields(user)


async def fill_sakbol_fields(user) -> dict:
    await fill(user, "100000")
    await fill(user, press="buy:v:term_months:12")
    await fill(user, "Айгүл Өмүрбекова")
    await fill(user, "15.04.1990")
    await fill(user, KG_PIN)
    await fill(user, "ID 1234567")
    await fill(user, "10.05.2018")
    await fill(user, press="buy:v:document_issuer:0")
    await fill(user, "Бишкек, Чүй проспектиси 114, 5-батир")
    phone_prompt = await fill(user, "Мбанк, кассир")
    keyboard = phone_prompt["reply_markup"]["keyboard"][0][0]
    assert keyboard["request_contact"] is True
    await user.share_contact("+996 555 123 456")
    saved, option_prompt = await user.replies(2)
    await fill(user, press="buy:v:cover_option:death_disability_injury")
    await fill(user, press="buy:v:sum_insured:loan")
    tomorrow = [d for d in buttons(await user.last_bot_message()).values() if d.startswith("buy:v:cover_start:")][0]
    return await fill(user, press=tomorrow)


async def latest_code(control, after: int = 0) -> tuple[str, int]:
    page = await control.sms(after=after, wait=10)
    message = page["messages"][-1]
    return re.search(r"\b(\d{6})\b", message["text"]).group(1), page["last_seq"]


async def request_code(user, control) -> tuple[str, int]:
    """From the summary: accept the consents, receive the application and the SMS code."""
    await user.press("buy:ok")
    await user.reply()
    await user.press("buy:accept")
    document, _sign_screen = await user.replies(2)
    assert document["message"]["document"]["file_name"].startswith("application-")
    return await latest_code(control)


async def sign(user, control) -> None:
    code, _ = await request_code(user, control)
    await user.send(code)


@pytest.mark.parametrize("language", ["ky", "ru", "kk"])
async def test_buy_sakbol_end_to_end_with_payment(qamqor, person, control, language):
    user = await person(language_code=language, first_name="Айгүл")
    await consent_and_menu(user)
    summary = await buy_sakbol_until_summary(user)
    t = translator(language)
    # SAKBOL offer 3.1.2: 2.25 % of a 12-month loan of 100 000; 9.5: 2 % sales tax on top.
    assert catalogue(language, purchase.SUMMARY_PREMIUM, premium=t.money(2250, "KGS")) in summary["text"]
    assert catalogue(language, purchase.SUMMARY_TAX, tax=t.money(45, "KGS")) in summary["text"]
    assert catalogue(language, purchase.SUMMARY_TOTAL, total=t.money(2295, "KGS")) in summary["text"]
    assert "Айгүл Өмүрбекова" in summary["text"]

    await sign(user, control)
    signed, pay_screen, invoice = await user.replies(3)
    assert signed["message"]["text"].startswith(catalogue(language, purchase.SIGNED, signature="X").split("X")[0])
    signature = signed["message"]["text"].split(": ", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{64} \| \d{6} \| Айгүл Өмүрбекова \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", signature)
    assert invoice["message"]["invoice"]["currency"] == "KGS"
    assert invoice["message"]["invoice"]["total_amount"] == 229500

    paid = await control.pay(user.id, invoice["message"]["message_id"])
    assert paid["ok"] is True
    issued, certificate = await user.replies(2)
    assert re.search(r"SB-\d{4}-\d{6}", issued["message"]["text"])
    number = re.search(r"SB-\d{4}-\d{6}", issued["message"]["text"]).group(0)
    pdf = await control.download(certificate["message"]["document"]["file_id"])
    pages = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(pages.split())
    assert "Айгүл Өмүрбекова" in flat and number in flat
    assert "100 000" in flat and "2 250" in flat and "2 295" in flat
    start = utcnow().date() + timedelta(days=1)
    assert start.strftime("%d.%m.%Y") in flat or str(start.year) in flat


async def policy_count(qamqor) -> int:
    async with session_factory(qamqor.engine)() as session:
        return (await session.execute(select(func.count(Policy.id)))).scalar_one()


async def test_a_duplicated_successful_payment_issues_one_policy(qamqor, person, control):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    await sign(user, control)
    _signed, _pay, invoice = await user.replies(3)
    paid = await control.pay(user.id, invoice["message"]["message_id"])
    await user.replies(2)
    await control.redeliver(paid["update_id"])
    await user.send("/policies")  # sentinel: handled after the redelivered update
    [screen] = await user.replies(1)
    assert screen["message"]["text"].count("SB-") == 1
    assert await user.quiet_for(0.3) == []
    assert await policy_count(qamqor) == 1


async def test_wrong_then_expired_code_then_a_new_code_signs(qamqor, person, control):
    user = await person(language_code="kk")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    code, seq = await request_code(user, control)
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
    await user.send(new_code)
    signed, _pay, _invoice = await user.replies(3)
    assert new_code in signed["message"]["text"]


async def test_three_wrong_codes_burn_the_code(qamqor, person, control):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    code, _ = await request_code(user, control)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        await user.send(wrong)
        last = await user.reply()
    assert last["text"] == catalogue("ru", purchase.CODE_BURNED)
    await user.send(code)
    assert (await user.reply())["text"] == catalogue("ru", purchase.CODE_BURNED)


async def test_a_strangers_contact_and_a_typed_phone_are_refused(qamqor, person, control):
    user = await person(language_code="ky")
    stranger = await control.create_user(first_name="Stranger", language_code="ky")
    await consent_and_menu(user)
    await open_application(user, "sakbol")
    for value in ("100000",):
        await fill(user, value)
    await fill(user, press="buy:v:term_months:12")
    for value in ("Айгүл Өмүрбекова", "15.04.1990", KG_PIN, "ID1234567", "10.05.2018"):
        await fill(user, value)
    await fill(user, press="buy:v:document_issuer:0")
    await fill(user, "Бишкек, Чүй 114")
    await fill(user, "Мбанк")
    await user.share_contact("+996 555 000 111", contact_user_id=stranger["id"])
    refused, again = await user.replies(2)
    assert refused["message"]["text"] == catalogue("ky", purchase.STRANGER_CONTACT)
    assert again["message"]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await user.send("+996555000111")
    typed, _again = await user.replies(2)
    assert typed["message"]["text"] == catalogue("ky", purchase.PHONE_BUTTON_ONLY)
    keyboard = (await user.last_bot_message())["reply_markup"]["keyboard"]
    assert [b["text"] for b in keyboard[1]] == [catalogue("ky", BACK), catalogue("ky", PERSON)]
    await user.send(catalogue("ky", PERSON))
    support = await user.reply()
    assert support["text"].startswith(catalogue("ky", "<b>👤 Talk to a person</b>"))
    await user.press("support:back")  # back to the phone step, nothing lost
    again = await user.reply()
    assert again["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    await user.share_contact("+996 555 123 456")
    saved, _next = await user.replies(2)
    assert saved["message"]["text"] == catalogue("ky", purchase.SAVED)


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_bad_field_input_is_explained_and_the_answers_kept(qamqor, person, language):
    user = await person(language_code=language)
    await consent_and_menu(user)
    await open_application(user, "sakbol")
    cases = [
        ("сто тысяч", "amount_format", "100000"),
        (None, None, "buy:v:term_months:12"),
        ("Aigul", "name_words", "Айгүл Өмүрбекова"),
        ("31.02.1990", "date_invalid", "15.04.1990"),
        ("21503199012345", "personal_number_birth", KG_PIN),
    ]
    for bad, reason, good in cases:
        if bad is not None:
            await user.send(bad)
            said, prompt = await user.replies(2)
            assert said["message"]["text"] == catalogue(language, purchase.FIELD_ERRORS[reason], **(
                {"date": translator(language).date(date(1990, 4, 15))} if reason == "personal_number_birth" else {}))
        if good.startswith("buy:"):
            await fill(user, press=good)
        else:
            await fill(user, good)
    await user.send("🙂")
    said, prompt = await user.replies(2)
    assert said["message"]["text"] == catalogue(language, purchase.FIELD_ERRORS["document_number"])


async def test_a_yes_to_a_declaration_refuses_with_the_clause_and_offers_a_person(qamqor, person):
    user = await person(language_code="ky")
    await consent_and_menu(user)
    await open_questions(user, "sakbol")
    await user.press("buy:a:0:yes")
    refusal = await user.reply()
    declaration = get_product("sakbol").eligibility.declarations[0]
    assert declaration.clause in refusal["text"]
    assert set(buttons(refusal).values()) == {"support", "menu"}
    async with session_factory(qamqor.engine)() as session:
        row = (await session.execute(text("SELECT status, refusal FROM applications"))).one()
    assert row[0] == "refused"
    assert json.loads(row[1]) == {"rule": "declaration", "clause": declaration.clause, "subject": declaration.code}


async def test_nomad_life_refuses_a_buyer_who_reaches_70_during_cover(qamqor, person):
    user = await person(language_code="kk")
    await consent_and_menu(user)
    await open_application(user, "nomad_life")
    await fill(user, "1000000")
    await fill(user, press="buy:v:term_months:24")
    await fill(user, "Әсел Нұрланова")
    born = date.today().replace(year=date.today().year - 69)  # reaches 70 within 24 months
    refusal = await fill(user, born.strftime("%d.%m.%Y"))
    assert catalogue("kk", purchase.REFUSED_AGE, age=70, clause="X").split("X")[0][:30] in refusal["text"]


async def test_nomad_life_hands_over_when_the_insured_is_someone_else(qamqor, person):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await open_questions(user, "nomad_life")
    await user.press("buy:a:0:yes")  # "is this insurance for someone else?" -> Yes (rules 4.2)
    refusal = await user.reply()
    assert refusal["text"].endswith(catalogue("ru", purchase.REFUSED_FOOTER))
    assert "4.2" in refusal["text"] and "support" in buttons(refusal).values()


async def test_edit_from_the_summary_changes_the_premium(qamqor, person):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    await user.press("buy:edit")
    await user.reply()
    await user.press("buy:e:term_months")
    await user.reply()
    summary = await fill(user, press="buy:v:term_months:24")
    t = translator("ru")
    # SAKBOL offer 3.1.2: from the 13th month 4.5 %.
    assert catalogue("ru", purchase.SUMMARY_PREMIUM, premium=t.money(4500, "KGS")) in summary["text"]
    await user.press("buy:edit")
    await user.reply()
    await user.press("buy:e:full_name")
    await user.reply()
    summary = await fill(user, "Айгүл Асанова")
    assert "Айгүл Асанова" in summary["text"]


async def test_a_restart_in_the_middle_of_the_application_resumes_it(start_bot, person):
    first = await start_bot()
    user = await person(language_code="ky")
    await consent_and_menu(user)
    await open_application(user, "sakbol")
    await fill(user, "100000")
    await fill(user, press="buy:v:term_months:12")
    await first.stop()

    await start_bot()
    prompt = await fill(user, "Айгүл Өмүрбекова")
    assert catalogue("ky", purchase.PROMPTS["birth_date"]) in prompt["text"]
    await user.send("/menu")
    await user.reply()
    await user.press("buy")
    resume = await user.reply()
    assert "buy:resume" in buttons(resume).values()
    await user.press("buy:resume")
    again = await user.reply()
    assert catalogue("ky", purchase.PROMPTS["birth_date"]) in again["text"]


async def test_staff_confirms_payment_when_no_payment_provider_is_set(start_bot, person, control, settings):
    await start_bot(payment_provider_token=None)
    user = await person(language_code="kk")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    await sign(user, control)
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


async def test_an_expired_quote_is_refused_at_checkout(qamqor, person, control):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    await sign(user, control)
    _signed, _pay, invoice = await user.replies(3)
    async with session_factory(qamqor.engine)() as session:
        await session.execute(text(
            "UPDATE applications SET quote = json_set(quote, '$.expires_at', '2020-01-01T00:00:00+00:00')"))
        await session.commit()
    paid = await control.pay(user.id, invoice["message"]["message_id"])
    assert paid["ok"] is False
    assert paid["error_message"] == catalogue("ru", purchase.CHECKOUT_EXPIRED)
    assert await policy_count(qamqor) == 0


async def test_a_partner_bank_deep_link_skips_what_it_carries(qamqor, person):
    user = await person(language_code="ru")
    await user.send("/start buy-sakbol-250000-18")
    await user.reply()
    await user.press("consent:accept")
    card = await user.reply()
    assert "www.sakbol.kg/documentation" in card["text"]
    await user.press("buy:go")
    await user.reply()
    await answer_all_no(user, len(get_product("sakbol").eligibility.declarations))
    last = await user.last_bot_message()
    assert catalogue("ru", purchase.PROMPTS["full_name"]) in last["text"]


async def test_my_policies_resends_only_my_own_certificate(qamqor, person, control):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    await sign(user, control)
    _signed, _pay, invoice = await user.replies(3)
    await control.pay(user.id, invoice["message"]["message_id"])
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
    await consent_and_menu(other)
    await other.press(data, forge=True)
    assert (await other.callback_answer())["text"] == catalogue("ru", "This policy is not available.")
    assert await other.quiet_for(0.3) == []


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_buy_nomad_life_end_to_end_with_payment(qamqor, person, control, language):
    user = await person(language_code=language, first_name="Әсел")
    await consent_and_menu(user)
    await open_application(user, "nomad_life")
    await fill(user, "1 500 000")
    await fill(user, press="buy:v:term_months:24")
    for value in ("Әсел Қайратқызы Нұрланова", "21.03.1988", KZ_IIN, "N12345678", "01.02.2020"):
        await fill(user, value)
    await fill(user, press="buy:v:document_issuer:0")
    await fill(user, "Алматы, Абай даңғылы 10, 25 пәтер")
    await user.share_contact("+7 701 234 56 78")
    await user.replies(2)  # saved; the next question (Nomad Life has a single cover option)
    await fill(user, press="buy:v:sum_insured:loan")
    tomorrow = [d for d in buttons(await user.last_bot_message()).values() if d.startswith("buy:v:cover_start:")][0]
    summary = await fill(user, press=tomorrow)
    product = get_product("nomad_life")
    expected = purchase.quote(product, 1500000, 24)
    t = translator(language)
    assert catalogue(language, purchase.SUMMARY_TOTAL, total=t.money(expected.total, "KZT")) in summary["text"]

    await sign(user, control)
    _signed, _pay, invoice = await user.replies(3)
    assert invoice["message"]["invoice"]["currency"] == "KZT"
    assert invoice["message"]["invoice"]["total_amount"] == int(expected.total * 100)
    assert (await control.pay(user.id, invoice["message"]["message_id"]))["ok"] is True
    issued, certificate = await user.replies(2)
    number = re.search(r"NL-\d{4}-\d{6}", issued["message"]["text"]).group(0)
    pdf = await control.download(certificate["message"]["document"]["file_id"])
    flat = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Әсел Қайратқызы Нұрланова" in flat and number in flat and "1 500 000" in flat
