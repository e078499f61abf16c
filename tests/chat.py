"""A simulated Telegram user for end-to-end tests, driving the emulator's control API."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.emulator.client import EmulatorClient

BOT_EVENTS = ("bot_message", "bot_edit", "bot_delete", "invoice")


class Person:
    """One user in the emulator: sends, presses, and waits for what the bot does."""

    def __init__(self, control: EmulatorClient, user: dict[str, Any]) -> None:
        self.control = control
        self.user = user
        self.id: int = user["id"]
        self.language: str | None = user.get("language_code")
        self.seq = self.input_seq = 0
        self.last_update_id: int | None = None

    async def _mark(self) -> None:
        page = await self.control.events(self.id, after=self.seq, wait=0, min_count=0)
        self.seq = self.input_seq = page["last_seq"]

    async def send(self, text: str) -> None:
        await self._mark()
        sent = await self.control.send_text(self.id, text)
        self.last_update_id = sent["update_id"]

    async def press(self, data: str, *, message_id: int | None = None, forge: bool = False) -> dict[str, Any]:
        """Press the button with callback data `data` on the newest message that has it."""
        if message_id is None:
            message_id = await self.message_with_button(data) if not forge else (await self.last_bot_message())["message_id"]
        await self._mark()
        pressed = await self.control.press(self.id, message_id, data, forge=forge)
        self.last_update_id = pressed["update_id"]
        return pressed

    async def share_contact(self, phone: str, contact_user_id: int | None | str = "self") -> None:
        await self._mark()
        kwargs: dict[str, Any] = {}
        if contact_user_id != "self":
            kwargs["contact_user_id"] = contact_user_id
        sent = await self.control.share_contact(self.id, phone, **kwargs)
        self.last_update_id = sent["update_id"]

    async def upload(self, kind: str, filename: str, content: bytes, mime_type: str) -> None:
        await self._mark()
        sent = await self.control.upload(self.id, kind, filename, content, mime_type)
        self.last_update_id = sent["update_id"]

    async def replies(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait for `count` bot actions (new messages, edits) since the last input."""
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        after = self.seq
        while len(found) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"expected {count} bot replies, got {len(found)}: {found}")
            page = await self.control.events(self.id, after=after, wait=min(left, 2.0), min_count=1)
            for event in page["events"]:
                after = max(after, event["seq"])
                if event["type"] in BOT_EVENTS and not event.get("markup_only"):
                    found.append(event)
        self.seq = after
        return found

    async def reply(self, timeout: float = 10.0) -> dict[str, Any]:
        """The message snapshot of the next bot action."""
        return (await self.replies(1, timeout))[0]["message"]

    async def callback_answer(self, timeout: float = 5.0) -> dict[str, Any]:
        """The pop-up answer to the last button pressed."""
        deadline = time.monotonic() + timeout
        after = self.input_seq
        while time.monotonic() < deadline:
            page = await self.control.events(self.id, after=after, wait=1.0, min_count=1)
            for event in page["events"]:
                after = max(after, event["seq"])
                if event["type"] == "callback_answer":
                    return event
        raise AssertionError("no callback answer")

    async def quiet_for(self, seconds: float) -> list[dict[str, Any]]:
        """Bot actions within `seconds` (used after a sentinel, never alone)."""
        await asyncio.sleep(seconds)
        page = await self.control.events(self.id, after=self.seq, wait=0, min_count=0)
        return [e for e in page["events"] if e["type"] in BOT_EVENTS and not e.get("markup_only")]

    async def messages(self) -> list[dict[str, Any]]:
        return await self.control.messages(self.id)

    async def last_bot_message(self) -> dict[str, Any]:
        bot_messages = [m for m in await self.messages() if m.get("from_bot")]
        assert bot_messages, "the bot has not written yet"
        return bot_messages[-1]

    async def message_with_button(self, data: str) -> int:
        for message in reversed(await self.messages()):
            if message.get("from_bot") and data in buttons(message).values():
                return message["message_id"]
        raise AssertionError(f"no message has a button {data!r}")


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """label -> callback data of a message's inline keyboard."""
    markup = message.get("reply_markup") or {}
    return {
        b["text"]: b.get("callback_data", "")
        for row in markup.get("inline_keyboard", [])
        for b in row
    }


def plain(html_text: str) -> str:
    """What a Telegram client shows for an HTML message: the text without tags."""
    from bot.emulator.textfmt import parse_html

    return parse_html(html_text)[0]


def catalogue_n(language: str, message: tuple[str, str], n: int, **values: object) -> str:
    """`catalogue` for a message with plural forms."""
    from bot.i18n import translator

    return plain(translator(language).ngettext(*message, n, **values))


def catalogue(language: str, msgid: str, **values: object) -> str:
    """The catalogue's text for `msgid` in `language`, as the user sees it."""
    from bot.i18n import translator

    return plain(translator(language).gettext(msgid, **values))


async def staff_member(control: EmulatorClient, staff_chat_id: int, first_name: str = "Operator",
                       status: str = "administrator") -> dict[str, Any]:
    """A person in the staff chat; administrators are staff (getChatMember)."""
    user = await control.create_user(first_name=first_name, language_code="ru")
    await control.set_member(staff_chat_id, user["id"], status)
    return user
