"""Data model of the emulated Telegram and its two JSON renderings.

``to_api`` renders Telegram Bot API objects (what the bot receives); ``snapshot`` and
``to_control`` render the flatter control API view (what tests read).
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


def unix_now() -> int:
    return int(time.time())


#: Topics of :class:`Signal`: the update queue (getUpdates, webhook delivery), the SMS
#: outbox, answered pre-checkout queries; a chat's events are ``("chat", chat_id)``.
UPDATES = "updates"
SMS = "sms"
PRE_CHECKOUT = "pre_checkout"


def chat_topic(chat_id: int) -> tuple[str, int]:
    return ("chat", chat_id)


class Signal:
    """Wake-ups by topic: a change notifies the waiters of its topic only (a bot's
    message wakes the long polls on that chat, not every poll of every chat).
    ``notify()`` without a topic wakes every waiter (reset, close)."""

    def __init__(self) -> None:
        self._waiters: dict[Any, set[asyncio.Future[None]]] = {}

    def notify(self, *topics: Any) -> None:
        if topics:
            woken = [self._waiters.pop(topic, ()) for topic in topics]
        else:
            woken, self._waiters = list(self._waiters.values()), {}
        for waiters in woken:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None, topic: Any) -> bool:
        """Wait until ``predicate()`` holds or ``timeout`` seconds pass; return its last value.
        The predicate is checked again whenever ``topic`` is notified."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            waiter = loop.create_future()
            waiters = self._waiters.setdefault(topic, set())
            waiters.add(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                return predicate()
            finally:
                waiters.discard(waiter)
                if not waiters and self._waiters.get(topic) is waiters:
                    del self._waiters[topic]
        return True


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked: bool = False
    #: Control-only: the number the user shares by default (Telegram never shows it to bots).
    phone_number: str | None = None

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data

    def to_control(self) -> JSON:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
            "phone_number": self.phone_number,
            "blocked": self.blocked,
        }


@dataclass
class StoredFile:
    """File bytes known to the emulator, uploaded by a user or by the bot."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def document_api(self) -> JSON:
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        data["file_size"] = self.size
        return data

    def photo_size_api(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }

    def file_api(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


@dataclass
class Invoice:
    title: str
    description: str
    payload: str
    provider_token: str
    currency: str
    prices: list[JSON]
    start_parameter: str = ""
    paid: bool = False

    @property
    def total_amount(self) -> int:
        return sum(int(price["amount"]) for price in self.prices)

    def to_api(self) -> JSON:
        return {
            "title": self.title,
            "description": self.description,
            "start_parameter": self.start_parameter,
            "currency": self.currency,
            "total_amount": self.total_amount,
        }

    def to_control(self) -> JSON:
        return {**self.to_api(), "payload": self.payload, "prices": self.prices, "paid": self.paid}


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    user: User | None = None
    bot_is_admin: bool = False
    messages: dict[int, Message] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    reply_keyboard: JSON | None = None
    menu_button: JSON | None = None
    next_message_id: int = 1
    #: A supergroup with topics enabled; ``topics`` maps message_thread_id -> ForumTopic.
    is_forum: bool = False
    topics: dict[int, ForumTopic] = field(default_factory=dict)
    #: user id -> chat member status ("creator", "administrator", "member", "left", "kicked").
    members: dict[int, str] = field(default_factory=dict)

    @property
    def chat_instance(self) -> str:
        return str(abs(self.id) * 31 + 4_000_000_000_000)

    def to_api(self) -> JSON:
        if self.type == "private" and self.user is not None:
            data: JSON = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
            return data
        data = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.is_forum:
            data["is_forum"] = True
        return data

    def to_control(self) -> JSON:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "user_id": self.user.id if self.user else None,
            "bot_is_admin": self.bot_is_admin,
            "reply_keyboard": self.reply_keyboard,
            "last_seq": self.events[-1].seq if self.events else 0,
            "is_forum": self.is_forum,
            "topics": [topic.to_api() | {"is_closed": topic.closed} for topic in self.topics.values()],
            "members": {str(user_id): status for user_id, status in self.members.items()},
        }

    def find_message(self, message_id: int | None) -> Message | None:
        message = self.messages.get(message_id) if message_id is not None else None
        return None if message is None or message.deleted else message

    def events_after(self, seq: int) -> list[Event]:
        """The events newer than `seq`: a tail, since events are kept in seq order."""
        return self.events[bisect_right(self.events, seq, key=lambda event: event.seq):]


@dataclass
class Message:
    chat: Chat
    message_id: int
    sender: User
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    document: StoredFile | None = None
    photo: list[StoredFile] = field(default_factory=list)
    contact: JSON | None = None
    invoice: Invoice | None = None
    successful_payment: JSON | None = None
    reply_to: Message | None = None
    edit_date: int | None = None
    protect_content: bool = False
    link_preview_options: JSON | None = None
    media_group_id: str | None = None
    forward_origin: JSON | None = None
    deleted: bool = False
    #: The forum topic the message belongs to (its id is the topic's first message id).
    message_thread_id: int | None = None
    forum_topic_created: JSON | None = None
    location: JSON | None = None
    #: A voice message or a video (uploaded with kind "voice" / "video").
    voice: StoredFile | None = None
    video: StoredFile | None = None

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        if self.reply_markup is None:
            return []
        rows = self.reply_markup.get("inline_keyboard")
        return rows if isinstance(rows, list) else []

    @property
    def has_media(self) -> bool:
        return self.document is not None or bool(self.photo) or self.voice is not None or self.video is not None

    def to_api(self, *, with_reply: bool = True) -> JSON:
        data: JSON = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if self.message_thread_id is not None:
            data["message_thread_id"] = self.message_thread_id
            data["is_topic_message"] = True
        if self.forum_topic_created is not None:
            data["forum_topic_created"] = self.forum_topic_created
        if self.location is not None:
            data["location"] = self.location
        for kind in ("voice", "video"):
            if (stored := getattr(self, kind)) is not None:
                data[kind] = {**stored.document_api(), "duration": 1} | (
                    {"width": 640, "height": 360} if kind == "video" else {})
        if self.forward_origin is not None:
            data["forward_origin"] = self.forward_origin
        if with_reply and self.reply_to is not None and not self.reply_to.deleted:
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.media_group_id is not None:
            data["media_group_id"] = self.media_group_id
        if self.protect_content:
            data["has_protected_content"] = True
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.link_preview_options is not None:
            data["link_preview_options"] = self.link_preview_options
        if self.document is not None:
            data["document"] = self.document.document_api()
        if self.photo:
            data["photo"] = [size.photo_size_api() for size in self.photo]
        if self.caption is not None:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = self.caption_entities
        if self.contact is not None:
            data["contact"] = self.contact
        if self.invoice is not None:
            data["invoice"] = self.invoice.to_api()
        if self.successful_payment is not None:
            data["successful_payment"] = self.successful_payment
        if self.inline_keyboard:
            data["reply_markup"] = self.reply_markup
        return data

    def snapshot(self, base_url: str) -> JSON:
        """The control API view of this message in its current state."""
        document = None
        if self.document is not None:
            document = {
                "file_id": self.document.file_id,
                "file_name": self.document.file_name,
                "mime_type": self.document.mime_type,
                "file_size": self.document.size,
                "url": f"{base_url}/control/files/{self.document.file_id}",
            }
        photo = None
        if self.photo:
            largest = self.photo[-1]
            photo = {
                "file_id": largest.file_id,
                "width": largest.width,
                "height": largest.height,
                "file_size": largest.size,
                "url": f"{base_url}/control/files/{largest.file_id}",
            }
        return {
            "message_id": self.message_id,
            "chat_id": self.chat.id,
            "from_bot": self.from_bot,
            "from_user_id": self.sender.id,
            "date": self.date,
            "edit_date": self.edit_date,
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "document": document,
            "photo": photo,
            "contact": self.contact,
            "invoice": self.invoice.to_control() if self.invoice else None,
            "successful_payment": self.successful_payment,
            "reply_to_message_id": self.reply_to.message_id if self.reply_to else None,
            "forward_origin": self.forward_origin,
            "media_group_id": self.media_group_id,
            "message_thread_id": self.message_thread_id,
            "forum_topic_created": self.forum_topic_created,
            "location": self.location,
            **{kind: {"file_id": stored.file_id, "mime_type": stored.mime_type, "file_size": stored.size,
                      "url": f"{base_url}/control/files/{stored.file_id}"} if stored else None
               for kind, stored in (("voice", self.voice), ("video", self.video))},
        }


@dataclass
class ForumTopic:
    message_thread_id: int
    name: str
    icon_color: int = 7322096
    closed: bool = False

    def to_api(self) -> JSON:
        return {"message_thread_id": self.message_thread_id, "name": self.name, "icon_color": self.icon_color}


@dataclass
class Event:
    seq: int
    type: str
    chat_id: int
    date: int
    message: JSON | None
    details: JSON = field(default_factory=dict)

    def to_json(self) -> JSON:
        return {
            "seq": self.seq,
            "type": self.type,
            "chat_id": self.chat_id,
            "date": self.date,
            "message": self.message,
            **self.details,
        }


@dataclass
class Sms:
    """A text message "sent by SMS" (one-time codes) to a phone; not part of Telegram."""

    seq: int
    phone: str
    text: str
    user_id: int | None
    date: int

    def to_json(self) -> JSON:
        return {
            "seq": self.seq,
            "phone": self.phone,
            "text": self.text,
            "user_id": self.user_id,
            "date": self.date,
        }


@dataclass
class PendingUpdate:
    update_id: int
    kind: str
    body: JSON
    #: Set by redelivery: the update is handed out even though its id is below the offset.
    forced: bool = False


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackQuery:
    id: str
    user: User
    message: Message
    data: str
    answered: bool = False


@dataclass
class PreCheckout:
    id: str
    user: User
    message: Message
    ok: bool | None = None
    error_message: str | None = None


@dataclass
class RequestRecord:
    id: int
    method: str
    params: JSON
    time: float
    status: int | None = None
    description: str | None = None
    duration_ms: float | None = None

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "method": self.method,
            "params": self.params,
            "time": self.time,
            "status": self.status,
            "description": self.description,
            "duration_ms": self.duration_ms,
        }
