"""End to end: restarts, redelivered updates, failures and bad input.

Bad input gets a clear answer in the user's language and the user keeps their
place; nothing already given is lost.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot import dispatcher
from handlers import consent, start, support
from handlers.support import customer as support_customer
from storage.db import session_factory
from tests.chat import buttons, catalogue, staff_member


async def test_restart_between_two_steps_resumes_where_the_user_was(start_bot, person):
    first = await start_bot()
    user = await person(language_code="kk")
    await user.send("/start")
    offer = await user.reply()
    await user.press("consent:full")
    await user.reply()
    await first.stop()

    second = await start_bot()
    # A typed word in the full-text screen re-shows that same screen.
    await user.send("сәлем")
    hint, screen = await user.replies(2)
    assert hint["message"]["text"] == catalogue("kk", dispatcher.USE_BUTTONS)
    assert screen["message"]["text"].startswith(consent.consent_text(consent.PERSONAL_DATA, "kk").title)
    # The screen re-shown after the restart works; the one it replaced is retired:
    # a late press there gets a notice and the current screen at the bottom.
    await user.press("consent:accept", message_id=offer["message_id"], forge=True)
    assert (await user.callback_answer())["text"] == catalogue("kk", dispatcher.STALE_BUTTON)
    current = await user.reply()
    assert current["text"].startswith(consent.consent_text(consent.PERSONAL_DATA, "kk").title)
    await user.press("consent:accept")
    _receipt, menu = (r["message"] for r in await user.replies(2))
    assert menu["text"].startswith(catalogue("kk", start.MENU_TITLE))
    await second.stop()


async def test_restart_keeps_a_half_written_support_question(start_bot, person, control, settings):
    first = await start_bot()
    user = await person(language_code="ru")
    await user.send("/start")
    await user.reply()
    await user.press("support")
    await user.reply()
    await first.stop()

    await start_bot()
    await user.send("Как вернуть страховку после досрочного погашения?")
    sent = await user.reply()
    assert sent["text"].startswith("✅")
    staff = await control.messages(settings.staff_chat_id)
    assert "Как вернуть страховку после досрочного погашения?" in staff[-1]["text"]


async def test_a_redelivered_update_is_not_processed_twice(qamqor, person, control):
    user = await person(language_code="ru")
    await user.send("/start")
    await user.reply()
    await user.press("consent:accept")
    await user.replies(2)
    duplicate = user.last_update_id

    await control.redeliver(duplicate)
    # Updates of one user are handled in order: once the sentinel is answered,
    # the duplicate was seen too.
    await user.send("/mydata")
    [screen] = [e["message"] for e in await user.replies(1)]
    assert screen["text"].startswith(catalogue("ru", consent.MY_DATA_TITLE))
    assert await user.quiet_for(0.5) == []
    async with session_factory(qamqor.engine)() as session:
        count = (await session.execute(text("SELECT count(*) FROM consents"))).scalar_one()
    assert count == 1


async def test_an_unexpected_error_apologises_and_keeps_progress(qamqor, person, caplog):
    user = await person(language_code="ky")
    await user.send("/start")
    await user.reply()
    async with qamqor.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE consents RENAME TO consents_away"))
    caplog.set_level(logging.ERROR, logger="bot.dispatcher")
    await user.press("consent:accept")
    apology = await user.reply()
    assert apology["text"] == catalogue("ky", dispatcher.APOLOGY)
    assert "Traceback" not in apology["text"]
    assert any(f"update {user.last_update_id} failed" in r.getMessage() for r in caplog.records)

    async with qamqor.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE consents_away RENAME TO consents"))
    await user.press("consent:accept")
    _receipt, menu = (r["message"] for r in await user.replies(2))
    assert menu["text"].startswith(catalogue("ky", start.MENU_TITLE))


async def test_telegram_flood_control_delays_but_delivers(qamqor, person, control):
    user = await person(language_code="ru")
    await control.inject_error("sendMessage", 429, retry_after=1, count=1)
    await user.send("/start")
    offer = await user.reply(timeout=15)
    assert offer["text"].startswith(catalogue("ru", consent.OFFER_TITLE))


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_text_where_a_button_is_expected_keeps_the_screen(qamqor, person, language):
    user = await person(language_code=language)
    await user.send("/start")
    await user.reply()
    await user.send("да давай")
    hint, screen = await user.replies(2)
    assert hint["message"]["text"] == catalogue(language, dispatcher.USE_BUTTONS)
    assert screen["message"]["text"].startswith(catalogue(language, consent.OFFER_TITLE))
    assert "consent:accept" in buttons(screen["message"]).values()


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_unknown_command_says_so_and_shows_where_the_user_is(qamqor, person, language):
    user = await person(language_code=language)
    await user.send("/start")
    await user.reply()
    await user.press("consent:accept")
    await user.replies(2)
    await user.send("/buy_bitcoin")
    said, screen = await user.replies(2)
    assert said["message"]["text"] == catalogue(language, dispatcher.UNKNOWN_COMMAND)
    assert screen["message"]["text"].startswith(catalogue(language, start.MENU_TITLE))


@pytest.mark.parametrize("language", ["ky", "ru"])
async def test_too_long_and_emoji_only_questions_keep_the_question_open(qamqor, person, control, settings, language):
    user = await person(language_code=language)
    await user.send("/support")
    await user.reply()

    await user.send("ы" * 5000)
    too_long = await user.reply()
    assert too_long["text"] == catalogue(
        language, support.TOO_LONG,
        length=translator_number(language, 5000), limit=translator_number(language, support.MAX_QUESTION))

    await user.send("🙏😭🔥")
    no_words = await user.reply()
    assert no_words["text"] == catalogue(language, support.NO_WORDS)

    await user.send("Where is my policy?")
    sent = await user.reply()
    assert sent["text"].startswith("✅")
    staff = await control.messages(settings.staff_chat_id)
    assert [m for m in staff if "Where is my policy?" in (m.get("text") or "")]
    assert not [m for m in staff if "🙏😭🔥" in (m.get("text") or "")]


def translator_number(language: str, value: int) -> str:
    from bot.i18n import translator

    return translator(language).number(value)


async def test_staff_reply_reaches_the_user_in_their_language(qamqor, person, control, settings):
    user = await person(language_code="kk", first_name="Дана")
    await user.send("/support")
    await user.reply()
    await user.send("Полисім қайда?")
    await user.reply()
    staff_messages = await control.messages(settings.staff_chat_id)
    request = staff_messages[-1]
    assert "Дана" in request["text"] and "Полисім қайда?" in request["text"]

    operator = await staff_member(control, settings.staff_chat_id)
    await user._mark()
    await control.send_text(operator["id"], "Полис жіберілді, тексеріңіз.",
                            chat_id=settings.staff_chat_id, reply_to_message_id=request["message_id"])
    answer = await user.reply()
    assert answer["text"] == catalogue("kk", support.ANSWER, name="Operator", number=1,
                                       text="Полис жіберілді, тексеріңіз.")
    assert "Полис жіберілді, тексеріңіз." in answer["text"]
    assert "menu" in buttons(answer).values()


async def test_a_user_who_blocked_the_bot_is_given_up_on_and_others_are_served(qamqor, person, control, settings):
    leaving = await person(language_code="ru", first_name="Leaving")
    await leaving.send("/support")
    await leaving.reply()
    await leaving.send("Please call me back")
    await leaving.reply()
    request = (await control.messages(settings.staff_chat_id))[-1]
    staff_seq = (await control.events(settings.staff_chat_id))["last_seq"]
    await control.block(leaving.id, True)
    shown = await control.events(settings.staff_chat_id, after=staff_seq, wait=10, min_count=1)
    assert shown["events"][0]["message"]["text"] == catalogue("ru", support_customer.STAFF_BLOCKED)
    assert shown["events"][0]["message"]["reply_to_message_id"] == request["message_id"]

    operator = await staff_member(control, settings.staff_chat_id)
    staff_seq = shown["last_seq"]
    await control.send_text(operator["id"], "Calling you now", chat_id=settings.staff_chat_id,
                            reply_to_message_id=request["message_id"])
    staff_events = await control.events(settings.staff_chat_id, after=staff_seq, wait=10, min_count=2)
    assert [e["type"] for e in staff_events["events"]] == ["user_message", "bot_message"]
    other = await person(language_code="ru", first_name="Other")
    await other.send("/start")
    offer = await other.reply()
    assert offer["text"].startswith(catalogue("ru", consent.OFFER_TITLE))
    async with session_factory(qamqor.engine)() as session:
        rows = (await session.execute(text(
            "SELECT sent_at IS NOT NULL, last_error FROM outbox WHERE chat_id = :chat"), {"chat": leaving.id})).all()
    assert rows[-1][0] == 1 and rows[-1][1].startswith("forbidden")


async def test_html_characters_people_type_reach_staff_and_back_as_typed(qamqor, person, control, settings):
    user = await person(language_code="ru")
    await user.send("/support")
    await user.reply()
    await user.send("Премия <5000 & срок > 12 мес?")
    await user.reply()
    request = (await control.events(settings.staff_chat_id, wait=10, min_count=1))["events"][-1]["message"]
    assert "Премия <5000 & срок > 12 мес?" in request["text"]
    operator = await staff_member(control, settings.staff_chat_id)
    await user._mark()
    await control.send_text(operator["id"], "Да, <5000 & 12 мес.", chat_id=settings.staff_chat_id,
                            reply_to_message_id=request["message_id"])
    assert "Да, <5000 & 12 мес." in (await user.reply())["text"]
