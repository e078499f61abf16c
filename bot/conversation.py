"""What a journey handler sees of one update: the `Turn`, and the `Router`.

A handler reads `turn.incoming`, calls `insurance/` and the unit of work, and
answers with `turn.show(...)` / `turn.say(...)` / `turn.receipt(...)` and
`turn.goto(state)`.

Two kinds of message (issue 14):
- a *screen* (`show`): navigation. The chat has one current screen; a button
  pressed on it may edit it in place. When the user moves on (a new screen, a
  receipt), the old screen loses its buttons and is remembered as retired: a
  late press on it gets a short notice and the current screen at the bottom.
- a *message* (`say`) or *receipt* (`receipt`: something done was recorded):
  sent once and never edited. Their buttons stay live and always answer with a
  new message at the bottom.

A turn never talks to Telegram: replies become outbox rows committed with
everything else and are sent after the commit (see `bot.dispatcher`).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.i18n import Translator
from bot.settings import Settings
from storage.documents import DocumentStore
from storage.models import User
from storage.unit_of_work import UnitOfWork

Handler = Callable[["Turn"], Awaitable[None]]
Button = tuple[str, str]  # (label, callback data)


@dataclass(frozen=True)
class UploadedFile:
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    file_size: int | None
    kind: Literal["photo", "document"]


@dataclass(frozen=True)
class Incoming:
    """The user's input, reduced to what journeys care about."""

    kind: Literal["command", "text", "callback", "contact", "file", "media", "edit", "member", "pre_checkout",
                  "payment", "other"]
    text: str = ""
    command: str | None = None
    args: str = ""
    callback_data: str | None = None
    message_id: int | None = None
    contact_phone: str | None = None
    contact_user_id: int | None = None
    file: UploadedFile | None = None
    chat_id: int | None = None
    reply_to_message_id: int | None = None
    payment: PaymentInfo | None = None
    media_group_id: str | None = None  # files sent together (an album) share it
    # The forum topic the message was written in (staff chat with topics).
    thread_id: int | None = None
    # "media": voice, video, audio, video_note, sticker, animation, location, venue;
    # "edit": "text" or "caption" (what was edited); "member": the bot's new status in the chat.
    media_kind: str | None = None


@dataclass(frozen=True)
class PaymentInfo:
    """A pre-checkout query or a successful payment, as Telegram reports it."""

    invoice_payload: str
    currency: str
    total_amount: int
    telegram_charge_id: str | None = None
    provider_charge_id: str | None = None


def inline_keyboard(rows: list[list[Button]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows if row
        ]
    }


@dataclass
class Turn:
    update_id: int
    user: User
    uow: UnitOfWork
    settings: Settings
    t: Translator
    incoming: Incoming
    router: Router
    documents: DocumentStore
    fetch_file: Callable[[str], Awaitable[bytes]]
    state: str
    data: dict[str, Any]
    outgoing: list[dict[str, Any]] = field(default_factory=list)
    callback_notice: str | None = None
    pre_checkout_error: str | None = None
    # The current screen's message id (None: none, or a new one is on its way),
    # and the retired screens' ids; loaded and saved by the dispatcher.
    screen_message_id: int | None = None
    retired_screens: list[int] = field(default_factory=list)
    # The staff chat is a supergroup with topics (learned from Telegram at start).
    staff_forum: bool = False

    def _(self, message: str, **values: object) -> str:
        """Translate into the user's language; values are HTML-escaped."""
        return translate(self.t, message, **values)

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The form of a message for the number `n` (Russian: 1, 2-4, 5+);
        `%(n)s` is the number; values are HTML-escaped."""
        return translate_plural(self.t, (singular, plural), n, **values)

    def goto(self, state: str, **data: Any) -> None:
        """Move to `state`, keeping the answers given so far plus `data`."""
        self.state = state
        self.data.update(data)

    def say(self, text: str, rows: list[list[Button]] | None = None, *, chat_id: int | None = None,
            on_sent: str | None = None, remove_keyboard: bool = False, **place: Any) -> int:
        """A new message; one longer than Telegram's limit goes as several, the buttons
        and `on_sent` on the last. `place` adds outbox parameters to every part, such as
        `message_thread_id` or `resolve` (see `Dispatcher._call`); None values are left
        out. Returns how many messages."""
        parts = split_html(text)
        where = {key: value for key, value in place.items() if value is not None}
        for number, part in enumerate(parts, 1):
            payload: dict[str, Any] = {"method": "send_message", "text": part, **where}
            if number == len(parts):
                if rows:
                    payload["reply_markup"] = inline_keyboard(rows)
                elif remove_keyboard:
                    payload["reply_markup"] = {"remove_keyboard": True}
                if on_sent:
                    payload["on_sent"] = on_sent
            self.outgoing.append({"chat_id": chat_id or self.user.id, **payload})
        return len(parts)

    def receipt(self, text: str, rows: list[list[Button]] | None = None) -> None:
        """A record of something done (consent given, claim registered, document
        received...): a new message that no later screen overwrites. The screen
        it answers is left, so its buttons are retired."""
        self.retire_screen()
        self.say(text, rows)

    def show(self, text: str, rows: list[list[Button]] | None = None) -> None:
        """A navigation screen: edits the current screen when its own button was
        pressed and nothing else was sent this turn; otherwise it is a new
        message at the bottom and the previous screen's buttons are retired."""
        hook = f"screen:{self.user.id}"
        if (self.incoming.kind == "callback" and self.incoming.message_id is not None
                and self.incoming.message_id == self.screen_message_id and not self._sent_this_turn()):
            payload: dict[str, Any] = {
                "chat_id": self.user.id,
                "method": "edit_message_text",
                "message_id": self.incoming.message_id,
                "text": text,
                "on_sent": hook,
            }
            if rows:
                payload["reply_markup"] = inline_keyboard(rows)
            self.outgoing.append(payload)
            return
        self.retire_screen()
        self.say(text, rows, on_sent=hook)

    def retire_screen(self) -> None:
        """The current screen is left: its buttons go, and a late press on it is
        answered as stale (see `bot.dispatcher`)."""
        if self.screen_message_id is None:
            return
        self.outgoing.append({"chat_id": self.user.id, "method": "edit_message_reply_markup",
                              "message_id": self.screen_message_id})
        self.retired_screens.append(self.screen_message_id)
        self.screen_message_id = None

    def is_retired(self, message_id: int | None) -> bool:
        return message_id is not None and message_id in self.retired_screens

    def _sent_this_turn(self) -> bool:
        return any(m["chat_id"] == self.user.id and m["method"] in ("send_message", "send_document", "send_invoice")
                   for m in self.outgoing)

    def ask_contact(self, text: str, button: str, others: list[str] = ()) -> None:
        """A message with Telegram's "share my phone" button under the input field,
        and plain buttons (`others`) that answer with their own label."""
        rows = [[{"text": button, "request_contact": True}]]
        if others:
            rows.append([{"text": label} for label in others])
        self.outgoing.append({
            "chat_id": self.user.id, "method": "send_message", "text": text,
            "reply_markup": {"keyboard": rows, "resize_keyboard": True, "one_time_keyboard": True},
        })

    def send_document(self, filename: str, content: bytes, caption: str | None = None) -> None:
        self.outgoing.append({
            "chat_id": self.user.id,
            "method": "send_document",
            "filename": filename,
            "content_b64": base64.b64encode(content).decode("ascii"),
            "caption": caption,
        })

    def send_stored_document(self, sha256: str, filename: str, caption: str | None = None,
                             chat_id: int | None = None) -> None:
        """A file from the document store (certificates, signed applications)."""
        self.outgoing.append({"chat_id": chat_id or self.user.id, "method": "send_document",
                              "sha256": sha256, "filename": filename, "caption": caption})

    def send_sms(self, phone: str, text: str) -> None:
        self.outgoing.append({"chat_id": self.user.id, "method": "send_sms", "phone": phone, "text": text})

    def send_invoice(self, **invoice: Any) -> None:
        """`title`, `description`, `payload`, `currency`, `prices` [(label, minor units)]."""
        self.outgoing.append({"chat_id": self.user.id, "method": "send_invoice", **invoice})

    def set_commands(self, commands: list[tuple[str, str]]) -> None:
        """Telegram's command menu for this chat (scope chat), e.g. after a language change."""
        self.outgoing.append({"chat_id": self.user.id, "method": "set_my_commands",
                              "commands": [list(command) for command in commands]})

    def notice(self, text: str) -> None:
        """A short pop-up answer to the pressed button."""
        self.callback_notice = text


MESSAGE_LIMIT = 4096  # Telegram's limit for a message's text, in UTF-16 code units after parsing
_HTML_UNIT = re.compile(r"<[^>]*>|&#?\w+;|\s+|[^<&\s]+|[<&]")


def _visible(unit: str) -> int:
    if unit.startswith("<") and unit.endswith(">") and len(unit) > 1:
        return 0
    if unit.startswith("&") and unit.endswith(";") and len(unit) > 1:
        return 1
    return len(unit.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut an HTML message into parts Telegram accepts, at whitespace (a word longer than
    a message is cut inside); tags open at a cut are closed and opened again in the next part."""
    units = _HTML_UNIT.findall(text)
    if sum(_visible(u) for u in units) <= limit:
        return [text]
    words: list[list[str]] = []  # runs of whitespace, and runs of everything else
    for unit in units:
        if words and unit.isspace() == words[-1][0].isspace():
            words[-1].append(unit)
        else:
            words.append([unit])
    parts: list[str] = []
    current: list[str] = []
    length = 0
    open_tags: list[tuple[str, str]] = []

    def cut() -> None:
        nonlocal current, length
        body = "".join(current).rstrip()
        if length:
            parts.append(body + "".join(f"</{name}>" for name, _ in reversed(open_tags)))
        current, length = [tag for _, tag in open_tags], 0

    def add(unit: str) -> None:
        nonlocal length
        if unit.startswith("<") and unit.endswith(">") and len(unit) > 1:
            if unit.startswith("</"):
                if open_tags and open_tags[-1][0] == unit[2:-1].strip().lower():
                    open_tags.pop()
            elif not unit.endswith("/>"):
                open_tags.append(((unit[1:-1].split() or [""])[0].lower(), unit))
        current.append(unit)
        length += _visible(unit)

    for word in words:
        size = sum(_visible(u) for u in word)
        if word[0].isspace():
            if length and length + size <= limit:
                add("".join(word))
            elif length:
                cut()
            continue
        if length + size > limit and length:
            cut()
        for unit in word:
            while length + _visible(unit) > limit:
                if length:
                    cut()
                    continue
                add(unit[:limit])  # one run of letters longer than a message
                unit = unit[limit:]
                cut()
            if unit:
                add(unit)
    cut()
    return parts


def translate(t: Translator, message: str, **values: object) -> str:
    """Translate with `t` (any language: the staff's, a client's) into an HTML
    message; text values are escaped so what people typed shows as typed."""
    return t.gettext(message, **_escaped(values))


def _escaped(values: dict[str, object]) -> dict[str, object]:
    return {k: html.escape(v) if isinstance(v, str) else v for k, v in values.items()}


def translate_plural(t: Translator, message: tuple[str, str], n: int, **values: object) -> str:
    """`translate` for a message whose words agree with the number `n`."""
    return t.ngettext(*message, n, **_escaped(values))


@dataclass
class Screen:
    """A dialog state: how to show it again, and what free input it accepts."""

    render: Handler
    on_text: Handler | None = None
    on_contact: Handler | None = None
    on_file: Handler | None = None
    needs_consent: bool = True


@dataclass(frozen=True)
class Route:
    handler: Handler
    needs_consent: bool = True
    needs_language: bool = True


class Router:
    """Maps commands, callback prefixes and dialog states to journey handlers.

    The gates are set by the journeys that own them: `ask_language` (no
    language yet), `has_consent` and `ask_consent` (the personal-data
    consent), and `home` (the main menu).
    """

    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.callbacks: dict[str, Route] = {}
        self.screens: dict[str, Screen] = {}
        self.staff_chat_handler: Handler | None = None
        self.staff_commands: dict[str, Handler] = {}
        self.deep_links: dict[str, Callable[[Turn, str], Awaitable[None]]] = {}
        self.pre_checkout: Handler | None = None
        # A photo or file sent where the current screen takes none (documents journey).
        self.stray_file: Handler | None = None
        self.payment: Handler | None = None
        # Customer input that is not a journey answer: an edited message, the bot
        # blocked or unblocked, and the relay to a person that takes typed input
        # while a support ticket is open (returns True when it took the input).
        self.on_edit: Handler | None = None
        self.on_member: Handler | None = None
        self.relay: Callable[[Turn], Awaitable[bool]] | None = None
        self.staff_callbacks: dict[str, Handler] = {}
        self.ask_language: Handler
        self.has_consent: Callable[[Turn], Awaitable[bool]]
        # The consent `has_consent` asks about (kind, scope): loaded with each step.
        self.consent_key: tuple[str, str] | None = None
        self.ask_consent: Handler
        self.home: Handler

    def command(self, name: str, **flags: bool) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.commands[name] = Route(handler, **flags)
            return handler
        return register

    def callback(self, prefix: str, **flags: bool) -> Callable[[Handler], Handler]:
        """Buttons whose data is `prefix` or starts with `prefix:`."""
        def register(handler: Handler) -> Handler:
            self.callbacks[prefix] = Route(handler, **flags)
            return handler
        return register

    def screen(self, state: str, **handlers: Any) -> Callable[[Handler], Handler]:
        """Register `render` for `state`; `on_text=`, `on_contact=`, `on_file=` take free input."""
        def register(render: Handler) -> Handler:
            self.screens[state] = Screen(render=render, **handlers)
            return render
        return register

    def staff_chat(self, handler: Handler) -> Handler:
        self.staff_chat_handler = handler
        return handler

    def staff_callback(self, prefix: str) -> Callable[[Handler], Handler]:
        """Buttons on messages in the staff chat (data `prefix` or `prefix:...`)."""
        def register(handler: Handler) -> Handler:
            self.staff_callbacks[prefix] = handler
            return handler
        return register

    def staff_command(self, name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.staff_commands[name] = handler
            return handler
        return register
