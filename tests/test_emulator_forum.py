"""The emulator's forum supergroups, topics, copies, edits and chat members, driven
through python-telegram-bot's real request stack (support desk, issue 10)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from bot.emulator import EmulatorClient, EmulatorError
from tests.test_emulator import TOKEN, bot, client, emulator, user  # noqa: F401 (fixtures)


@pytest.fixture
async def forum(client: EmulatorClient) -> dict:
    return await client.create_group("Desk", chat_type="supergroup", bot_is_admin=True, is_forum=True)


async def test_topics_are_created_edited_closed_and_reopened(bot: Bot, client: EmulatorClient, forum, user) -> None:
    chat = await bot.get_chat(forum["id"])
    assert chat.is_forum
    topic = await bot.create_forum_topic(forum["id"], "№1 · Aruzhan · KK")
    assert topic.name == "№1 · Aruzhan · KK" and topic.message_thread_id > 0
    sent = await bot.send_message(forum["id"], "card", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    assert await bot.edit_forum_topic(forum["id"], topic.message_thread_id, name="✅ №1")
    assert await bot.close_forum_topic(forum["id"], topic.message_thread_id)
    with pytest.raises(BadRequest, match="(?i)topic_not_modified"):
        await bot.close_forum_topic(forum["id"], topic.message_thread_id)
    state = (await client.chat(forum["id"]))["topics"][0]
    assert state == {"message_thread_id": topic.message_thread_id, "name": "✅ №1", "icon_color": 7322096,
                     "is_closed": True}
    assert await bot.reopen_forum_topic(forum["id"], topic.message_thread_id)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum["id"], "lost", message_thread_id=999)


async def test_topics_need_a_forum_and_an_admin_bot(bot: Bot, client: EmulatorClient) -> None:
    plain = await client.create_group("Plain", bot_is_admin=True)
    with pytest.raises(BadRequest, match="(?i)not a forum"):
        await bot.create_forum_topic(plain["id"], "x")
    unprivileged = await client.create_group("Forum", chat_type="supergroup", is_forum=True)
    with pytest.raises(BadRequest, match="(?i)not enough rights"):
        await bot.create_forum_topic(unprivileged["id"], "x")
    with pytest.raises(EmulatorError):
        await client.create_group("Not a supergroup", is_forum=True)


async def test_users_write_in_topics_and_their_edits_arrive_as_edited_messages(
    bot: Bot, client: EmulatorClient, forum, user
) -> None:
    topic = await bot.create_forum_topic(forum["id"], "Topic")
    written = await client.send_text(user["id"], "hello", chat_id=forum["id"],
                                     message_thread_id=topic.message_thread_id)
    with pytest.raises(EmulatorError):
        await client.send_text(user["id"], "nowhere", chat_id=forum["id"], message_thread_id=4242)
    await client.edit(user["id"], written["message"]["message_id"], "hello again", chat_id=forum["id"])
    private = await client.send_text(user["id"], "mine")
    await client.edit(user["id"], private["message"]["message_id"], "mine, edited")
    updates = await bot.get_updates(timeout=0)
    message, edited, _, edited_private = updates
    assert message.message.message_thread_id == topic.message_thread_id and message.message.is_topic_message
    assert edited.edited_message.text == "hello again" and edited.edited_message.edit_date is not None
    assert edited_private.edited_message.text == "mine, edited"
    with pytest.raises(EmulatorError):
        await client.edit(user["id"], 9999, "no such message")


async def test_copies_keep_content_and_can_land_in_a_topic(bot: Bot, client: EmulatorClient, forum, user) -> None:
    topic = await bot.create_forum_topic(forum["id"], "Topic")
    photo = await client.upload(user["id"], "photo", "a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, "image/png")
    where = await client.send_location(user["id"], 42.87, 74.59)
    copied = await bot.copy_message(forum["id"], user["id"], photo["message"]["message_id"],
                                    message_thread_id=topic.message_thread_id, caption="<b>from Aruzhan</b>",
                                    parse_mode="HTML")
    located = await bot.copy_message(forum["id"], user["id"], where["message"]["message_id"],
                                     message_thread_id=topic.message_thread_id)
    messages = {m["message_id"]: m for m in await client.messages(forum["id"])}
    assert messages[copied.message_id]["photo"] is not None
    assert messages[copied.message_id]["caption"] == "from Aruzhan"
    assert messages[located.message_id]["location"] == {"latitude": 42.87, "longitude": 74.59}
    assert messages[located.message_id]["message_thread_id"] == topic.message_thread_id
    with pytest.raises(EmulatorError):
        await client.send_location(user["id"], 91, 0)


async def test_chat_members_and_administrators(bot: Bot, client: EmulatorClient, forum, user) -> None:
    assert (await bot.get_chat_member(forum["id"], user["id"])).status == "left"
    await client.set_member(forum["id"], user["id"], "administrator")
    member = await bot.get_chat_member(forum["id"], user["id"])
    assert member.status == "administrator" and member.can_manage_topics
    admins = await bot.get_chat_administrators(forum["id"])
    assert {a.user.id for a in admins} == {user["id"], (await bot.get_me()).id}
    other = await client.create_user("Bolat")
    await client.send_text(other["id"], "/start", chat_id=forum["id"])
    assert (await bot.get_chat_member(forum["id"], other["id"])).status == "member"
    with pytest.raises(EmulatorError):
        await client.set_member(forum["id"], other["id"], "overlord")
