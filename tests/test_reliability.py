"""Issue 8: nothing lost, nothing readable.

The durable inbox (redelivery, a restarted emulator reusing ids, the webhook's
`receive_update`), an outbox that never jams (429 with a long retry_after, a
poisoned row, a 5xx burst, a staff answer over 4,096 characters), crafted
input, and a dump of the database and document store after a purchase and a claim.
"""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot import dispatcher as dispatching
from bot.app import QamqorBot
from bot.conversation import MESSAGE_LIMIT, split_html
from bot.emulator import Emulator
from bot.emulator.client import EmulatorClient
from bot.i18n import translator
from handlers import consent, policies, purchase, support
from insurance.parsing import accepts, ascii_digits, parse_callback, parse_int
from storage.db import migrate, session_factory
from insurance.catalogue import get_product
from storage.models import Claim, OutgoingMessage, utcnow
from tests.chat import Person, buttons, catalogue, plain, staff_member
from tests.test_journeys_claims import JPEG, give_policy, last_year, ready, report
from tests.purchase_flow import KG_PIN, consent as consent_and_menu, fill_sakbol, open_card, share_and_sign, step
from tests.test_journeys_purchase import PHONE_KG, sign


async def open_application(user, product_code: str) -> dict:
    """The product card, then a cover option: the first application field (the loan) is asked."""
    await open_card(user, product_code)
    return await step(user, press="buy:o:death")


async def buy_sakbol_until_summary(user) -> dict:
    """From the menu to the summary (and the share-to-sign prompt: the phone is not known yet)."""
    await open_card(user, "sakbol")
    summary, _share = await fill_sakbol(user, typed_name="Айгүл Өмүрбекова")
    return summary


async def outbox_rows(qamqor: QamqorBot, chat_id: int) -> list[OutgoingMessage]:
    async with session_factory(qamqor.engine)() as session:
        return list((await session.scalars(
            select(OutgoingMessage).where(OutgoingMessage.chat_id == chat_id).order_by(OutgoingMessage.id))).all())


async def until(read, ready, timeout: float = 10.0):
    """What `read()` returns once `ready(...)` holds (the bot works concurrently)."""
    for _ in range(int(timeout / 0.05)):
        value = await read()
        if ready(value):
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"not ready: {value!r}")


async def answered(user: Person, timeout: float = 10.0) -> dict:
    """The bot's first answer to the last input: a message, an edit or a button's pop-up."""
    after = user.input_seq
    for _ in range(int(timeout)):
        page = await user.control.events(user.id, after=after, wait=1.0, min_count=1)
        for event in page["events"]:
            after = max(after, event["seq"])
            if event["type"] in ("bot_message", "bot_edit", "callback_answer"):
                user.seq = max(user.seq, after)
                return event
    raise AssertionError("the bot did not answer")


def later(seconds: float):
    """A clock `seconds` ahead: the outbox's idea of now, moved instead of sleeping."""
    return lambda: utcnow() + timedelta(seconds=seconds)


# --- the durable inbox -------------------------------------------------------------------


async def test_a_webhook_update_is_stored_then_answered_once_even_when_delivered_twice(
        start_bot, person, emulator, control):
    qamqor = await start_bot()
    # The partner API's webhook calls receive_update; here the poller is stopped so only it feeds the bot.
    for task in [t for t in qamqor._tasks if t.get_name() == "poller"]:
        task.cancel()
    user = await person(language_code="ky")
    await user.send("/start")
    body = emulator.world.history[user.last_update_id]
    await qamqor.receive_update(body)
    await qamqor.receive_update(body)  # Telegram redelivers when the 200 was lost
    offer = await user.reply()
    assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))
    assert await user.quiet_for(1.0) == []
    for bad in ({}, {"update_id": "7"}, {"update_id": True}, ["update_id", 1]):
        with pytest.raises(ValueError):
            await qamqor.receive_update(bad)  # type: ignore[arg-type]


async def test_a_restarted_emulator_reusing_update_ids_is_answered_at_once(settings, tmp_path):
    """The sandbox restarted on the same data folder: ids start again at 1 (an emulator without
    its id file, or Telegram after a week); the bot must not skip the new updates as old."""
    for language, round_ in (("kk", 1), ("kk", 2)):  # the same user id again: known, in Kazakh
        emulator = Emulator(token=settings.bot_token)
        base = await emulator.start(host="127.0.0.1", port=0)
        qamqor = QamqorBot(replace(settings, api_base_url=base))
        await qamqor.start(timeout=1)
        try:
            async with EmulatorClient(base) as control:
                user = Person(control, await control.create_user(first_name=f"U{round_}", language_code=language))
                await user.send("/start")
                assert user.last_update_id == 1
                offer = await user.reply()
                assert offer["text"].startswith(catalogue(language, consent.OFFER_TITLE))
        finally:
            await qamqor.stop()
            await emulator.stop()


async def test_an_update_a_killed_process_had_claimed_is_processed_at_once_on_restart(
        settings, person, emulator):
    user = await person(language_code="ky")
    await user.send("/start")
    qamqor = QamqorBot(settings)
    await migrate(qamqor.engine)
    await qamqor.inbox.store([emulator.world.history[user.last_update_id]])  # stored: Telegram was told
    assert len(await qamqor.inbox.claim("killed-worker")) == 1  # ...then the process died mid-update
    await qamqor.start(timeout=1, polling=False)
    try:
        offer = await user.reply()
        assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))
    finally:
        await qamqor.stop()


async def test_the_sandbox_emulator_keeps_update_ids_across_restarts(tmp_path):
    ids = []
    for _ in range(2):
        emulator = Emulator(update_id_file=tmp_path / "emulator-update-id")
        base = await emulator.start(host="127.0.0.1", port=0)
        async with EmulatorClient(base) as control:
            user = await control.create_user(first_name="A", language_code="ru")
            ids.append((await control.send_text(user["id"], "hi"))["update_id"])
        await emulator.stop()
    assert ids[1] > ids[0]


async def test_processed_inbox_rows_are_pruned_after_telegrams_week(qamqor, person):
    user = await person(language_code="ru")
    await user.send("/start")
    await user.reply()
    await until(qamqor.inbox.pending_count, lambda count: count == 0)
    assert await qamqor.inbox.prune(utcnow()) == 0
    assert await qamqor.inbox.prune(utcnow() + timedelta(days=8)) == 1  # the inbox row: it is the dedupe record
    async with session_factory(qamqor.engine)() as session:
        assert (await session.execute(text("SELECT count(*) FROM inbox"))).scalar_one() == 0


# --- an outbox that never jams -----------------------------------------------------------


async def test_flood_control_is_honoured_in_full_and_holds_back_only_that_chat(qamqor, person, control):
    first = await person(language_code="kk", first_name="First")
    await control.inject_error("sendMessage", 429, retry_after=60)
    await first.send("/start")
    other = await person(language_code="ky", first_name="Other")
    await other.send("/start")
    offer = await other.reply()  # another chat is not held back
    assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))
    [row] = await until(lambda: outbox_rows(qamqor, first.id), lambda rows: rows and rows[0].attempts >= 1)
    assert row.sent_at is None and "retry after 60" in row.last_error
    assert timedelta(seconds=59) < row.next_attempt_at - row.created_at < timedelta(seconds=62)
    await first.send("/language")  # a later message waits behind the first one, in order
    assert await first.quiet_for(0.5) == []
    assert await qamqor.dispatcher.flush_outbox(qamqor.application.bot) == 0  # not yet due: not re-sent early

    qamqor.dispatcher.clock = later(61)
    assert await qamqor.dispatcher.flush_outbox(qamqor.application.bot) == 2
    offer, language = await first.replies(2)
    assert offer["message"]["text"].startswith(catalogue("kk", consent.OFFER_TITLE))
    sends = await control.requests("sendMessage")
    assert len([r for r in sends if r["params"].get("chat_id") == first.id]) == 3  # one refused, two sent


async def test_a_poisoned_row_is_given_up_staff_are_told_and_everyone_else_is_served(
        qamqor, person, control, settings):
    user = await person(language_code="ru", first_name="Poisoned")
    await user.send("/start")
    await user.reply()
    async with session_factory(qamqor.engine)() as session:
        session.add(OutgoingMessage(chat_id=user.id, payload={
            "method": "send_document", "sha256": "f" * 64, "filename": "certificate.pdf"}))
        session.add(OutgoingMessage(chat_id=user.id, payload={"method": "send_message", "text": "after the poison"}))
        await session.commit()
    others = [await person(language_code=language, first_name=f"O{language}") for language in ("kk", "ky")]
    await qamqor.dispatcher.flush_outbox(qamqor.application.bot)
    for other in others:
        await other.send("/start")
        assert (await other.reply())["text"].startswith(catalogue(other.user["language_code"], consent.OFFER_TITLE))
    assert (await user.reply())["text"] == "after the poison"
    poisoned = [r for r in await outbox_rows(qamqor, user.id) if r.payload.get("method") == "send_document"][0]
    assert poisoned.given_up_at is not None and "FileNotFoundError" in poisoned.last_error
    staff = await control.messages(settings.staff_chat_id)
    notice = translator("ru").gettext(dispatching.UNDELIVERED_TO_STAFF, user_id=user.id, what="X", error="Y")
    assert [m for m in staff if str(user.id) in m["text"] and m["text"].startswith(plain(notice)[:25])]
    assert qamqor._background is not None and not qamqor._background.done()  # the periodic job lives on


async def test_hundreds_of_waiting_rows_of_one_chat_never_crowd_out_the_others(qamqor, person):
    async with session_factory(qamqor.engine)() as session:
        for index in range(300):  # e.g. a chat in Telegram's flood control for an hour
            session.add(OutgoingMessage(chat_id=555, payload={"method": "send_message", "text": f"{index}"},
                                        next_attempt_at=utcnow() + timedelta(hours=1), attempts=1))
        await session.commit()
    user = await person(language_code="kk")
    await user.send("/start")
    assert (await user.reply())["text"].startswith(catalogue("kk", consent.OFFER_TITLE))


async def test_a_5xx_burst_is_retried_with_backoff_and_sent_exactly_once(qamqor, person, control):
    user = await person(language_code="ky")
    await control.inject_error("sendMessage", 502, "Bad Gateway", count=3)
    await user.send("/start")
    rows = await until(lambda: outbox_rows(qamqor, user.id), lambda rows: rows and rows[0].attempts >= 1)
    assert rows[0].sent_at is None and rows[0].last_error.startswith("network")
    for hours in range(1, 10):  # each pass: the clock past the backoff, one more attempt
        qamqor.dispatcher.clock = later(3600 * hours)
        await qamqor.dispatcher.flush_outbox(qamqor.application.bot)
        if (await outbox_rows(qamqor, user.id))[0].sent_at is not None:
            break
    [row] = await outbox_rows(qamqor, user.id)
    assert row.attempts == 4 and row.given_up_at is None
    offer = await user.reply()
    assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))
    assert await user.quiet_for(0.5) == []
    assert len([m for m in await user.messages() if m.get("from_bot")]) == 1


async def test_users_answered_at_once_each_keep_their_screen_and_every_reply_is_recorded_sent(qamqor, person):
    """Issue 15: the replies of steps sending at the same time are marked sent, and their
    new screens recorded, in shared transactions: each user's next button must still edit
    their own screen, and no reply may be left to be sent again."""
    users = [await person(language_code=language) for language in ("ru", "kk", "ky") * 4]
    await asyncio.gather(*(ready(user) for user in users))
    menus = [await user.last_bot_message() for user in users]

    async def open_policies(user: Person) -> dict:
        await user.press("policies")
        return await user.reply()

    screens = await asyncio.gather(*(open_policies(user) for user in users))
    for user, menu, screen in zip(users, menus, screens):
        assert screen["message_id"] == menu["message_id"], f"user {user.id}: the menu is edited in place"
        assert catalogue(user.language, policies.NONE_YET) in screen["text"]
    for user in users:
        rows = await outbox_rows(qamqor, user.id)
        assert rows and all(row.sent_at is not None and row.in_flight_at is None for row in rows)
        assert await user.quiet_for(0.2) == [], "nothing is sent twice"


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_a_staff_answer_over_4096_characters_arrives_whole_and_staff_are_told_truthfully(
        qamqor, person, control, settings, language):
    user = await person(language_code=language, first_name="Long")
    await user.send("/support")
    await user.reply()
    await user.send("Қанша төлеймін?")
    await user.reply()
    request = (await control.events(settings.staff_chat_id, wait=10, min_count=1))["events"][-1]["message"]
    operator = await staff_member(control, settings.staff_chat_id)
    answer = " ".join(f"Пункт {i}: сақтандыру шарты & <ереже>." for i in range(200))  # ~ 8,000 characters
    staff_seq = (await control.events(settings.staff_chat_id))["last_seq"]
    await user._mark()
    await control.send_text(operator["id"], answer, chat_id=settings.staff_chat_id,
                            reply_to_message_id=request["message_id"])
    parts = await user.replies(2)
    texts = [p["message"]["text"] for p in parts]
    assert all(len(t) <= MESSAGE_LIMIT for t in texts)
    assert " ".join(" ".join(texts).split()).endswith(" ".join(answer.split()))
    assert "menu" in buttons(parts[-1]["message"]).values()
    staff = await control.events(settings.staff_chat_id, after=staff_seq, wait=10, min_count=2)
    told = [e["message"]["text"] for e in staff["events"] if e["type"] == "bot_message"]
    staff_t = translator(settings.staff_language)
    assert told == [plain(staff_t.ngettext(
        "✓ Delivered to the client in %(n)s part (request No. %(number)s): the answer was longer than "
        "one Telegram message.",
        "✓ Delivered to the client in %(n)s parts (request No. %(number)s): the answer was longer than "
        "one Telegram message.", 2, number=1))]


def test_split_html_keeps_tags_balanced_and_every_word():
    text = "<b>Title</b>\n\n" + " ".join(f"w{i}&amp;" for i in range(2000))
    parts = split_html(text, limit=500)
    assert len(parts) > 10
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())
    assert split_html("short") == ["short"]
    assert split_html("x" * 1200, limit=500) == ["x" * 500, "x" * 500, "x" * 200]


async def test_sent_payloads_are_purged_after_the_retention_and_pending_ones_kept(qamqor, person, control):
    user = await person(language_code="ru")
    await user.send("/start")
    await user.reply()
    # The consent receipt and the menu that follow wait behind a 429 of an hour.
    await control.inject_error("sendMessage", 429, retry_after=3600)
    await user.press("consent:accept")
    rows = await until(lambda: outbox_rows(qamqor, user.id),
                       lambda rows: any(r.sent_at is None and r.attempts >= 1 for r in rows))
    sent_before = [r.id for r in rows if r.sent_at is not None]
    assert sent_before, "the consent offer was sent"
    assert await qamqor.dispatcher.purge_sent_payloads(utcnow() + timedelta(hours=23)) == 0
    assert await qamqor.dispatcher.purge_sent_payloads(utcnow() + timedelta(hours=25)) == len(sent_before)
    rows = await outbox_rows(qamqor, user.id)
    sent = [r for r in rows if r.id in sent_before]
    waiting = [r for r in rows if r.sent_at is None]
    assert all(r.payload["purged"] is True and r.purged_at is not None and "text" not in r.payload for r in sent)
    assert waiting and all("text" in r.payload for r in waiting)


# --- crafted input -----------------------------------------------------------------------


def test_one_parser_for_numbers_and_button_data():
    for crafted in ("²", "1²", "١٢", "１２", "", "-1", "1.0", "9" * 40):
        assert parse_int(crafted) is None
    assert parse_int("012") == 12 and parse_int("7", maximum=6) is None
    assert ascii_digits("123") and not ascii_digits("12³")
    pressed = parse_callback("buy:a:0:yes:extra")
    assert (pressed.prefix, pressed.action, pressed.args) == ("buy", "a", ("0", "yes", "extra"))
    assert parse_callback(None).action == "" and parse_callback("docs:c:²").int_arg(0) is None

    async def two(turn, index="", answer=""):
        return None

    assert accepts(two, object(), "0", "yes") and not accepts(two, object(), "0", "yes", "extra")


@pytest.mark.parametrize("language", ["kk", "ky"])
async def test_forged_buttons_and_unicode_digits_get_a_screen_never_the_apology(
        qamqor, person, language, caplog):
    user = await person(language_code=language)
    await consent_and_menu(user)
    apology = catalogue(language, dispatching.APOLOGY)
    for data in ("buy:a:0:no:extra:parts", "buy:p:sakbol:x:y", "claim:g:1:2:3", "claim:p:²", "claims:¹",
                 "docs:c:²", "docs:i:²:x", "policies:¹", "buy:v:document_issuer:²", "buy:read:²", "lang:kk:x",
                 "consent:accept:x", "buy:a:²:yes", "buy:" + ":" * 50):
        await user.press(data, forge=True)
        event = await answered(user)
        assert (event.get("message") or {}).get("text") != apology and event.get("text") != apology, data
    assert "failed" not in caplog.text


@pytest.mark.parametrize("language", ["ky", "ru"])
async def test_superscript_digits_in_a_typed_term_get_the_fields_normal_error(qamqor, person, language):
    user = await person(language_code=language)
    await consent_and_menu(user)
    await open_application(user, "sakbol")
    await user.send("100000")
    await user.reply()
    for typed in ("1²", "²", "١٢", "²3"):
        await user.send(typed)
        error, question = await user.replies(2)  # the field's error, and the field asked again
        assert error["message"]["text"].startswith(
            catalogue(language, purchase.FIELD_ERRORS["term_format"])[:20]), typed


async def test_paid_with_superscript_digits_in_the_staff_chat_is_answered_with_usage(
        qamqor, control, settings):
    operator = await staff_member(control, settings.staff_chat_id)
    seq = (await control.events(settings.staff_chat_id))["last_seq"]
    await control.send_text(operator["id"], "/paid ²³", chat_id=settings.staff_chat_id)
    events = await control.events(settings.staff_chat_id, after=seq, wait=10, min_count=2)
    said = [e["message"]["text"] for e in events["events"] if e["type"] == "bot_message"]
    assert said == [plain(translator(settings.staff_language).gettext(purchase.STAFF_PAID_USAGE))]


async def test_a_forged_press_on_the_pdf_message_leaves_the_user_with_a_screen(qamqor, person, control):
    user = await person(language_code="ru")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    document, _sign, _code = await share_and_sign(user, control, PHONE_KG)
    await user.press("buy:summary", message_id=document["message_id"], forge=True)
    screen = await user.reply()
    assert screen.get("document") is None and screen["text"] and buttons(screen)
    pdf = [m for m in await user.messages() if m["message_id"] == document["message_id"]][0]
    assert pdf.get("document") and pdf["edit_date"] is None  # the PDF stays as it was


# --- nothing readable --------------------------------------------------------------------


async def test_a_dump_of_the_database_and_documents_reveals_no_personal_data(qamqor, person, control, settings):
    user = await person(language_code="ky", first_name="Айгүл")
    await consent_and_menu(user)
    await buy_sakbol_until_summary(user)
    code_page = await control.sms(wait=0)
    _signed, _pay, invoice = await sign(user, control)
    code = (await control.sms(after=code_page["last_seq"], wait=0))["messages"][-1]["text"]
    code = next(word for word in code.replace(".", " ").split() if len(word) == 6 and word.isdigit())
    await control.pay(user.id, invoice["message_id"])
    await user.replies(2)
    start, end = last_year()
    policy_id, _number = await give_policy(qamqor, user.id, "sakbol", start=start, end=end)
    await report(user, policy_id, "injury", phone="+996 700 987 654")
    await user.press("claim:register")
    await user.reply()
    async with session_factory(qamqor.engine)() as session:
        claim_id = (await session.scalars(select(Claim.id).where(Claim.user_id == user.id))).one()
    item = get_product("sakbol").event_type("injury").checklist[0]
    await user.press(f"docs:c:{claim_id}")
    await user.reply()
    await user.press(f"docs:i:{claim_id}:{item.code}")
    await user.reply()
    await user.upload("document", "passport.pdf", b"%PDF-1.4 passport ID 1234567 PIN " + KG_PIN.encode(),
                      "application/pdf")
    await user.reply()
    await qamqor.dispatcher.purge_sent_payloads()

    secrets = {
        "Kyrgyz personal number": KG_PIN, "passport number": "1234567", "phone": "555123456",
        "claim phone": "700987654", "address": "Чүй проспектиси", "signing code": code,
    }
    data_dir = settings.data_dir
    database = data_dir / "qamqor.sqlite3"
    files = [p for p in data_dir.rglob("*") if p.is_file() and p.name not in ("data.key",)]
    documents = [p for p in (data_dir / "documents").rglob("*") if p.is_file()]
    assert len(documents) >= 3  # the application form, the certificate, the uploaded scan
    for path in files:
        content = path.read_bytes()
        flat = content.replace(b" ", b"")
        for what, value in secrets.items():
            assert value.encode() not in content and value.replace(" ", "").encode() not in flat, (what, path)
        if path in documents:
            assert not content.startswith(b"%PDF") and not content.startswith(b"\xff\xd8")
    for path in [database, data_dir / "data.key", *documents]:
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, path
    # ...and the bot still reads all of it back.
    for path in documents:
        assert qamqor.documents.get(path.name)[:4] in (b"%PDF", b"\xff\xd8\xff\xe0")


# --- the command line --------------------------------------------------------------------


def cli(tmp_path, *args: str, **env: str):
    import subprocess
    import sys
    from pathlib import Path

    environ = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    environ.update(PYTHONPATH=str(Path(__file__).resolve().parents[1]), QAMQOR_DATA_DIR=str(tmp_path / "data"),
                   **env)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=environ,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [
    ("quote", "--product", "sakbol", "--loan-amount", "1e30", "--term-months", "12"),
    ("quote", "--product", "sakbol", "--loan-amount", "100000", "--term-months", "1²"),
    ("quote", "--product", "sakbol", "--loan-amount", "100000", "--term-months", "600"),
    ("quote", "--product", "nomad_life", "--loan-amount", "١٠٠٠٠٠", "--term-months", "12"),
    ("quote", "--product", "sakbol"),
    ("claims", "list"),
    ("claims", "export", "CLM-2026-000001"),
    ("rekey",),
    ("no-such-command",),
])
def test_a_bad_argument_or_a_mistyped_data_folder_is_one_line_and_a_non_zero_exit(tmp_path, args):
    result = cli(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("qamqor: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "qamqor.sqlite3").exists()  # a typo never makes an empty database


def test_claims_export_with_a_bad_output_or_a_missing_document_file_is_one_line(tmp_path):
    assert cli(tmp_path, "migrate").returncode == 0
    for output, expected in ((tmp_path, "is a folder"), (tmp_path / "nowhere" / "x.zip", "does not exist")):
        result = cli(tmp_path, "claims", "export", "CLM-2026-000001", "--output", str(output))
        assert result.returncode == 2 and expected in result.stderr and result.stderr.count("\n") == 1
    result = cli(tmp_path, "claims", "export", "CLM-2026-000001", "--output", str(tmp_path / "x.zip"))
    assert result.returncode == 2 and "no claim" in result.stderr


async def test_export_names_a_document_missing_from_the_store(qamqor, person, settings, tmp_path):
    from bot.claims_cli import MissingDocument, export_claim

    user = await person(language_code="ru")
    await user.send("/start")
    await user.reply()
    start, end = last_year()
    policy_id, _ = await give_policy(qamqor, user.id, "sakbol", start=start, end=end)
    async with session_factory(qamqor.engine)() as session:
        from storage.models import Claim as ClaimRow, ClaimDocument

        claim = ClaimRow(number="CLM-2026-000077", user_id=user.id, policy_id=policy_id, product_code="sakbol",
                         reporter_relation="self", event_type="injury", event_date=start, description="x",
                         contact_phone="+996555123456", reporting_deadline=end)
        session.add(claim)
        await session.flush()
        item = get_product("sakbol").event_type("injury").checklist[0].code
        session.add(ClaimDocument(claim_id=claim.id, item_code=item, sha256="e" * 64, kind="pdf", size=1))
        await session.commit()
    with pytest.raises(MissingDocument, match="cannot be read"):
        await export_claim(settings, "CLM-2026-000077")
