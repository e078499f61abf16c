"""End to end through the emulator: reporting events and delivering documents.

Nomad Life rules 3.1, 7.8, 9.1, 10.1, 10.2, 10.3, 10.6; SAKBOL offer 4.3, 8.1.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.i18n import translator
from handlers import claim_dates, claims, documents, originals
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.claims import decision_deadline, missing_documents_deadline, reporting_deadline
from storage.db import session_factory
from storage.models import Claim, ClaimDocument, ClaimOriginal, utcnow
from storage.unit_of_work import UnitOfWork
from tests.chat import buttons, catalogue, catalogue_n, plain, staff_member

ROOT = Path(__file__).resolve().parents[1]
JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + b"\x00" * 200
PDF = b"%PDF-1.4\n%scan of a page\n"


async def give_policy(qamqor, user_id: int, product_code: str, *, start: date, end: date,
                      holder: str = "Айгүл Өмүрбекова", birth_date: str = "1990-04-15",
                      cover_option: str | None = None, premium_minor: int = 225_000) -> tuple[int, str]:
    """A paid policy whose cover began in the past, written through the real repositories."""
    product = get_product(product_code)
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        await uow.users.get_or_create(user_id)
        application = uow.applications.start(user_id, product_code, {"birth_date": birth_date,
                                                                      "full_name": holder}, None)
        application.status = "paid"
        await uow.flush()
        number = f"{product.policy_prefix}-2026-{application.id:06d}"
        policy = uow.policies.issue(
            number=number, user_id=user_id, application_id=application.id, product_code=product_code,
            holder_name=holder, cover_option=cover_option or product.cover_options[-1].code,
            currency=product.currency, sum_insured_minor=10_000_000, premium_minor=premium_minor, tax_minor=4_500, total_minor=229_500,
            cover_start=start, cover_end=end, certificate_sha256="0" * 64)
        await uow.flush()
        await uow.commit()
        return policy.id, number


async def staff_message(control, chat_id: int, containing: str, timeout: float = 10.0) -> str:
    """The newest bot message in the staff chat that contains `containing`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(await control.messages(chat_id)):
            if message.get("from_bot") and containing in plain(message["text"]):
                return plain(message["text"])
        await control.events(chat_id, after=(await control.events(chat_id))["last_seq"], wait=0.5, min_count=1)
    raise AssertionError(f"no staff message with {containing!r}")


async def ready(user) -> None:
    await user.send("/start")
    await user.reply()
    await user.press("consent:accept")
    await user.replies(2)  # the consent receipt, then the menu


async def choose_event(user, policy_id: int, event: str) -> dict:
    """/claim → the policy → the event; returns what the bot shows next."""
    await user.send("/claim")
    await user.reply()
    await user.press(f"claim:p:{policy_id}")
    await user.reply()
    await user.press(f"claim:e:{event}")
    return await user.reply()


async def open_other_policy(user) -> None:
    """/claim → "someone else's policy": the bot asks for its number."""
    await user.send("/claim")
    await user.reply()
    await user.press("claim:other")
    await user.reply()


async def report(user, policy_id: int, event: str, *, group: int | None = None, date_button: str | None = None,
                 typed_date: str | None = None, phone: str = "+996 555 123 456",
                 disability_set: str | None = None, product_code: str = "sakbol") -> dict:
    await choose_event(user, policy_id, event)
    if group:
        await user.press(f"claim:g:{group}")
        await user.reply()
    if typed_date:
        await user.send(typed_date)
    else:
        screen = await user.last_bot_message()
        await user.press(date_button or [d for d in buttons(screen).values() if d.startswith("claim:d:")][1])
    after_date = await user.reply()
    if after_date["text"].startswith(catalogue(user.language, claims.ASK_DESCRIPTION)[:20]) is False \
            and "claim:anyway" in buttons(after_date).values():
        return after_date
    if after_date["text"] == catalogue(user.language, claims.ASK_DISABILITY_DATE):
        # Nomad Life rules 9.3, SAKBOL offer terms (и): the date disability was set
        # today where the policy's insurer is (Almaty's day starts an hour after Bishkek's)
        today = local_today(get_product(product_code), utcnow())
        await user.send(disability_set or today.strftime("%d.%m.%Y"))
        await user.reply()
    await user.send("Упал на льду у подъезда, перелом руки, наложили гипс.")
    await user.reply()
    await user.send(phone)
    return await user.reply()


def last_year() -> tuple[date, date]:
    today = date.today()
    return today - timedelta(days=200), today + timedelta(days=165)


@pytest.mark.parametrize(("product_code", "event", "group", "language"), [
    ("sakbol", "injury", None, "ky"), ("sakbol", "disability", 2, "ru"), ("sakbol", "death", None, "kk"),
    ("nomad_life", "death", None, "kk"), ("nomad_life", "disability", 1, "ru"),
])
async def test_report_each_event_type_and_see_checklist_and_deadlines(qamqor, person, product_code, event, group,
                                                                     language):
    user = await person(language_code=language)
    user.language = language
    await ready(user)
    start, end = last_year()
    policy_id, number = await give_policy(qamqor, user.id, product_code, start=start, end=end)
    confirm = await report(user, policy_id, event, group=group, product_code=product_code)
    assert confirm["text"].startswith(catalogue(language, claims.CONFIRM_TITLE))
    assert number in confirm["text"]
    await user.press("claim:register")
    registered = await user.reply()
    product = get_product(product_code)
    assert "CLM-" in registered["text"]
    today = local_today(product, utcnow())
    t = translator(language)
    # The receipt is short: the number, the reporting deadline met, what happens next, the next date.
    assert t.date(reporting_deadline(product, today - timedelta(days=1))) in registered["text"]
    # Nomad Life rules 7.8: no decision date is promised before the documents (originals included) are in
    assert t.date(decision_deadline(product, today).due_on) not in registered["text"]
    decision = product.insurer_deadline("decision")
    assert catalogue_n(language, claim_dates.DECISION_AFTER_ORIGINALS, decision.days, days=decision.days,
                     clause=decision.clause or "—") in plain(registered["text"])
    assert plain(registered["text"]).count(product.insurer.name.get(language)) >= 1  # the insurer's contacts
    # The next date is when the insurer lists what is missing (rules 10.3), if the documents come today.
    assert t.date(missing_documents_deadline(product, today).due_on) in registered["text"]
    # The checklist with its clauses is one tap away, as a new message under the receipt.
    assert {"claims:list:1", "docs:c:1"} <= set(buttons(registered).values())
    await user.press("claims:list:1")
    checklist = await user.reply()
    assert checklist["message_id"] > registered["message_id"]
    for item in product.event_type(event).checklist:
        assert item.document.name.get(language) in checklist["text"]
    if product_code == "nomad_life":  # rules 10.6
        assert product.documents_note.text.get(language) in checklist["text"]
    async with session_factory(qamqor.engine)() as session:
        claim = (await session.scalars(select(Claim))).one()
    assert (claim.event_type, claim.disability_group, claim.late, claim.status) == (event, group, False, "registered")


async def test_illness_offers_telemedicine_instead_of_a_claim_form(qamqor, person):
    user = await person(language_code="kk")
    await ready(user)
    start, end = last_year()
    policy_id, _ = await give_policy(qamqor, user.id, "nomad_life", start=start, end=end)
    screen = await choose_event(user, policy_id, "illness")
    service = get_product("nomad_life").telemedicine
    assert service.url in screen["text"] and service.name.get("kk") in screen["text"]
    assert "claim:register" not in buttons(screen).values()


async def test_a_late_report_is_registered_with_the_clause_and_recorded(qamqor, person):
    user = await person(language_code="ru")
    user.language = "ru"
    await ready(user)
    today = local_today(get_product("nomad_life"), utcnow())  # the day the bot counts lateness to, in Almaty
    start = today - timedelta(days=300)
    policy_id, _ = await give_policy(qamqor, user.id, "nomad_life", start=start, end=start + timedelta(days=364))
    event_day = today - timedelta(days=75)  # rules 9.1: 60 calendar days
    confirm = await report(user, policy_id, "death", typed_date=event_day.strftime("%d.%m.%Y"))
    deadline = reporting_deadline(get_product("nomad_life"), event_day)
    assert catalogue("ru", claims.LATE_WARNING, deadline=translator("ru").date(deadline), clause="9.1") in confirm["text"]
    await user.press("claim:register")
    registered = await user.reply()
    assert "CLM-" in registered["text"]
    async with session_factory(qamqor.engine)() as session:
        claim = (await session.scalars(select(Claim))).one()
    assert claim.late and claim.days_late == (today - deadline).days


async def test_a_date_outside_cover_is_explained_and_can_still_be_registered(qamqor, person):
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    start = date.today() - timedelta(days=30)
    policy_id, number = await give_policy(qamqor, user.id, "sakbol", start=start, end=start + timedelta(days=365))
    outside = await report(user, policy_id, "injury", typed_date=(start - timedelta(days=5)).strftime("%d.%m.%Y"))
    assert number in outside["text"] and "claim:anyway" in buttons(outside).values()
    await user.press("claim:anyway")
    await user.reply()
    await user.send("Жолдо жыгылып, колумду сындырдым, гипс салышты.")
    await user.reply()
    await user.send("+996 555 123 456")
    confirm = await user.reply()
    assert catalogue("ky", claims.OUTSIDE_WARNING) in confirm["text"]
    await user.press("claim:register")
    await user.reply()
    async with session_factory(qamqor.engine)() as session:
        claim = (await session.scalars(select(Claim))).one()
    assert claim.outside_cover == "event_before_cover_start"


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_bad_dates_descriptions_and_phones_keep_the_step(qamqor, person, language):
    user = await person(language_code=language)
    await ready(user)
    start, end = last_year()
    policy_id, _ = await give_policy(qamqor, user.id, "sakbol", start=start, end=end)
    await choose_event(user, policy_id, "injury")
    await user.send((date.today() + timedelta(days=2)).strftime("%d.%m.%Y"))
    said, _screen = await user.replies(2)
    assert said["message"]["text"] == catalogue(language, claims.DATE_FUTURE)
    await user.send("вчера вечером")
    said, _screen = await user.replies(2)
    assert said["message"]["text"] == catalogue(language, claims.DATE_FORMAT)
    await user.send(date.today().strftime("%d.%m.%Y"))
    await user.reply()
    await user.send("😭😭")
    assert (await user.reply())["text"] == catalogue(language, claims.DESCRIPTION_SHORT)
    await user.send("Сынған қол, травмпункт, гипс салды.")
    await user.reply()
    await user.send("12345")
    assert (await user.reply())["text"] == catalogue(language, claims.PHONE_INVALID)
    await user.send("+996 555 123 456")
    confirm = await user.reply()
    assert confirm["text"].startswith(catalogue(language, claims.CONFIRM_TITLE))


async def test_an_heir_reports_on_someone_elses_policy_after_confirming_it(qamqor, person):
    holder = await person(language_code="ru", first_name="Holder")
    heir = await person(language_code="kk", first_name="Heir")
    await ready(heir)
    start, end = last_year()
    _, number = await give_policy(qamqor, holder.id, "nomad_life", start=start, end=end, birth_date="1960-01-02")
    await open_other_policy(heir)
    await heir.send(number)
    await heir.reply()
    await heir.send("03.01.1960")
    said, _again = await heir.replies(2)
    assert said["message"]["text"] == catalogue("kk", claims.NO_MATCH)
    await heir.send(number)
    await heir.reply()
    await heir.send("02.01.1960")
    relation = await heir.reply()
    assert {"claim:r:beneficiary", "claim:r:heir"} <= set(buttons(relation).values())
    await heir.press("claim:r:heir")
    events = await heir.reply()
    assert "claim:e:death" in buttons(events).values()


async def upload(user, content: bytes, name: str, mime: str, kind: str = "document") -> dict:
    await user.upload(kind, name, content, mime)
    return await user.reply()


async def registered_sakbol_injury(qamqor, user) -> int:
    return await registered_claim(qamqor, user, "sakbol", "injury")


async def registered_claim(qamqor, user, product_code: str, event: str) -> int:
    """A claim reported and registered on a policy of `product_code`; its id."""
    start, end = last_year()
    policy_id, _ = await give_policy(qamqor, user.id, product_code, start=start, end=end)
    await report(user, policy_id, event)
    await user.press("claim:register")
    await user.reply()
    async with session_factory(qamqor.engine)() as session:
        return (await session.scalars(select(Claim.id).where(Claim.user_id == user.id))).one()


async def test_upload_every_item_until_complete_with_refusals_and_duplicates(qamqor, person, control, settings,
                                                                            tmp_path):
    user = await person(language_code="ru")
    user.language = "ru"
    await ready(user)
    claim_id = await registered_sakbol_injury(qamqor, user)
    checklist = get_product("sakbol").event_type("injury").checklist
    await user.press(f"docs:c:{claim_id}")
    screen = await user.reply()
    assert f"0 из {len(checklist)}" in screen["text"] or "0" in screen["text"]

    first = checklist[0]
    await user.press(f"docs:i:{claim_id}:{first.code}")
    await user.reply()
    refused = await upload(user, b"MZ\x90\x00 not a scan", "scan.pdf", "application/pdf")
    assert refused["text"] == catalogue("ru", documents.REFUSED["unsupported"])
    received = await upload(user, PDF, "../../etc/passwd.pdf", "application/pdf")
    assert catalogue("ru", documents.RECEIVED, number=f"CLM-{date.today().year}-{claim_id:06d}",
                     name=first.document.name.ru, delivered=1, total=len(checklist)) in received["text"]
    again = await upload(user, PDF, "copy.pdf", "application/pdf")
    assert again["text"] == catalogue("ru", documents.ALREADY_HAVE, name=first.document.name.ru)
    page_two = await upload(user, JPEG, "page2.jpg", "image/jpeg", kind="photo")
    assert "1" in page_two["text"]
    too_big = await upload(user, b"%PDF-" + b"0" * (20 * 1024 * 1024), "huge.pdf", "application/pdf")
    assert too_big["text"] == catalogue("ru", documents.REFUSED["too_large"])

    for index, item in enumerate(checklist[1:], start=2):
        await user.press(f"docs:c:{claim_id}")  # "done with this document" -> the checklist
        await user.reply()
        await user.press(f"docs:i:{claim_id}:{item.code}")
        await user.reply()
        reply = await upload(user, JPEG + bytes([index]), f"{item.code}.jpg", "image/jpeg", kind="photo")
    product = get_product("sakbol")
    number = f"CLM-{date.today().year}-{claim_id:06d}"
    decision = decision_deadline(product, local_today(product, utcnow()))
    # Every scan is in, but the application and the lender's statement are asked as originals:
    # no decision date yet (the clock starts when the insurer has them).
    paper = [i for i in checklist if "original" in i.document.forms]
    assert catalogue_n("ru", documents.SCANS_COMPLETE, decision.days, number=number, days=decision.days, clause="—",
                     items=", ".join(i.document.name.ru for i in paper)) in plain(reply["text"])
    assert translator("ru").date(decision.due_on) not in reply["text"]
    assert f"/original {number}" in await staff_message(control, settings.staff_chat_id, "/original")

    operator = await staff_member(control, settings.staff_chat_id)
    await control.send_text(operator["id"], f"/original {number} 99", chat_id=settings.staff_chat_id)
    await control.send_text(operator["id"], "/original", chat_id=settings.staff_chat_id)
    await control.send_text(operator["id"], "/original CLM-1999-999999 1", chat_id=settings.staff_chat_id)
    await control.send_text(operator["id"], f"/original {number} {checklist.index(paper[0]) + 1}",
                            chat_id=settings.staff_chat_id)
    first_original = await user.reply()
    assert catalogue("ru", originals.CUSTOMER, number=number, name=paper[0].document.name.ru) in plain(
        first_original["text"])
    assert catalogue("ru", claim_dates.ORIGINALS_AWAITED, items=paper[1].document.name.ru) in plain(
        first_original["text"])
    await control.send_text(operator["id"], f"/original {number} {paper[1].code}", chat_id=settings.staff_chat_id)
    last_original = await user.reply()
    assert catalogue("ru", claim_dates.DECISION_BY, date=translator("ru").date(decision.due_on),
                     clause="—") in plain(last_original["text"])
    await user.press(f"claims:{claim_id}")
    timeline = plain((await user.reply())["text"])
    for item in paper:
        assert catalogue("ru", claims.TIMELINE_EVENTS["original"], item=item.document.name.ru) in timeline
    staff_texts = [plain(m["text"]) for m in await control.messages(settings.staff_chat_id) if m.get("from_bot")]
    assert any("99" in t and paper[0].code in t for t in staff_texts)  # a bad item: the checklist is listed
    assert catalogue("ru", originals.USAGE) in staff_texts
    assert catalogue("ru", originals.UNKNOWN_CLAIM, number="CLM-1999-999999") in staff_texts
    async with session_factory(qamqor.engine)() as session:
        confirmed = (await session.scalars(select(ClaimOriginal.confirmed_by))).all()
    assert confirmed == [f"staff:{operator['id']}"] * 2
    stored = list((settings.data_dir / "documents").rglob("*"))
    assert not any("passwd" in p.name for p in stored)

    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(PYTHONPATH=str(ROOT), QAMQOR_DATA_DIR=str(settings.data_dir), QAMQOR_DATABASE_URL=settings.database_url)
    output = tmp_path / "claim.zip"
    result = subprocess.run([sys.executable, "-m", "bot", "claims", "export", f"CLM-{date.today().year}-{claim_id:06d}",
                             "--output", str(output)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for entry in manifest["files"]:
            import hashlib
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
    assert all(item["delivered"] for item in manifest["checklist"])
    assert [i["original_confirmed_by"] for i in manifest["checklist"] if "original" in i["forms"]] == [
        f"staff:{operator['id']}"] * 2
    assert len(manifest["files"]) == len(checklist) + 1  # two pages for the first item
    assert manifest["claim"]["status"] == "documents_complete"
    listing = subprocess.run([sys.executable, "-m", "bot", "claims", "list"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert f"CLM-{date.today().year}-{claim_id:06d}" in listing.stdout and "documents_complete" in listing.stdout


async def test_a_forged_button_for_another_users_claim_is_refused_and_logged(qamqor, person, caplog):
    owner = await person(language_code="ru", first_name="Owner")
    owner.language = "ru"
    await ready(owner)
    claim_id = await registered_sakbol_injury(qamqor, owner)
    intruder = await person(language_code="ru", first_name="Intruder")
    await ready(intruder)
    caplog.set_level(logging.WARNING)
    for data in (f"docs:c:{claim_id}", f"claims:{claim_id}", "docs:c:999999", f"docs:i:{claim_id}:claim_application"):
        await intruder.press(data, forge=True)
        assert (await intruder.callback_answer())["text"] == catalogue("ru", claims.NOT_AVAILABLE)
    assert await intruder.quiet_for(0.3) == []
    assert any(f"claim {claim_id} that is not theirs" in r.getMessage() for r in caplog.records)


async def test_a_restart_between_upload_steps_keeps_the_item_open(start_bot, person):
    first = await start_bot()
    user = await person(language_code="kk")
    user.language = "kk"
    await ready(user)
    claim_id = await registered_sakbol_injury(first, user)
    item = get_product("sakbol").event_type("injury").checklist[1]
    await user.send("/documents")
    await user.reply()
    await user.press(f"docs:c:{claim_id}")
    await user.reply()
    await user.press(f"docs:i:{claim_id}:{item.code}")
    await user.reply()
    await first.stop()
    await start_bot()
    received = await upload(user, JPEG, "x.jpg", "image/jpeg", kind="photo")
    assert received["text"].startswith(catalogue("kk", documents.RECEIVED, number=f"CLM-{date.today().year}-{claim_id:06d}",
                                                 name=item.document.name.kk, delivered=1, total=5).split("\n")[0])


async def test_missing_documents_are_reminded_after_three_days_then_weekly_never_twice(start_bot, person):
    qamqor = await start_bot()
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    await registered_sakbol_injury(qamqor, user)
    await user._mark()
    await qamqor.run_background_once(now=utcnow() + timedelta(days=2))
    assert await user.quiet_for(0.3) == []
    await qamqor.run_background_once(now=utcnow() + timedelta(days=3, minutes=1))
    reminder = await user.reply()
    assert reminder["text"].startswith("📎 №") and "5 документти күтүүдө" in reminder["text"]
    await qamqor.stop()
    again = await start_bot()
    await again.run_background_once(now=utcnow() + timedelta(days=3, minutes=2))
    assert await user.quiet_for(0.5) == []
    await again.run_background_once(now=utcnow() + timedelta(days=10, minutes=2))
    assert (await user.reply())["text"] == reminder["text"]


async def test_an_album_of_pages_is_stored_page_by_page_for_one_item(qamqor, person, control):
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    claim_id = await registered_sakbol_injury(qamqor, user)
    item = get_product("sakbol").event_type("injury").checklist[2]
    await user.press(f"docs:c:{claim_id}")
    await user.reply()
    await user.press(f"docs:i:{claim_id}:{item.code}")
    await user.reply()
    await user._mark()
    for page in range(3):
        await control.upload(user.id, "photo", f"page{page}.jpg", JPEG + bytes([page]), "image/jpeg",
                             media_group_id="album-1")
    await control.send_text(user.id, "/claims")  # updates are handled in order: a sentinel after the album
    # An album is taken together: one receipt for its pages, all kept for the item.
    receipt, sentinel = (r["message"] for r in await user.replies(2))
    assert item.document.name.ky in receipt["text"]
    assert sentinel["text"].startswith(catalogue("ky", claims.CLAIMS_TITLE))
    async with session_factory(qamqor.engine)() as session:
        pages = (await session.scalars(select(ClaimDocument).where(ClaimDocument.item_code == item.code))).all()
    assert len(pages) == 3 and len({p.sha256 for p in pages}) == 3


async def test_refused_files_and_typed_text_are_explained_in_kyrgyz_and_the_item_stays_open(qamqor, person):
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    claim_id = await registered_sakbol_injury(qamqor, user)
    item = get_product("sakbol").event_type("injury").checklist[0]
    await user.press(f"docs:c:{claim_id}")
    await user.reply()
    await user.press(f"docs:i:{claim_id}:{item.code}")
    await user.reply()
    refused = await upload(user, b"<html>not a scan</html>", "scan.pdf", "application/pdf")
    assert refused["text"] == catalogue("ky", documents.REFUSED["unsupported"])
    await user.send("кийин жиберем")
    typed = await user.reply()
    assert typed["text"] == catalogue("ky", documents.NOT_A_FILE, name=item.document.name.ky)
    received = await upload(user, PDF, "scan.pdf", "application/pdf")
    assert received["text"].startswith(catalogue("ky", documents.RECEIVED, number=f"CLM-{date.today().year}-{claim_id:06d}",
                                                 name=item.document.name.ky, delivered=1, total=5).split("\n")[0])


async def test_guessing_someone_elses_policy_stops_after_five_tries_even_when_starting_again(qamqor, person):
    holder = await person(language_code="ru", first_name="Holder")
    guesser = await person(language_code="ru", first_name="Guesser")
    await ready(guesser)
    start, end = last_year()
    _, number = await give_policy(qamqor, holder.id, "sakbol", start=start, end=end, birth_date="1960-01-02")
    await open_other_policy(guesser)
    for attempt in range(5):
        if attempt == 2:  # starting the report again does not reset the count
            await open_other_policy(guesser)
        await guesser.send(number)
        await guesser.reply()
        await guesser.send(f"0{attempt + 3}.01.1960")
        replies = await guesser.replies(1 if attempt == 4 else 2)
    assert replies[-1]["message"]["text"] == catalogue("ru", claims.TOO_MANY_LOOKUPS)
    await guesser.send("/claim")
    await guesser.reply()
    await guesser.press("claim:other")
    assert (await guesser.reply())["text"] == catalogue("ru", claims.TOO_MANY_LOOKUPS)
