"""End to end through the emulator, issue 12 (claims, policies and consents as
the seeds write them): early repayment and cancellation (Nomad Life rules
12.3-12.5; SAKBOL offer 7.2, 8.2, 8.3), SAKBOL consent withdrawal reaching the
insurer and the bank (the consent text), disability dates (Nomad Life rules
9.3; SAKBOL offer terms (и)), an event outside the cover option (SAKBOL form
3, 4.3) and the lender told (SAKBOL offer 8.1)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.i18n import translator
from handlers import claim_dates, claims, consent, contacts, policies
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.claim_clock import add_months
from insurance.consent import consent_text
from insurance.termination import CANCELLATION, EARLY_REPAYMENT, quote
from storage.db import session_factory
from storage.models import Claim, Consent, TerminationRequest, utcnow
from storage.unit_of_work import UnitOfWork
from tests.chat import buttons, catalogue, catalogue_n, plain
from tests.test_journeys_claims import give_policy, ready, report, staff_message


def around_today(before: int, after: int):
    """A cover period from `before` days ago to `after` days ahead."""
    return lambda today: (today - timedelta(days=before), today + timedelta(days=after))


async def policyholder(qamqor, person, language: str, product_code: str, period, **policy):
    """A customer who consented, holding a policy of `product_code` over `period(today)`."""
    user = await person(language_code=language)
    user.language = language
    await ready(user)
    product = get_product(product_code)
    today = local_today(product, utcnow())
    start, end = period(today)
    policy_id, number = await give_policy(qamqor, user.id, product_code, start=start, end=end, **policy)
    return user, product, today, policy_id, number


async def test_early_repayment_of_a_nomad_life_policy_at_month_5_of_12_shows_and_records_the_refund(
        qamqor, person, control, settings):
    def twelve_months_from_five_ago(today):
        start = add_months(today, -5)
        return start, add_months(start, 12) - timedelta(days=1)

    user, product, today, policy_id, number = await policyholder(
        qamqor, person, "kk", "nomad_life", twelve_months_from_five_ago, premium_minor=12_000_000)
    start, end = twelve_months_from_five_ago(today)
    await user.send("/policies")
    screen = await user.reply()
    assert "https://www.nomadlife.kz" in screen["text"]  # the insurer's contacts in the chat
    assert buttons(screen)[catalogue("kk", policies.REPAID_EARLY)] == f"policy:r:{policy_id}"
    await user.press(f"policy:r:{policy_id}")
    assert (await user.reply())["text"].startswith(f"📄 {number}")

    await user.send("32.13.2026")
    assert (await user.reply())["text"] == catalogue("kk", claims.DATE_FORMAT)
    await user.send((today + timedelta(days=3)).strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", policies.REFUSED["repaid_in_future"])
    await user.send((start - timedelta(days=1)).strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", policies.REFUSED["repaid_before_cover"],
                                                     start=translator("kk").date(start))

    await user.send(today.strftime("%d.%m.%Y"))
    shown = await user.reply()
    expected = quote(product, EARLY_REPAYMENT, premium="120000", cover_start=start, cover_end=end, today=today,
                     repaid_on=today)
    t = translator("kk")
    assert 0 < expected.refund.amount < 120000 * 7 / 12  # unexpired share less at most 10%
    assert catalogue("kk", policies.QUOTE_REFUND, amount=t.money(expected.refund.amount, "KZT"),
                     clause="12.5") in shown["text"]
    assert product.termination.rule("early_loan_repayment").text.kk in shown["text"]
    await user.press("policy:send")
    sent = await user.reply()
    assert t.money(expected.refund.amount, "KZT") in sent["text"]
    async with session_factory(qamqor.engine)() as session:
        request = (await session.scalars(select(TerminationRequest))).one()
    assert (request.policy_id, request.kind, request.clause, request.repaid_on, request.refund_minor) == (
        policy_id, EARLY_REPAYMENT, "12.5", today, int(expected.refund.amount * 100))
    notice = await staff_message(control, settings.staff_chat_id, number)
    assert product.insurer.name.ru in notice and f"{expected.refund.amount} KZT" in notice

    # The same button again: the request is a receipt, so the quote's buttons are gone; a late press
    # (a client that still shows them) is answered as stale with the current screen.
    await user.press("policy:send", message_id=shown["message_id"], forge=True)
    assert (await user.reply())["text"].startswith(catalogue("kk", policies.TITLE))
    await user.send("/policies")
    again = await user.reply()
    assert catalogue("kk", policies.REQUESTED, number=request.id) in again["text"]
    async with session_factory(qamqor.engine)() as session:
        assert len((await session.scalars(select(TerminationRequest))).all()) == 1
    await user.send("/mydata")
    await user.reply()
    await user.press("data:export")
    exported = json.loads(await control.download((await user.reply())["document"]["file_id"]))
    assert [(r["policy"], r["clause"], r["refund_minor"]) for r in exported["termination_requests"]] == [
        (number, "12.5", request.refund_minor)]
    assert f"policy:r:{policy_id}" not in buttons(again).values()


async def test_cancelling_a_sakbol_policy_shows_the_overlapping_clauses_and_nothing_returned(qamqor, person):
    user, product, _, policy_id, _ = await policyholder(qamqor, person, "ky", "sakbol", around_today(30, 335))
    await user.send("/policies")
    screen = await user.reply()
    assert "office@sakbol.kg" in screen["text"] and "+996507338338" in screen["text"]
    await user.press(f"policy:x:{policy_id}")
    shown = await user.reply()
    for code in ("client_refusal", "early_termination", "after_payout"):  # offer 7.2, 8.3, 8.2
        assert product.termination.rule(code).text.ky in shown["text"]
    assert catalogue("ky", policies.QUOTE_REFUND, amount=translator("ky").money(0, "KGS"), clause="7.2") in shown[
        "text"]
    assert catalogue("ky", policies.QUOTE_TO_CONFIRM) in shown["text"]
    await user.press(f"policy:x:{policy_id + 100}", forge=True)  # someone else's (or no) policy
    assert (await user.callback_answer())["text"] == catalogue("ky", policies.NOT_YOURS)
    async with session_factory(qamqor.engine)() as session:
        assert (await session.scalars(select(TerminationRequest))).all() == []
    assert CANCELLATION in policies.QUOTE_TITLE


async def give_sakbol_consents(qamqor, user_id: int, language: str) -> None:
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        for kind in get_product("sakbol").application_consents:
            text = consent_text(kind, language)
            uow.consents.give(user_id=user_id, kind=kind, scope="sakbol", language=language,
                              text_version=text.version, text_sha256=text.sha256)
        await uow.commit()


async def test_withdrawing_sakbol_consents_notifies_the_insurer_and_the_bank(qamqor, person, control, settings):
    user, product, _, _, number = await policyholder(qamqor, person, "ky", "sakbol", around_today(30, 335))
    await give_sakbol_consents(qamqor, user.id, "ky")
    await user.send("/mydata")
    await user.reply()
    await user.press("data:withdraw")
    asked = await user.reply()
    assert catalogue("ky", consent.WITHDRAW_PRODUCT, product=product.name.ky,
                     beneficiary=product.beneficiary.name.ky) in asked["text"]
    assert "office@sakbol.kg" in asked["text"]  # where to send the written application
    assert catalogue("ky", consent.WITHDRAW_ALL, count=5) in asked["text"]
    await user.press("data:withdraw-yes")
    told, _screen = await user.replies(2)
    assert catalogue("ky", consent.WITHDRAWN_PRODUCT, product=product.name.ky,
                     beneficiary=product.beneficiary.name.ky) in plain(told["message"]["text"])
    notice = await staff_message(control, settings.staff_chat_id, "sakbol_personal_data")
    assert product.insurer.name.ru in notice and product.beneficiary.name.ru in notice and number in notice
    async with session_factory(qamqor.engine)() as session:
        consents = (await session.scalars(select(Consent))).all()
    assert len(consents) == 5 and all(c.withdrawn_at is not None for c in consents)


async def test_a_disability_claim_on_a_death_only_sakbol_policy_is_registered_and_flagged(
        qamqor, person, control, settings):
    user, product, today, policy_id, _ = await policyholder(qamqor, person, "ru", "sakbol", around_today(200, 165),
                                                            cover_option="death")
    confirm = await report(user, policy_id, "disability", group=2)
    option = product.cover_option("death")
    warning = catalogue("ru", claims.OUTSIDE_OPTION, option=option.name.ru, clause=option.clause)
    assert warning in confirm["text"]
    await user.press("claim:register")
    registered = await user.reply()
    assert warning in registered["text"]
    # SAKBOL offer 8.1: tell the lender and the insurer within 10 days; the lender is told
    assert catalogue_n("ru", claims.TELL_LENDER, 10, clause="8.1", days=10,
                     deadline=translator("ru").date(today - timedelta(days=1) + timedelta(days=10)),
                     lender=product.beneficiary.name.ru) in registered["text"]
    async with session_factory(qamqor.engine)() as session:
        claim = (await session.scalars(select(Claim))).one()
    assert (claim.event_type, claim.outside_option, claim.status, claim.disability_set_on) == (
        "disability", option.clause, "registered", today)
    flag = catalogue("ru", claims.STAFF_OUTSIDE_OPTION, clause=option.clause).strip()
    assert claim.number in await staff_message(control, settings.staff_chat_id, flag)
    lender = await staff_message(control, settings.staff_chat_id, product.beneficiary.name.ru)
    assert claim.number in lender and "8.1" in lender


async def test_disability_date_bad_input_and_the_six_month_window_in_kazakh(qamqor, person):
    user, _, today, policy_id, _ = await policyholder(qamqor, person, "kk", "sakbol", around_today(400, 100))
    accident = today - timedelta(days=100)
    await claims_until_disability_date(user, policy_id, accident)
    await user.send("кеше")
    assert (await user.reply())["text"] == catalogue("kk", claims.DATE_FORMAT)
    await user.send((accident - timedelta(days=1)).strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", claims.DISABILITY_DATE_ERRORS["before_accident"],
                                                     date=translator("kk").date(accident))
    await user.send((today + timedelta(days=1)).strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", claims.DISABILITY_DATE_ERRORS["in_future"])
    await user.send((accident + timedelta(days=1)).strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", claims.ASK_DESCRIPTION)
    await user.press("claim:date")  # back to the accident date: the disability date is then asked again
    await user.reply()
    accident = today - timedelta(days=250)
    await user.send(accident.strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", claims.ASK_DISABILITY_DATE)  # asked again
    await user.send(today.strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue("kk", claims.ASK_DESCRIPTION)
    await user.send("Жол апаты, аяғым сынды, мүгедектік берілді.")
    await user.reply()
    await user.send("+996 555 123 456")
    confirm = await user.reply()
    assert catalogue_n("kk", claims.SET_OUTSIDE_WINDOW, 6, months=6, date=translator("kk").date(add_months(accident, 6)),
                     clause="terms (и)") in confirm["text"]


async def claims_until_disability_date(user, policy_id: int, accident) -> None:
    await user.send("/claim")
    await user.reply()
    await user.press(f"claim:p:{policy_id}")
    await user.reply()
    await user.press("claim:e:disability")
    await user.reply()
    await user.press("claim:g:3")
    asked = await user.reply()
    assert asked["text"] == catalogue(user.language, claims.ASK_ACCIDENT_DATE)
    await user.send(accident.strftime("%d.%m.%Y"))
    assert (await user.reply())["text"] == catalogue(user.language, claims.ASK_DISABILITY_DATE)


async def test_nomad_life_disability_shows_the_certificate_deadline_and_originals_awaited(qamqor, person):
    user, product, today, policy_id, _ = await policyholder(qamqor, person, "ru", "nomad_life",
                                                            around_today(200, 165))
    await claims_until_disability_date(user, policy_id, today - timedelta(days=40))
    set_on = today - timedelta(days=3)
    await user.send(set_on.strftime("%d.%m.%Y"))
    await user.reply()
    await user.send("Авария на трассе, перелом позвоночника, установлена инвалидность.")
    await user.reply()
    await user.send("+7 701 123 45 67")
    await user.reply()
    await user.press("claim:register")
    receipt = await user.reply()
    registered = plain(receipt["text"])
    t = translator("ru")
    assert catalogue_n("ru", claims.CERTIFICATE_DUE, 10, days=10, date=t.date(set_on + timedelta(days=10)),
                     clause="9.3(2)") in registered
    paper = [i.document.name.ru for i in product.event_type("disability").checklist
             if set(i.document.forms) & {"original", "notarised_copy"}]
    assert catalogue("ru", claim_dates.ORIGINALS_AWAITED, items=", ".join(paper)) in registered
    # The full claim clock (rules 7.8, 11.2(4)) and the insurer's contacts are one tap from the receipt.
    await user.press(next(d for d in buttons(receipt).values() if d.startswith("claims:list:")))
    clauses = plain((await user.reply())["text"])
    assert catalogue_n("ru", claim_dates.PAYMENT_AFTER, 15, days=15, clause="7.8") in clauses
    assert catalogue("ru", claim_dates.PENALTY, rate=f"{t.number(product.late_payment_penalty.annual_rate * 100)}%",
                     clause="11.2(4)") in clauses
    assert catalogue("ru", contacts.INSURER, name=product.insurer.name.ru) in clauses
