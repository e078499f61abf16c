"""Tests of the Telegram emulator, driven through python-telegram-bot's real request stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import struct
import warnings
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LabeledPrice,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from bot.emulator import Emulator, EmulatorClient, EmulatorError
from bot.emulator.models import SMS, UPDATES, Signal, chat_topic

TOKEN = "123456:SANDBOX"
JSON = dict[str, Any]


def make_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in pairs]
    )


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(TOKEN, pre_checkout_timeout=5.0, webhook_backoff=0.05, webhook_timeout=5.0)
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.base_url) as control:
        yield control


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN, base_url=emulator.bot_api_base_url, base_file_url=emulator.file_base_url
    ) as telegram_bot:
        yield telegram_bot


@pytest.fixture
async def user(client: EmulatorClient) -> JSON:
    return await client.create_user("Aruzhan", "Bekova", "aru", "kk")


def build_application(emulator: Emulator) -> Application:
    return (
        Application.builder()
        .token(TOKEN)
        .base_url(emulator.bot_api_base_url)
        .base_file_url(emulator.file_base_url)
        .build()
    )


async def wait_for_event(
    client: EmulatorClient, chat_id: int, event_type: str, after: int = 0, timeout: float = 5.0
) -> JSON:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        answer = await client.events(chat_id, after=after, wait=remaining)
        for event in answer["events"]:
            if event["type"] == event_type:
                return event
        after = answer["last_seq"]
    raise AssertionError(f"no {event_type} event in chat {chat_id} within {timeout} s")


# Bot identity, routing and errors


async def test_get_me_shape(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        7000000001,
        True,
        "Qamqor",
        "qamqor_bot",
    )
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False


async def test_wrong_token_is_unauthorized(emulator: Emulator) -> None:
    stranger = Bot("999:WRONG", base_url=emulator.bot_api_base_url)
    with pytest.raises(InvalidToken):
        await stranger.get_me()
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{emulator.bot_api_base_url}999:WRONG/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_and_case_insensitive_names(bot: Bot, emulator: Emulator) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    async with httpx.AsyncClient() as http:
        missing = await http.post(f"{emulator.bot_api_base_url}{TOKEN}/fooBar")
        upper = await http.get(f"{emulator.bot_api_base_url}{TOKEN}/GETME")
        as_json = await http.post(
            f"{emulator.bot_api_base_url}{TOKEN}/getChat", json={"chat_id": 12345}
        )
    assert missing.status_code == 404
    assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert upper.json()["result"]["username"] == "qamqor_bot"
    assert as_json.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }


async def test_send_message_errors(bot: Bot, user: JSON) -> None:
    chat_id = user["id"]
    cases = {
        "": "Message text is empty",
        "   ": "Message text is empty",
        "x" * 4097: "Message is too long",
    }
    for text, expected in cases.items():
        with pytest.raises(BadRequest) as raised:
            await bot.send_message(chat_id, text)
        assert raised.value.message == expected
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hello")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(chat_id, "pick", reply_markup=keyboard(("A", "x" * 65)))
    assert (await bot.send_message(chat_id, "x" * 4096)).text == "x" * 4096


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("line<br>break", 'unsupported start tag "br"'),
        ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b>bold</i>", 'expected "</b>", found "</i>"'),
        ("1 < 2", 'unsupported start tag ""'),
        ("Tom & Jerry", "character '&'"),
        ("<span>x</span>", 'tag "span" must have class "tg-spoiler"'),
        ("</b>", "unexpected end tag"),
    ],
)
async def test_html_parse_errors(bot: Bot, user: JSON, html: str, fragment: str) -> None:
    with pytest.raises(BadRequest) as raised:
        await bot.send_message(user["id"], html, parse_mode=ParseMode.HTML)
    assert raised.value.message.startswith("Can't parse entities: ")
    assert fragment in raised.value.message.lower()


async def test_html_entities_and_offsets(bot: Bot, user: JSON) -> None:
    text = (
        "  <b>Сақтандыру</b> 🚗 <i>ок</i> &lt;1&gt; &amp; &quot;q&quot; "
        '<a href="https://qamqor.kz/?a=1&amp;b=2">link</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> <blockquote>q</blockquote>\n'
    )
    message = await bot.send_message(user["id"], text, parse_mode=ParseMode.HTML)
    assert message.text == 'Сақтандыру 🚗 ок <1> & "q" link x = 1 st q'
    kinds = {entity.type: entity for entity in message.entities}
    assert kinds["bold"].offset == 0 and kinds["bold"].length == 10
    assert kinds["italic"].offset == 14  # the emoji counts as two UTF-16 units
    assert kinds["text_link"].url == "https://qamqor.kz/?a=1&b=2"
    assert kinds["pre"].language == "python"
    assert "spoiler" in kinds and "blockquote" in kinds
    assert message.text_html.startswith("<b>Сақтандыру</b> 🚗 <i>ок</i> &lt;1&gt;")


async def test_blocked_user_gets_forbidden_and_my_chat_member(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    blocked = await client.block(user["id"])
    assert blocked["blocked"] is True and blocked["update_id"] is not None
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "hello")
    with pytest.raises(EmulatorError) as raised:
        await client.send_text(user["id"], "hi")
    assert raised.value.status == 409
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    await client.block(user["id"], blocked=False)
    assert (await bot.send_message(user["id"], "welcome back")).text == "welcome back"


async def test_injected_errors_map_to_ptb_exceptions(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    await client.inject_error("sendMessage", 429, retry_after=3, count=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(user["id"], "spam")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert raised.value.retry_after in (3, dtm.timedelta(seconds=3))
    assert (await bot.send_message(user["id"], "finally")).text == "finally"

    await client.inject_error("SENDMESSAGE", 400, description="Bad Request: custom failure")
    with pytest.raises(BadRequest, match="Custom failure"):
        await bot.send_message(user["id"], "x")
    await client.inject_error("getUpdates", 409)
    with pytest.raises(Conflict):
        await bot.get_updates()
    await client.inject_error("sendMessage", 403)
    with pytest.raises(Forbidden):
        await bot.send_message(user["id"], "x")

    log = await client.requests(method="sendMessage")
    assert [entry["status"] for entry in log] == [429, 429, 200, 400, 403]
    assert log[2]["params"]["chat_id"] == user["id"]


# Messages: send, edit, delete, snapshots


async def test_send_edit_delete_and_snapshots(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    chat_id = user["id"]
    markup = keyboard(("Yes", "yes"), ("No", "no"))
    sent = await bot.send_message(
        chat_id, "<b>Confirm?</b>", parse_mode="HTML", reply_markup=markup
    )
    assert (
        sent.from_user.id == 7000000001 and sent.chat.id == chat_id and sent.chat.type == "private"
    )
    assert sent.reply_markup == markup
    assert isinstance(sent.date, dtm.datetime)

    edited = await bot.edit_message_text("Confirmed", chat_id, sent.message_id, reply_markup=markup)
    assert edited.text == "Confirmed" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Confirmed", chat_id, sent.message_id, reply_markup=markup)
    stripped = await bot.edit_message_reply_markup(chat_id, sent.message_id, reply_markup=None)
    assert stripped.reply_markup is None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(chat_id, sent.message_id)

    reply = await bot.send_message(chat_id, "a reply", reply_to_message_id=sent.message_id)
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == sent.message_id
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(chat_id, "x", reply_to_message_id=999)

    assert await bot.delete_message(chat_id, reply.message_id) is True
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("gone", chat_id, reply.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(chat_id, reply.message_id)

    events = (await client.events(chat_id))["events"]
    assert [event["type"] for event in events] == [
        "bot_message",
        "bot_edit",
        "bot_edit",
        "bot_message",
        "bot_delete",
    ]
    assert events[0]["message"]["entities"] == [{"type": "bold", "offset": 0, "length": 8}]
    assert events[0]["message"]["parse_mode"] == "HTML"
    assert events[1]["message"]["text"] == "Confirmed"
    assert events[2]["message"]["reply_markup"] is None
    assert events[3]["message"]["reply_to_message_id"] == sent.message_id
    assert [event["seq"] for event in events] == sorted(event["seq"] for event in events)

    messages = await client.messages(chat_id)
    assert [message["message_id"] for message in messages] == [sent.message_id]
    assert messages[0]["text"] == "Confirmed" and messages[0]["from_bot"] is True


async def test_reply_keyboard_is_tracked_per_chat(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    share = ReplyKeyboardMarkup([[KeyboardButton("Share phone", request_contact=True)]])
    message = await bot.send_message(user["id"], "Your phone?", reply_markup=share)
    assert message.reply_markup is None  # Telegram returns only inline keyboards
    chat = await client.chat(user["id"])
    assert chat["reply_keyboard"]["keyboard"][0][0]["request_contact"] is True


async def test_chat_action_get_chat_and_bot_texts(bot: Bot, user: JSON) -> None:
    assert await bot.send_chat_action(user["id"], "typing") is True
    with pytest.raises(BadRequest):
        await bot.send_chat_action(user["id"], "dancing")
    chat = await bot.get_chat(user["id"])
    assert chat.first_name == "Aruzhan" and chat.username == "aru" and chat.type == "private"
    assert await bot.set_my_description("Сақтандыру көмекшісі", language_code="kk")
    assert (await bot.get_my_description("kk")).description == "Сақтандыру көмекшісі"
    assert (await bot.get_my_description("ru")).description == ""
    assert (await bot.get_my_name()).name == "Qamqor"


# Updates: polling, offsets, webhook conflict, redelivery


async def test_get_updates_long_poll_and_offset(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    assert await bot.get_updates(timeout=0) == ()

    async def send_later() -> None:
        await asyncio.sleep(0.3)
        await client.send_text(user["id"], "/start promo_42")

    loop = asyncio.get_running_loop()
    started = loop.time()
    sender = asyncio.create_task(send_later())
    updates = await bot.get_updates(timeout=10)
    await sender
    assert 0.2 < loop.time() - started < 5
    message = updates[0].message
    assert message.text == "/start promo_42"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6
    assert message.from_user.language_code == "kk"
    assert message.chat.id == user["id"]

    again = await bot.get_updates(offset=updates[0].update_id, timeout=0)
    assert [update.update_id for update in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    state = await client.pending_updates()
    assert state == {
        "pending": [],
        "last_confirmed_update_id": updates[0].update_id,
        "dropped_update_ids": [],
    }


async def test_allowed_updates_filter(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    sent = await bot.send_message(user["id"], "pick", reply_markup=keyboard(("A", "a")))
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert (await client.send_text(user["id"], "ignored"))["update_id"] is None
    pressed = await client.press(user["id"], sent.message_id, "a")
    updates = await bot.get_updates(timeout=0)
    assert [update.update_id for update in updates] == [pressed["update_id"]]
    await bot.get_updates(timeout=0, allowed_updates=[])


async def test_second_poller_conflicts_first(emulator: Emulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(TOKEN, base_url=emulator.bot_api_base_url) as second_instance:
        second = await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first
    assert second == ()


async def test_webhook_blocks_get_updates(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    with pytest.raises(BadRequest, match="Bad webhook"):
        await bot.set_webhook("https://example.com/hook")
    await client.send_text(user["id"], "queued")
    port = free_port()
    assert await bot.set_webhook(f"http://127.0.0.1:{port}/hook", drop_pending_updates=True)
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    assert info.url == f"http://127.0.0.1:{port}/hook" and info.has_custom_certificate is False
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()
    assert (await client.pending_updates())["dropped_update_ids"] == [1]


async def test_redelivery_repeats_the_same_update(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    first = await client.send_text(user["id"], "/start")
    second = await client.send_text(user["id"], "hello")
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    await client.redeliver(first["update_id"])
    with pytest.raises(EmulatorError) as raised:
        await client.redeliver(first["update_id"])
    assert raised.value.status == 409
    redelivered = await bot.get_updates(offset=second["update_id"] + 1, timeout=0)
    assert [update.update_id for update in redelivered] == [first["update_id"]]
    assert redelivered[0].message.text == "/start"
    assert redelivered[0].to_dict() == updates[0].to_dict()
    assert await bot.get_updates(offset=second["update_id"] + 1, timeout=0) == ()
    with pytest.raises(EmulatorError) as missing:
        await client.redeliver(999)
    assert missing.value.status == 404


# Callback buttons


async def test_press_answer_and_forgery(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    sent = await bot.send_message(
        user["id"], "Policy?", reply_markup=keyboard(("OSAGO", "p:osago"))
    )
    with pytest.raises(EmulatorError) as raised:
        await client.press(user["id"], sent.message_id, "p:admin")
    assert raised.value.status == 400 and "p:osago" in raised.value.description

    real = await client.press(user["id"], sent.message_id, "p:osago")
    forged = await client.press(user["id"], sent.message_id, "p:admin", forge=True)
    updates = await bot.get_updates(timeout=0)
    queries = [update.callback_query for update in updates]
    assert [query.data for query in queries] == ["p:osago", "p:admin"]
    assert (
        queries[0].id == real["callback_query_id"] and queries[1].id == forged["callback_query_id"]
    )
    assert queries[0].message.message_id == sent.message_id
    assert queries[0].from_user.id == user["id"]

    assert await queries[0].answer("Saved", show_alert=True)
    with pytest.raises(BadRequest, match="Query is too old"):
        await queries[0].answer()
    answer = await wait_for_event(client, user["id"], "callback_answer")
    assert answer["text"] == "Saved" and answer["show_alert"] is True
    assert answer["callback_query_id"] == real["callback_query_id"]
    presses = [e for e in (await client.events(user["id"]))["events"] if e["type"] == "user_press"]
    assert [press["forged"] for press in presses] == [False, True]


# Files in both directions


async def test_user_files_reach_the_bot(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    pdf = b"%PDF-1.4 policy scan" * 100
    png = make_png(640, 480)
    doc = await client.upload(
        user["id"], "document", "полис.pdf", pdf, "application/pdf", caption="my policy"
    )
    photo = await client.upload(
        user["id"], "photo", "car.png", png, "image/png", media_group_id="g1"
    )
    assert doc["message"]["document"]["file_size"] == len(pdf)
    assert photo["message"]["photo"]["width"] == 640

    updates = await bot.get_updates(timeout=0)
    document = updates[0].message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "полис.pdf",
        "application/pdf",
        len(pdf),
    )
    assert updates[0].message.caption == "my policy"
    file = await bot.get_file(document.file_id)
    assert file.file_size == len(pdf)
    assert bytes(await file.download_as_bytearray()) == pdf

    sizes = updates[1].message.photo
    assert updates[1].message.media_group_id == "g1"
    assert len(sizes) == 2 and sizes[-1].width == 640 and sizes[0].width == 320
    largest = await bot.get_file(sizes[-1].file_id)
    assert bytes(await largest.download_as_bytearray()) == png
    assert await client.download(doc["message"]["document"]["file_id"]) == pdf

    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{client.base_url}/control/upload",
            json={
                "user_id": user["id"],
                "kind": "document",
                "filename": "a.txt",
                "mime_type": "text/plain",
                "content_base64": "aGVsbG8=",
            },
        )
    as_json = response.json()
    assert as_json["message"]["document"]["file_size"] == 5


async def test_bot_files_reach_the_user(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    content = "Полис №1\n".encode() * 50
    sent = await bot.send_document(
        user["id"], content, filename="policy.txt", caption="<b>Your</b> policy", parse_mode="HTML"
    )
    assert sent.document.file_name == "policy.txt" and sent.document.file_size == len(content)
    assert sent.caption == "Your policy" and sent.caption_entities[0].type == "bold"
    event = await wait_for_event(client, user["id"], "bot_message")
    assert event["message"]["document"]["url"].endswith(sent.document.file_id)
    assert await client.download(sent.document.file_id) == content
    async with httpx.AsyncClient() as http:
        assert (await http.get(event["message"]["document"]["url"])).content == content

    again = await bot.send_document(user["id"], sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content

    png = make_png(100, 50)
    photo = await bot.send_photo(user["id"], png, caption="car")
    assert photo.photo[-1].width == 100 and photo.photo[-1].file_size == len(png)
    resent = await bot.send_photo(user["id"], photo.photo[-1].file_id)
    assert resent.photo[-1].file_id == photo.photo[-1].file_id
    with pytest.raises(BadRequest, match="Can't use file of type"):
        await bot.send_photo(user["id"], sent.document.file_id)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(user["id"], "no-such-file")
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(user["id"], b"not an image")

    edited = await bot.edit_message_caption(user["id"], photo.message_id, caption="new caption")
    assert edited.caption == "new caption"
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        await bot.edit_message_caption(
            user["id"], (await bot.send_message(user["id"], "t")).message_id, caption="c"
        )


# Commands


async def test_commands_per_scope_and_language(bot: Bot, client: EmulatorClient) -> None:
    assert await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    assert await bot.set_my_commands([("start", "Бастау")], language_code="kk")
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="kk")] == ["Бастау"]
    assert await bot.get_my_commands(language_code="ky") == ()

    assert await client.commands("kk") == [{"command": "start", "description": "Бастау"}]
    assert [c["command"] for c in await client.commands("ky")] == ["start", "help"]
    assert await client.commands(scope="all_group_chats") == []

    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Start!", "bad")])
    assert await bot.delete_my_commands(language_code="kk")
    assert [c["command"] for c in await client.commands("kk")] == ["start", "help"]


# Contacts and groups


async def test_contacts(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    stranger = await client.create_user("Bolat")
    own = await client.share_contact(user["id"], "+77011234567")
    theirs = await client.share_contact(user["id"], "77017654321", contact_user_id=stranger["id"])
    nobody = await client.share_contact(user["id"], "+996555000111", "Aibek", contact_user_id=None)
    assert own["message"]["contact"]["user_id"] == user["id"]
    updates = await bot.get_updates(timeout=0)
    contacts = [update.message.contact for update in updates]
    assert (contacts[0].phone_number, contacts[0].first_name, contacts[0].user_id) == (
        "+77011234567",
        "Aruzhan",
        user["id"],
    )
    assert contacts[1].user_id == stranger["id"] and contacts[1].first_name == "Bolat"
    assert contacts[2].user_id is None and contacts[2].first_name == "Aibek"
    assert theirs["update_id"] and nobody["update_id"]


async def test_group_chat_replies_and_privacy_mode(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    group = await client.create_group("Qamqor staff")
    assert group["id"] < 0 and group["type"] == "group"
    claim = await bot.send_message(group["id"], "New claim #17")
    assert claim.chat.title == "Qamqor staff"

    reply = await client.send_text(
        user["id"], "Approved", chat_id=group["id"], reply_to_message_id=claim.message_id
    )
    chatter = await client.send_text(user["id"], "lunch?", chat_id=group["id"])
    assert chatter["update_id"] is None  # privacy mode: not a command, reply or mention
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1
    message = updates[0].message
    assert message.chat.id == group["id"] and message.chat.type == "group"
    assert message.reply_to_message.message_id == claim.message_id
    assert message.reply_to_message.text == "New claim #17"
    assert reply["message"]["reply_to_message_id"] == claim.message_id

    admin_group = await client.create_group("Admins", bot_is_admin=True)
    assert (await client.send_text(user["id"], "hi all", chat_id=admin_group["id"]))["update_id"]


# Payments


async def test_pay_flow(emulator: Emulator, bot: Bot, client: EmulatorClient, user: JSON) -> None:
    invoice_message = await bot.send_invoice(
        user["id"],
        "OSAGO",
        "Policy for 1 year",
        "policy:17",
        "KZT",
        [LabeledPrice("Premium", 1_500_000)],
        provider_token="TEST:provider",
    )
    assert invoice_message.invoice.total_amount == 1_500_000
    assert invoice_message.invoice.currency == "KZT"
    event = await wait_for_event(client, user["id"], "invoice")
    assert event["message"]["invoice"]["payload"] == "policy:17"

    paying = asyncio.create_task(client.pay(user["id"], invoice_message.message_id))
    updates = await bot.get_updates(timeout=5)
    query = updates[0].pre_checkout_query
    assert (query.currency, query.total_amount, query.invoice_payload) == (
        "KZT",
        1_500_000,
        "policy:17",
    )
    assert query.from_user.id == user["id"]
    assert await query.answer(ok=True)
    result = await paying
    assert result["ok"] is True
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
    payment = updates[0].message.successful_payment
    assert payment.invoice_payload == "policy:17" and payment.total_amount == 1_500_000
    assert payment.telegram_payment_charge_id and payment.provider_payment_charge_id
    assert result["message"]["successful_payment"]["invoice_payload"] == "policy:17"
    with pytest.raises(EmulatorError) as raised:
        await client.pay(user["id"], invoice_message.message_id)
    assert raised.value.status == 409

    second = await bot.send_invoice(
        user["id"],
        "KASKO",
        "Full cover",
        "policy:18",
        "KZT",
        [LabeledPrice("Premium", 100_000)],
        provider_token="TEST:provider",
    )
    paying = asyncio.create_task(client.pay(user["id"], second.message_id))
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=5)
    await updates[0].pre_checkout_query.answer(ok=False, error_message="Policy already sold")
    declined = await paying
    assert declined == {
        "pre_checkout_query_id": updates[0].pre_checkout_query.id,
        "ok": False,
        "error_message": "Policy already sold",
        "timed_out": False,
    }
    with pytest.raises(BadRequest, match="Payment_provider_invalid"):
        await bot.send_invoice(user["id"], "T", "D", "p", "KZT", [LabeledPrice("x", 100)])


# PTB Application round trips


async def test_application_polling_round_trip(
    emulator: Emulator, client: EmulatorClient, user: JSON
) -> None:
    application = build_application(emulator)

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        payload = " ".join(context.args or [])
        await update.message.reply_html(
            f"<b>Сәлем</b>, {update.message.from_user.first_name}! payload={payload}",
            reply_markup=keyboard(("Continue", "continue")),
        )

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("OK")
        await query.edit_message_text(f"You chose {query.data}")

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        file = await update.message.document.get_file()
        data = await file.download_as_bytearray()
        await update.message.reply_text(f"got {len(data)} bytes")

    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(MessageHandler(filters.Document.ALL, document))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            sent = await client.send_text(user["id"], "/start abc")
            greeting = await wait_for_event(client, user["id"], "bot_message")
            assert greeting["message"]["text"] == "Сәлем, Aruzhan! payload=abc"
            assert greeting["message"]["reply_to_message_id"] is None

            await client.press(user["id"], greeting["message"]["message_id"], "continue")
            answer = await wait_for_event(client, user["id"], "callback_answer", greeting["seq"])
            assert answer["text"] == "OK"
            edit = await wait_for_event(client, user["id"], "bot_edit", answer["seq"])
            assert edit["message"]["text"] == "You chose continue"
            assert edit["message"]["reply_markup"] is None

            await client.upload(
                user["id"], "document", "a.bin", b"\x00" * 1234, "application/octet-stream"
            )
            reply = await wait_for_event(client, user["id"], "bot_message", edit["seq"])
            assert reply["message"]["text"] == "got 1234 bytes"
        finally:
            await application.updater.stop()
            await application.stop()
    state = await client.pending_updates()
    assert state["pending"] == [] and state["last_confirmed_update_id"] >= sent["update_id"]


async def test_application_webhook_round_trip(
    emulator: Emulator, client: EmulatorClient, user: JSON
) -> None:
    application = build_application(emulator)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text.upper())

    async def checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.pre_checkout_query is not None
        await update.pre_checkout_query.answer(ok=True)

    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(PreCheckoutQueryHandler(checkout))
    port = free_port()
    async with application:
        await application.start()
        await application.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret-Token_1",
        )
        try:
            await client.send_text(user["id"], "salem")
            await client.send_text(user["id"], "qalaisyz")
            first = await wait_for_event(client, user["id"], "bot_message")
            second = await wait_for_event(client, user["id"], "bot_message", first["seq"])
            assert [first["message"]["text"], second["message"]["text"]] == ["SALEM", "QALAISYZ"]

            invoice = await application.bot.send_invoice(
                user["id"],
                "OSAGO",
                "1 year",
                "policy:1",
                "KZT",
                [LabeledPrice("Premium", 500_000)],
                provider_token="TEST:provider",
            )
            assert (await client.pay(user["id"], invoice.message_id))["ok"] is True
            info = await application.bot.get_webhook_info()
            assert info.url == f"http://127.0.0.1:{port}/hook" and info.last_error_date is None
        finally:
            await application.updater.stop()
            await application.stop()


async def test_webhook_delivery_order_secret_and_bounded_retries(
    bot: Bot, client: EmulatorClient, user: JSON
) -> None:
    received: list[tuple[str | None, int]] = []
    statuses = iter([500])

    async def hook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body["update_id"]))
        return web.Response(status=next(statuses, 200))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="abc")
        ids = [(await client.send_text(user["id"], f"m{i}"))["update_id"] for i in range(3)]
        for _ in range(100):
            if (await client.pending_updates())["last_confirmed_update_id"] == ids[-1]:
                break
            await asyncio.sleep(0.05)
        assert received == [("abc", ids[0]), ("abc", ids[0]), ("abc", ids[1]), ("abc", ids[2])]
        assert (await bot.get_webhook_info()).last_error_message.startswith("Wrong response")
    finally:
        await runner.cleanup()

    dead = free_port()
    await bot.set_webhook(f"http://127.0.0.1:{dead}/hook")
    lost = (await client.send_text(user["id"], "lost"))["update_id"]
    for _ in range(100):
        if lost in (await client.pending_updates())["dropped_update_ids"]:
            break
        await asyncio.sleep(0.05)
    assert lost in (await client.pending_updates())["dropped_update_ids"]
    assert (await bot.get_webhook_info()).last_error_message is not None


# Lifecycle and control API details


async def test_stop_wakes_long_polls_without_hanging() -> None:
    emulator = Emulator(TOKEN)
    await emulator.start()
    telegram_bot = Bot(TOKEN, base_url=emulator.bot_api_base_url)
    await telegram_bot.initialize()
    control = EmulatorClient(emulator.base_url)
    user = await control.create_user("Dana")
    poll = asyncio.create_task(telegram_bot.get_updates(timeout=60))
    watch = asyncio.create_task(control.events(user["id"], wait=60))
    await asyncio.sleep(0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.wait_for(emulator.stop(), 10)
    assert loop.time() - started < 3
    assert await poll == ()
    assert (await watch)["events"] == []
    await control.aclose()
    await telegram_bot.shutdown()


async def test_events_long_poll_and_min_count(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    assert await client.events(user["id"], wait=0) == {"events": [], "last_seq": 0}

    async def later() -> None:
        await asyncio.sleep(0.2)
        await bot.send_message(user["id"], "one")
        await asyncio.sleep(0.1)
        await bot.send_message(user["id"], "two")

    task = asyncio.create_task(later())
    answer = await client.events(user["id"], wait=5, min_count=2)
    await task
    assert [event["message"]["text"] for event in answer["events"]] == ["one", "two"]
    assert answer["last_seq"] == answer["events"][-1]["seq"]
    assert (await client.events(user["id"], after=answer["last_seq"], wait=0.1))["events"] == []


async def test_a_waiter_wakes_only_for_its_own_topic() -> None:
    """A long poll on one chat is not re-checked for every event of every other chat
    (with hundreds of users waiting, the emulator would spend its time waking them)."""
    signal = Signal()
    checks: list[str] = []
    arrived = False

    def predicate() -> bool:
        checks.append("checked")
        return arrived

    waiter = asyncio.create_task(signal.wait_for(predicate, 5.0, chat_topic(1)))
    await asyncio.sleep(0)
    for other_chat in range(2, 102):
        signal.notify(chat_topic(other_chat), UPDATES)
        await asyncio.sleep(0)
    assert len(checks) == 1 and not waiter.done()
    arrived = True
    signal.notify(chat_topic(1))
    assert await asyncio.wait_for(waiter, 1.0) is True
    assert len(checks) == 2

    sms_checks: list[str] = []
    late = asyncio.create_task(signal.wait_for(lambda: bool(sms_checks.append("checked")), 5.0, SMS))
    await asyncio.sleep(0)
    signal.notify()  # reset and close wake every waiter, whatever its topic
    await asyncio.sleep(0)
    assert len(sms_checks) == 2 and not late.done()
    late.cancel()


async def test_control_errors_and_reset(bot: Bot, client: EmulatorClient, user: JSON) -> None:
    with pytest.raises(EmulatorError) as raised:
        await client.send_text(555, "hi")
    assert raised.value.status == 404
    with pytest.raises(EmulatorError):
        await client.create_user("Twin", user_id=user["id"])
    assert (await client.create_user("Chosen", user_id=200))["id"] == 200
    await bot.send_message(user["id"], "before reset")
    before = await client.send_text(user["id"], "before reset")
    await client.reset()
    assert await client.users() == []
    assert await client.requests() == []
    fresh = await client.create_user("Again")
    assert fresh["id"] == 100000001
    sent = await client.send_text(fresh["id"], "after reset")
    assert (
        sent["update_id"] > before["update_id"]
    )  # update ids keep growing so a running bot's offset stays valid
