"""In-memory state of the emulated Telegram and the actions users can take in it.

The world owns users, chats with their messages and event logs, files, the update queue,
bot settings (webhook, commands, descriptions), the request log and injected failures.
Everything here is synchronous; waiting is done on :attr:`World.signal`.
"""

from __future__ import annotations

import itertools
import mimetypes
import os
import secrets
import struct
import time
from collections import deque
from pathlib import Path
from types import EllipsisType
from typing import Any

from .errors import ApiError, ControlError
from .models import (
    CallbackQuery,
    Chat,
    Event,
    Message,
    PendingUpdate,
    PreCheckout,
    RequestRecord,
    SMS,
    UPDATES,
    Signal,
    Sms,
    StoredFile,
    User,
    Webhook,
    chat_topic,
    unix_now,
)
from .textfmt import command_entity

JSON = dict[str, Any]
UPDATE_ID_BLOCK = 1000  # update ids reserved on disk at a time (World.keep_update_ids_in)

BOT_USER_ID = 7000000001
BOT_FIRST_NAME = "Qamqor"
BOT_USERNAME = "qamqor_bot"
FIRST_USER_ID = 100000001
FIRST_GROUP_ID = -4000000001
FIRST_SUPERGROUP_ID = -1001000000001

#: Update types delivered when allowed_updates is unset or empty (Telegram's default).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_THUMBNAIL_SIDE = 320
REQUEST_LOG_SIZE = 10_000
SMS_OUTBOX_SIZE = 1_000
MAX_SMS_LENGTH = 1_600


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image, or None when not recognized."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                index += 1 if marker == 0xFF else 2
                continue
            (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + segment_length
    return None


def _image_mime_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    return "image/jpeg"


class World:
    """All state of one emulated Telegram, shared by the Bot API and the control API."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.bot = User(BOT_USER_ID, BOT_FIRST_NAME, username=BOT_USERNAME, is_bot=True)
        self.signal = Signal()
        self.base_url = ""
        self.closing = False
        # Protocol counters survive reset: a running bot keeps its getUpdates offset and
        # tests may keep an events cursor.
        self._update_ids = itertools.count(1)
        self._update_id_file: Path | None = None
        self._update_ids_reserved = 0
        self._seq = itertools.count(1)
        self._sms_seq = itertools.count(1)
        self.poll_generation = 0
        # Bot settings survive reset too: they are made by the bot, not by the test.
        self.webhook: Webhook | None = None
        self.allowed_updates: list[str] | None = None
        self.commands: dict[tuple[tuple[Any, ...], str], list[JSON]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.default_menu_button: JSON | None = None
        self._clear()

    def keep_update_ids_in(self, path: Path) -> None:
        """Update ids continue across restarts over the same data folder (as Telegram's do),
        so a restarted sandbox never reuses an id the bot has seen. Ids are reserved in
        blocks in `path`: a restart may skip some ids, never repeat one."""
        start = 1
        if path.is_file():
            text = path.read_text(encoding="ascii").strip()
            start = int(text) if text.isascii() and text.isdigit() else 1
        self._update_id_file = path
        self._update_ids = itertools.count(start)
        self._reserve_update_ids(start + UPDATE_ID_BLOCK)

    def _reserve_update_ids(self, upto: int) -> None:
        assert self._update_id_file is not None
        self._update_id_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._update_id_file.with_suffix(".tmp")
        temporary.write_text(str(upto), encoding="ascii")
        os.replace(temporary, self._update_id_file)
        self._update_ids_reserved = upto

    def _clear(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[StoredFile]] = {}
        self.pending: list[PendingUpdate] = []
        self.history: dict[int, JSON] = {}
        self.dropped_update_ids: list[int] = []
        self.last_confirmed_update_id = 0
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.pre_checkouts: dict[str, PreCheckout] = {}
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        self.failures: dict[str, deque[ApiError]] = {}
        self.sms: deque[Sms] = deque(maxlen=SMS_OUTBOX_SIZE)
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = {"group": FIRST_GROUP_ID, "supergroup": FIRST_SUPERGROUP_ID}
        self._file_numbers = itertools.count(1)
        self._query_numbers = itertools.count(1)
        self._request_ids = itertools.count(1)

    def reset(self) -> None:
        """Empty the world; keep the token, the bot's own settings and the protocol counters."""
        self._clear()
        self.signal.notify()

    def close(self) -> None:
        """Wake every waiter for good; used when the server stops."""
        self.closing = True
        self.signal.notify()

    # Users and chats

    def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
        phone_number: str | None = None,
    ) -> User:
        if not first_name:
            raise ControlError(400, "first_name is required")
        if user_id is None:
            while self._next_user_id in self.users or self._next_user_id in self.chats:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        elif user_id <= 0:
            raise ControlError(400, "user id must be positive")
        elif user_id in self.users or user_id == BOT_USER_ID:
            raise ControlError(409, f"user {user_id} already exists")
        user = User(user_id, first_name, last_name, username, language_code)
        user.phone_number = phone_number or None
        self.users[user_id] = user
        self.chats[user_id] = Chat(id=user_id, type="private", user=user)
        return user

    def user(self, user_id: Any) -> User:
        user = self.users.get(user_id) if isinstance(user_id, int) else None
        if user is None:
            raise ControlError(404, f"user {user_id} not found")
        return user

    def create_group(
        self,
        title: str,
        chat_id: int | None = None,
        chat_type: str = "group",
        bot_is_admin: bool = False,
        is_forum: bool = False,
    ) -> Chat:
        if not title:
            raise ControlError(400, "title is required")
        if chat_type not in ("group", "supergroup"):
            raise ControlError(400, "type must be 'group' or 'supergroup'")
        if chat_id is None:
            while self._next_group_id[chat_type] in self.chats:
                self._next_group_id[chat_type] -= 1
            chat_id = self._next_group_id[chat_type]
            self._next_group_id[chat_type] -= 1
        elif chat_id >= 0:
            raise ControlError(400, "group chat ids are negative")
        elif chat_id in self.chats:
            raise ControlError(409, f"chat {chat_id} already exists")
        if is_forum and chat_type != "supergroup":
            raise ControlError(400, "only a supergroup can have topics (is_forum)")
        chat = Chat(id=chat_id, type=chat_type, title=title, bot_is_admin=bot_is_admin, is_forum=is_forum)
        if bot_is_admin:
            chat.members[BOT_USER_ID] = "administrator"
        self.chats[chat_id] = chat
        return chat

    def control_chat(self, chat_id: Any) -> Chat:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ControlError(404, f"chat {chat_id} not found")
        return chat

    def set_blocked(self, user: User, blocked: bool) -> int | None:
        """Block or unblock the bot as ``user``; emits a ``my_chat_member`` update on change."""
        if user.blocked == blocked:
            return None
        user.blocked = blocked
        chat = self.chats[user.id]
        member = {"user": self.bot.to_api(), "status": "member"}
        kicked = {"user": self.bot.to_api(), "status": "kicked", "until_date": 0}
        change = {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": unix_now(),
            "old_chat_member": member if blocked else kicked,
            "new_chat_member": kicked if blocked else member,
        }
        return self.enqueue("my_chat_member", change)

    # Messages and events

    def add_message(self, chat: Chat, sender: User, **fields: Any) -> Message:
        message = Message(
            chat=chat, message_id=chat.next_message_id, sender=sender, date=unix_now(), **fields
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def add_event(
        self, chat: Chat, event_type: str, message: Message | None = None, **details: Any
    ) -> Event:
        event = Event(
            seq=next(self._seq),
            type=event_type,
            chat_id=chat.id,
            date=unix_now(),
            message=message.snapshot(self.base_url) if message is not None else None,
            details=details,
        )
        chat.events.append(event)
        self.signal.notify(chat_topic(chat.id))
        return event

    # Updates

    def update_allowed(self, kind: str) -> bool:
        allowed = self.allowed_updates
        if not allowed:
            return kind in DEFAULT_UPDATE_TYPES
        return kind in allowed

    def enqueue(self, kind: str, payload: JSON) -> int | None:
        """Queue an update; None when allowed_updates filters this kind out."""
        if not self.update_allowed(kind):
            return None
        update_id = next(self._update_ids)
        if self._update_id_file is not None and update_id >= self._update_ids_reserved:
            self._reserve_update_ids(update_id + UPDATE_ID_BLOCK)
        body = {"update_id": update_id, kind: payload}
        self.history[update_id] = body
        self.pending.append(PendingUpdate(update_id, kind, body))
        self.signal.notify(UPDATES)
        return update_id

    def confirm(self, offset: int | None) -> None:
        """Apply a getUpdates offset: drop updates it confirms (negative: keep the last ones)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            keep = self.pending[offset:]
            for update in self.pending[: len(self.pending) - len(keep)]:
                self._mark_confirmed(update.update_id)
            self.pending = keep
            return
        remaining: list[PendingUpdate] = []
        for update in self.pending:
            if update.update_id < offset and not update.forced:
                self._mark_confirmed(update.update_id)
            else:
                remaining.append(update)
        self.pending = remaining

    def drop_pending(self) -> None:
        """Drop every pending update undelivered (drop_pending_updates)."""
        self.dropped_update_ids.extend(update.update_id for update in self.pending)
        self.pending.clear()

    def _mark_confirmed(self, update_id: int) -> None:
        self.last_confirmed_update_id = max(self.last_confirmed_update_id, update_id)

    def deliverable(self) -> list[PendingUpdate]:
        """Pending updates in delivery order (redelivered ones first), honouring allowed_updates."""
        self.pending = [update for update in self.pending if self.update_allowed(update.kind)]
        return sorted(self.pending, key=lambda update: (not update.forced, update.update_id))

    def take_batch(self, limit: int) -> list[JSON]:
        """Hand out up to ``limit`` updates; they stay pending until an offset confirms them."""
        batch = self.deliverable()[:limit]
        for update in batch:
            update.forced = False
        return [update.body for update in batch]

    def acknowledge(self, update: PendingUpdate, delivered: bool) -> None:
        """Finish a webhook delivery: confirmed on success, dropped after the last failed try."""
        if any(pending is update for pending in self.pending):
            self.pending = [pending for pending in self.pending if pending is not update]
            if delivered:
                self._mark_confirmed(update.update_id)
            else:
                self.dropped_update_ids.append(update.update_id)
            self.signal.notify(UPDATES)

    def redeliver(self, update_id: Any) -> None:
        body = self.history.get(update_id) if isinstance(update_id, int) else None
        if body is None:
            raise ControlError(404, f"update {update_id} not found")
        if any(update.update_id == update_id for update in self.pending):
            raise ControlError(409, f"update {update_id} is still pending")
        kind = next(key for key in body if key != "update_id")
        self.pending.append(PendingUpdate(update_id, kind, body, forced=True))
        self.signal.notify(UPDATES)

    def has_deliverable(self) -> bool:
        return any(self.update_allowed(update.kind) for update in self.pending)

    # Files

    def store_file(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        number = next(self._file_numbers)
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1].lower()
        elif mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        elif kind == "photo":
            extension = ".jpg"
        folder = "photos" if kind == "photo" else "documents"
        prefix = "AgAC" if kind == "photo" else "BQAC"
        stored = StoredFile(
            file_id=f"{prefix}{number:06d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AQAD{number:06d}",
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def store_photo(self, data: bytes, file_name: str | None = None) -> list[StoredFile]:
        """Store a photo as PhotoSizes, largest last; the thumbnail shares the original bytes.

        Unrecognized image data gets fake 1280x960 dimensions.
        """
        width, height = image_dimensions(data) or (1280, 960)
        mime_type = _image_mime_type(data)
        dimensions = []
        if max(width, height) > _THUMBNAIL_SIDE:
            scale = _THUMBNAIL_SIDE / max(width, height)
            dimensions.append((max(1, round(width * scale)), max(1, round(height * scale))))
        dimensions.append((width, height))
        sizes = [
            self.store_file("photo", data, file_name, mime_type, size_width, size_height)
            for size_width, size_height in dimensions
        ]
        for size in sizes:
            self.photo_sets[size.file_id] = sizes
        return sizes

    # SMS outbox (one-time codes the bot's sandbox adapter "sends by SMS")

    def send_sms(self, phone: str, text: str, user_id: int | None = None) -> Sms:
        if not phone or not phone.strip():
            raise ControlError(400, "phone is required")
        if not text or not text.strip():
            raise ControlError(400, "text is empty")
        if len(text) > MAX_SMS_LENGTH:
            raise ControlError(400, f"text is longer than {MAX_SMS_LENGTH} characters")
        sms = Sms(next(self._sms_seq), phone.strip(), text, user_id, unix_now())
        self.sms.append(sms)
        self.signal.notify(SMS)
        return sms

    # Request log and injected failures

    def log_request(self, method: str, params: JSON) -> RequestRecord:
        record = RequestRecord(next(self._request_ids), method, params, time.time())
        self.requests.append(record)
        return record

    def inject_failure(self, method: str, error: ApiError, count: int) -> int:
        queue = self.failures.setdefault(method.lower(), deque())
        queue.extend([error] * count)
        return len(queue)

    def pop_failure(self, method: str) -> ApiError | None:
        queue = self.failures.get(method.lower())
        if not queue:
            return None
        return queue.popleft()

    # What users do

    def _sender_chat(self, user: User, chat_id: int | None) -> Chat:
        if user.blocked:
            raise ControlError(409, f"user {user.id} has blocked the bot; unblock first")
        if chat_id is None or chat_id == user.id:
            return self.chats[user.id]
        chat = self.control_chat(chat_id)
        if chat.type == "private":
            raise ControlError(400, "users can only write to their own private chat or to groups")
        return chat

    def _bot_sees(self, chat: Chat, message: Message) -> bool:
        """Privacy mode: in groups the bot gets commands, replies to it and mentions only."""
        if chat.type == "private" or chat.bot_is_admin:
            return True
        content = message.text or message.caption or ""
        if content.startswith("/") or f"@{BOT_USERNAME}".lower() in content.lower():
            return True
        return message.reply_to is not None and message.reply_to.from_bot

    def _post(
        self, user: User, chat: Chat, event_type: str = "user_message", **fields: Any
    ) -> tuple[Message, int | None]:
        if chat.type != "private":
            chat.members.setdefault(user.id, "member")
        thread = fields.get("message_thread_id")
        if thread is not None:
            if not chat.is_forum or thread not in chat.topics:
                raise ControlError(400, f"topic {thread} not found in chat {chat.id}")
            if fields.get("reply_to") is None:
                # Telegram: a message in a topic replies to the topic's first message.
                fields["reply_to"] = chat.find_message(thread)
        message = self.add_message(chat, user, **fields)
        update_id = None
        if self._bot_sees(chat, message):
            update_id = self.enqueue("message", message.to_api())
        self.add_event(chat, event_type, message, update_id=update_id)
        return message, update_id

    def _reply_target(self, chat: Chat, message_id: int | None) -> Message | None:
        if message_id is None:
            return None
        target = chat.find_message(message_id)
        if target is None:
            raise ControlError(400, f"message {message_id} not found in chat {chat.id}")
        return target

    def user_send_text(
        self,
        user: User,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> tuple[Message, int | None]:
        if not text or not text.strip():
            raise ControlError(400, "text is empty")
        chat = self._sender_chat(user, chat_id)
        entity = command_entity(text)
        return self._post(
            user,
            chat,
            text=text,
            entities=[entity] if entity else [],
            reply_to=self._reply_target(chat, reply_to_message_id),
            message_thread_id=message_thread_id,
        )

    def user_share_contact(
        self,
        user: User,
        phone_number: str | None,
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | EllipsisType | None = ...,
        chat_id: int | None = None,
    ) -> tuple[Message, int | None]:
        """Share a contact; ``contact_user_id=...`` means the sender's own contact.

        Without ``phone_number`` the owner's stored number (``User.phone_number``) is used.
        """
        if not phone_number:
            owner_id = user.id if contact_user_id is ... else contact_user_id
            owner_user = self.users.get(owner_id) if isinstance(owner_id, int) else None
            phone_number = owner_user.phone_number if owner_user is not None else None
        if not phone_number:
            raise ControlError(400, "phone_number is required")
        chat = self._sender_chat(user, chat_id)
        owner = user if contact_user_id is ... else self.users.get(contact_user_id or 0)
        if first_name is None:
            if owner is None:
                raise ControlError(400, "first_name is required for a contact without a known user")
            first_name = owner.first_name
            last_name = last_name if last_name is not None else owner.last_name
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        resolved_id = user.id if contact_user_id is ... else contact_user_id
        if resolved_id is not None:
            contact["user_id"] = resolved_id
        return self._post(user, chat, contact=contact)

    def user_upload(
        self,
        user: User,
        kind: str,
        data: bytes,
        file_name: str | None,
        mime_type: str | None,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> tuple[Message, int | None]:
        if kind not in ("photo", "document", "voice", "video"):
            raise ControlError(400, "kind must be 'photo', 'document', 'voice' or 'video'")
        if not data:
            raise ControlError(400, "file is empty")
        chat = self._sender_chat(user, chat_id)
        fields: JSON = {"caption": caption or None, "media_group_id": media_group_id or None,
                        "message_thread_id": message_thread_id}
        if kind == "photo":
            fields["photo"] = self.store_photo(data, file_name)
        elif kind in ("voice", "video"):
            default = "audio/ogg" if kind == "voice" else "video/mp4"
            fields[kind] = self.store_file(kind, data, file_name, mime_type or default)
        else:
            mime_type = (
                mime_type or mimetypes.guess_type(file_name or "")[0] or "application/octet-stream"
            )
            fields["document"] = self.store_file("document", data, file_name, mime_type)
        return self._post(user, chat, **fields)

    def user_send_location(
        self, user: User, latitude: float, longitude: float, chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> tuple[Message, int | None]:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ControlError(400, "latitude must be within ±90 and longitude within ±180")
        chat = self._sender_chat(user, chat_id)
        return self._post(user, chat, location={"latitude": latitude, "longitude": longitude},
                          message_thread_id=message_thread_id)

    def user_edit(
        self, user: User, message_id: int, text: str, chat_id: int | None = None
    ) -> tuple[Message, int | None]:
        """The user edits their own message (its text, or the caption of a photo or file):
        Telegram sends the bot an ``edited_message`` update."""
        if not text or not text.strip():
            raise ControlError(400, "text is empty")
        chat = self._sender_chat(user, chat_id)
        message = chat.find_message(message_id)
        if message is None or message.sender.id != user.id:
            raise ControlError(404, f"message {message_id} of user {user.id} not found in chat {chat.id}")
        if message.text is not None:
            entity = command_entity(text)
            message.text, message.entities = text, [entity] if entity else []
        elif message.has_media:
            message.caption, message.caption_entities = text, []
        else:
            raise ControlError(400, "only a text or a caption can be edited")
        message.edit_date = unix_now()
        update_id = self.enqueue("edited_message", message.to_api()) if self._bot_sees(chat, message) else None
        self.add_event(chat, "user_edit", message, update_id=update_id)
        return message, update_id

    def set_member(self, chat: Chat, user: User, status: str) -> None:
        """Make ``user`` a member of the group ``chat`` with ``status``."""
        if chat.type == "private":
            raise ControlError(400, "private chats have no members to set")
        if status not in ("creator", "administrator", "member", "restricted", "left", "kicked"):
            raise ControlError(400, f"unknown chat member status {status!r}")
        chat.members[user.id] = status

    def user_press(
        self,
        user: User,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        forge: bool = False,
    ) -> tuple[int | None, str]:
        chat = self._sender_chat(user, chat_id)
        message = chat.find_message(message_id)
        if message is None:
            raise ControlError(404, f"message {message_id} not found in chat {chat.id}")
        if not message.from_bot:
            raise ControlError(400, "only bot messages have inline buttons")
        buttons = [button for row in message.inline_keyboard for button in row]
        if not forge and not any(button.get("callback_data") == data for button in buttons):
            available = [button["callback_data"] for button in buttons if "callback_data" in button]
            raise ControlError(
                400,
                f"message {message_id} has no button with callback_data {data!r}; "
                f"available: {available}",
            )
        query_id = f"{next(self._query_numbers)}{secrets.randbelow(10**9):09d}"
        query = CallbackQuery(query_id, user, message, data)
        self.callback_queries[query_id] = query
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "message": message.to_api(),
            "chat_instance": chat.chat_instance,
            "data": data,
        }
        update_id = self.enqueue("callback_query", payload)
        self.add_event(
            chat,
            "user_press",
            message,
            user_id=user.id,
            data=data,
            forged=forge,
            callback_query_id=query_id,
            update_id=update_id,
        )
        return update_id, query_id

    def begin_payment(self, user: User, message_id: int, chat_id: int | None = None) -> PreCheckout:
        chat = self._sender_chat(user, chat_id)
        message = chat.find_message(message_id)
        if message is None or message.invoice is None:
            raise ControlError(404, f"invoice message {message_id} not found in chat {chat.id}")
        if message.invoice.paid:
            raise ControlError(409, f"invoice message {message_id} is already paid")
        invoice = message.invoice
        query = PreCheckout(
            f"{next(self._query_numbers)}{secrets.randbelow(10**9):09d}", user, message
        )
        self.pre_checkouts[query.id] = query
        self.enqueue(
            "pre_checkout_query",
            {
                "id": query.id,
                "from": user.to_api(),
                "currency": invoice.currency,
                "total_amount": invoice.total_amount,
                "invoice_payload": invoice.payload,
            },
        )
        return query

    def complete_payment(self, query: PreCheckout) -> tuple[Message, int | None]:
        invoice = query.message.invoice
        assert invoice is not None
        invoice.paid = True
        payment = {
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": f"tg_charge_{secrets.token_hex(8)}",
            "provider_payment_charge_id": f"provider_charge_{secrets.token_hex(8)}",
        }
        return self._post(query.user, query.message.chat, "payment", successful_payment=payment)

    # Bot-side helpers used by the Bot API

    def target_chat(self, chat_id: int) -> Chat:
        """The chat a bot call addresses; 400 if unknown, 403 if the user blocked the bot."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if chat.user is not None and chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat
