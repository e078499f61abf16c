"""End to end through the emulator (issue 14): receipts stay as sent, stale
buttons never rewrite history, documents are taken as people send them, claims
stay visible after consent is withdrawn, and /language resets the chat's menu.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot import dispatcher
from handlers import claims, consent, documents, policies, start
from insurance.catalogue import get_product
from insurance.claim_clock import needs_original
from storage.claim_progress import confirm_original
from storage.db import session_factory
from storage.models import ClaimDocument, utcnow
from storage.unit_of_work import UnitOfWork
from tests.chat import buttons, catalogue
from tests.test_journeys_claims import JPEG, PDF, give_policy, last_year, ready, registered_claim


async def claimant(qamqor, person, language: str, product_code: str = "sakbol", event: str = "injury"):
    """A user in `language` with consent given and one claim registered: (user, claim id)."""
    user = await person(language_code=language)
    user.language = language
    await ready(user)
    return user, await registered_claim(qamqor, user, product_code, event)


def claim_number(claim_id: int) -> str:
    return f"CLM-{date.today().year}-{claim_id:06d}"


async def message(user, message_id: int) -> dict:
    [found] = [m for m in await user.messages() if m["message_id"] == message_id]
    return found


async def documents_of(qamqor, claim_id: int) -> list[ClaimDocument]:
    async with session_factory(qamqor.engine)() as session:
        return list((await session.scalars(select(ClaimDocument).where(ClaimDocument.claim_id == claim_id))).all())


@pytest.mark.parametrize("language", ["ru", "kk"])
async def test_a_stale_button_gets_a_notice_and_the_current_screen_and_changes_nothing(qamqor, person, language):
    user = await person(language_code=language)
    await ready(user)
    menu = await user.last_bot_message()
    await user.press("policies")
    screen = await user.reply()
    assert screen["message_id"] == menu["message_id"], "a button of the current screen edits it in place"
    await user.send("/claims")
    current = await user.reply()
    assert current["message_id"] > screen["message_id"]
    left = await message(user, screen["message_id"])
    assert not buttons(left), "a screen that was left loses its buttons"

    # A press on the left screen, however it arrives, is answered with a notice
    # and the current screen at the bottom; the old message stays as it was.
    await user.press("menu", message_id=screen["message_id"], forge=True)
    assert (await user.callback_answer())["text"] == catalogue(language, dispatcher.STALE_BUTTON)
    again = await user.reply()
    assert again["message_id"] > current["message_id"]
    assert again["text"] == current["text"]
    assert (await message(user, screen["message_id"]))["text"] == left["text"]


async def test_the_claim_receipt_is_short_and_stays_as_sent(qamqor, person, control):
    user, claim_id = await claimant(qamqor, person, "ru")
    receipt = await user.last_bot_message()
    number = claim_number(claim_id)
    assert receipt["text"].startswith(catalogue("ru", claims.REGISTERED, number=number))
    # Short: number, what happens next and the next date; no checklist in the receipt.
    assert len([line for line in receipt["text"].splitlines() if line]) <= 7
    product = get_product("sakbol")
    assert product.event_type("injury").checklist[1].document.name.ru not in receipt["text"]
    assert "Токтогула, 47" in receipt["text"], "where the originals go"
    assert set(buttons(receipt).values()) >= {f"docs:c:{claim_id}", f"claims:list:{claim_id}",
                                              f"claims:form:{claim_id}", "claims", "menu", "support"}

    await user.press(f"claims:form:{claim_id}")
    form = await user.reply()
    assert form["document"]["file_name"] == f"{number}-claim-form.pdf"
    assert (await control.download(form["document"]["file_id"])).startswith(b"%PDF")

    await user.press(f"docs:c:{claim_id}", message_id=receipt["message_id"])
    checklist = await user.reply()
    assert checklist["message_id"] > receipt["message_id"], "the next screen is a new message"
    await user.press(f"claims:list:{claim_id}", message_id=receipt["message_id"])
    listing = await user.reply()
    assert listing["message_id"] > checklist["message_id"]
    # Clause references read in the user's language (kk/ky never get "form 3").
    assert (await message(user, receipt["message_id"])) == receipt


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_a_photo_with_no_item_chosen_is_kept_and_placed_where_the_customer_says(qamqor, person, language):
    user, claim_id = await claimant(qamqor, person, language)
    checklist = get_product("sakbol").event_type("injury").checklist
    await user.send("/menu")
    await user.reply()
    await user.upload("photo", "scan.jpg", JPEG, "image/jpeg")
    question = await user.reply()
    assert question["text"].startswith(catalogue(language, documents.WHICH_ITEM).split("\n")[0])
    choices = buttons(question)
    assert {f"docs:k:{claim_id}:{item.code}" for item in checklist} <= set(choices.values())
    assert "support" in choices.values()

    # Bad input while the file waits: text gets the screen again, the file is still kept.
    await user.send("не знаю")
    hint, screen = await user.replies(2)
    assert hint["message"]["text"] == catalogue(language, dispatcher.USE_BUTTONS)
    item = checklist[2]
    await user.press(f"docs:k:{claim_id}:{item.code}", message_id=screen["message"]["message_id"])
    receipt = await user.reply()
    assert receipt["text"].startswith(catalogue(language, documents.RECEIVED, number=claim_number(claim_id),
                                                name=item.document.name.get(language), delivered=1,
                                                total=len(checklist)).split("\n")[0])
    assert [(d.item_code, d.kind) for d in await documents_of(qamqor, claim_id)] == [(item.code, "jpeg")]


async def test_a_file_goes_to_the_only_missing_item_and_without_a_claim_is_explained(qamqor, person):
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    await user.upload("document", "scan.pdf", PDF, "application/pdf")
    nothing = await user.reply()
    assert nothing["text"] == catalogue("ky", documents.NO_CLAIM_FOR_FILE)
    assert "claims" in buttons(nothing).values()

    claim_id = await registered_claim(qamqor, user, "sakbol", "injury")
    checklist = get_product("sakbol").event_type("injury").checklist
    # The last one missing is a copy; the insurer already holds the originals it asks for on paper
    # (Nomad Life rules 10.1, 10.2), so that last scan completes the claim.
    last = next(item for item in reversed(checklist) if not needs_original(item))
    for index, item in enumerate(item for item in checklist if item is not last):
        await user.press(f"docs:i:{claim_id}:{item.code}", forge=True)
        await user.reply()
        await user.upload("photo", f"{index}.jpg", JPEG + bytes([index]), "image/jpeg")
        await user.reply()
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        for item in checklist:
            if needs_original(item):
                await confirm_original(uow, claim_number(claim_id), item.code, "partner:test")
        await uow.commit()
    await user.send("/menu")
    await user.reply()
    await user.upload("document", "last.pdf", PDF, "application/pdf")
    complete = await user.reply()
    assert complete["text"].startswith(f"✅ № {claim_number(claim_id)} арыз боюнча бардык документтер тапшырылды.")
    assert last.code in {d.item_code for d in await documents_of(qamqor, claim_id)}


async def test_an_album_with_no_item_chosen_is_one_question_then_one_receipt(qamqor, person, control):
    user, claim_id = await claimant(qamqor, person, "ru")
    await user._mark()
    for page in range(3):
        await control.upload(user.id, "photo", f"p{page}.jpg", JPEG + bytes([10 + page]), "image/jpeg",
                             media_group_id="album-7")
    await control.send_text(user.id, "что это?")  # a sentinel: updates are handled in order
    question, hint, again = (r["message"] for r in await user.replies(3))
    # One question for the whole album, asked again after the typed text.
    assert question["text"].startswith(catalogue("ru", documents.WHICH_ITEM).split("\n")[0])
    assert hint["text"] == catalogue("ru", dispatcher.USE_BUTTONS)
    assert again["text"] == question["text"]
    item = get_product("sakbol").event_type("injury").checklist[2]
    await user.press(f"docs:k:{claim_id}:{item.code}", message_id=again["message_id"])
    receipt = await user.reply()
    assert item.document.name.ru in receipt["text"]
    pages = await documents_of(qamqor, claim_id)
    assert len(pages) == 3 and {p.item_code for p in pages} == {item.code}


@pytest.mark.parametrize("language", ["ru", "ky"])
async def test_done_never_claims_an_upload_that_did_not_happen(qamqor, person, language):
    user, claim_id = await claimant(qamqor, person, language)
    item = get_product("sakbol").event_type("injury").checklist[0]
    await user.press(f"docs:i:{claim_id}:{item.code}", forge=True)
    ask = await user.reply()
    assert catalogue(language, documents.DONE) in buttons(ask)
    await user.press(f"docs:done:{claim_id}")
    assert (await user.callback_answer())["text"] == catalogue(
        language, documents.NOTHING_SENT, name=item.document.name.get(language))
    checklist = await user.reply()
    assert checklist["text"].startswith(catalogue(language, documents.CHECKLIST, number=claim_number(claim_id),
                                                  delivered=0, total=5).split("\n")[0])
    assert await documents_of(qamqor, claim_id) == []


async def test_status_messages_and_claims_stay_after_consent_is_withdrawn(start_bot, person):
    qamqor = await start_bot()
    user, claim_id = await claimant(qamqor, person, "ky")
    await user.send("/mydata")
    await user.reply()
    await user.press("data:withdraw")
    await user.reply()
    await user.press("data:withdraw-yes")
    withdrawn, my_data = (r["message"] for r in await user.replies(2))
    assert "claims" in buttons(my_data).values(), "claims in progress stay one tap away"

    await user.press("claims")
    listing = await user.reply()
    assert claim_number(claim_id) in listing["text"]
    await user.press(f"claims:{claim_id}")
    claim = await user.reply()
    assert claim["text"].startswith(catalogue("ky", claims.CLAIM_TITLE, number=claim_number(claim_id)))
    # Times are in the policy's country time (SAKBOL: Asia/Bishkek).
    assert "(UTC+6)" in claim["text"]
    # Documents for the claim are still taken.
    await user.press(f"docs:i:{claim_id}:claim_application", forge=True)
    await user.reply()
    await user.upload("document", "a.pdf", PDF, "application/pdf")
    assert (await user.reply())["text"].startswith(f"✅ № {claim_number(claim_id)} арыз:")
    # Status messages keep coming: the missing-documents reminder arrives.
    await user._mark()
    await qamqor.run_background_once(now=utcnow() + timedelta(days=3, minutes=1))
    reminder = await user.reply()
    assert claim_number(claim_id) in reminder["text"] and "4 документти күтүүдө" in reminder["text"]
    # New processing stays closed: a new report asks for consent first.
    await user.send("/claim")
    assert (await user.reply())["text"].startswith(catalogue("ky", consent.OFFER_TITLE))


async def test_the_command_menu_and_every_later_message_follow_a_language_switch(qamqor, person, control):
    user = await person(language_code="ru")
    await ready(user)
    for language in ("kk", "ky"):
        await user.send("/language")
        await user.reply()
        await user.press(f"lang:{language}")
        menu = await user.reply()
        assert menu["text"].startswith(catalogue(language, start.MENU_TITLE))
        expected = [{"command": n, "description": d} for n, d in start.command_menu(language)]
        assert await control.commands(scope="chat", chat_id=user.id) == expected
    await user.send("/policies")
    assert (await user.reply())["text"].startswith(catalogue("ky", policies.TITLE))
    # Another user's menu is not touched.
    other = await person(language_code="ru", first_name="Other")
    assert await control.commands(scope="chat", chat_id=other.id) == []


async def test_a_policy_is_in_force_only_from_its_start_date(qamqor, person):
    user = await person(language_code="kk")
    await ready(user)
    today = date.today()
    await give_policy(qamqor, user.id, "nomad_life", start=today + timedelta(days=3), end=today + timedelta(days=368))
    start_, end_ = last_year()
    await give_policy(qamqor, user.id, "sakbol", start=start_, end=end_)
    await user.send("/policies")
    screen = await user.reply()
    from bot.i18n import translator

    t = translator("kk")
    assert catalogue("kk", policies.STARTS_ON, date=t.date(today + timedelta(days=3))) in screen["text"]
    assert catalogue("kk", policies.STATUS["active"]) in screen["text"]


async def test_the_claim_checklist_reads_clauses_in_the_users_language(qamqor, person):
    user, claim_id = await claimant(qamqor, person, "kk", "nomad_life", "death")
    await user.press(f"claims:list:{claim_id}")
    listing = await user.reply()
    assert "10.1(3)-тармақ" in listing["text"] and "clause" not in listing["text"]
