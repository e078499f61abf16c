"""One update's way through: dedupe, load the user and dialog, route, commit, send.

Everything an update changes (domain rows, the next dialog state, the replies
as outbox rows, and the update id itself) commits in one transaction. Replies
are sent after the commit; a reply that could not be sent stays in the outbox
and is retried, so a crash loses nothing the user already got an answer for.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import html
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
import httpx
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    InputFile,
    LabeledPrice,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseUpdateProcessor, ContextTypes

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

from bot.adapters import SmsSender
from bot.bot_api import raw_call
from bot.conversation import Handler, Incoming, PaymentInfo, Route, Router, Turn, UploadedFile, translate
from bot.i18n import N_, supported_language, translator
from bot.send_limits import Limiter, NoLimiter
from bot.settings import Settings
from storage.db import POSTGRES_POOL
from storage.documents import DocumentStore
from storage.inbox import LostClaim, fence
from storage.crypto import DataKeyError
from storage.models import OutgoingMessage, utcnow
from storage.sent_replies import SentRecord, SentReplies
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

APOLOGY = N_(
    "Sorry, something went wrong on our side. Everything you entered is saved: "
    "please try again in a minute, or write /start."
)
UNKNOWN_COMMAND = N_("I don't know this command. Here is where you are:")
USE_BUTTONS = N_("Please choose one of the buttons below.")
STALE_BUTTON = N_("This button is no longer active.")
NOT_STAFF = N_("Only support staff named by the insurer can do this.")
UNDELIVERED_TO_STAFF = N_(
    "⚠️ A message to client id %(user_id)s could not be delivered (%(what)s). Reason: %(error)s. "
    "Please reach the client another way."
)

# A failing row is given up after this many attempts (flood control aside), or when it
# is this old: a chat's later messages never wait forever behind it.
OUTBOX_MAX_ATTEMPTS = 10
OUTBOX_GIVE_UP_AFTER = timedelta(hours=24)
RETRY_AFTER_CONFIGURATION_ERROR = 60.0
OUTBOX_LEASES_PER_CLAIM_LEASE = 4  # an outbox row's lease: 4 inbox leases (2 minutes by default)
_EDIT_IMPOSSIBLE = ("message to edit not found", "message can't be edited", "there is no text in the message",
                    "message_id_invalid")

OnSent = Callable[[UnitOfWork, str, int], Awaitable[None]]
Resolver = Callable[[UnitOfWork, str], Awaitable[int | None]]
GivenUp = Callable[[UnitOfWork, OutgoingMessage, str], Awaitable[None]]


class PerUserOrder(BaseUpdateProcessor):
    """Updates of one user are handled one after another, in arrival order;
    different users run concurrently."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _sender_id(update) if isinstance(update, Update) else 0
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _sender_id(update: Update) -> int:
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else 0


MEDIA_KINDS = ("voice", "video", "audio", "video_note", "sticker", "animation", "location", "venue")


def parse_incoming(update: Update) -> Incoming:
    if (checkout := update.pre_checkout_query) is not None:
        return Incoming(kind="pre_checkout", payment=PaymentInfo(
            checkout.invoice_payload, checkout.currency, checkout.total_amount))
    if update.message is not None and (paid := update.message.successful_payment) is not None:
        return Incoming(kind="payment", chat_id=update.message.chat.id, payment=PaymentInfo(
            paid.invoice_payload, paid.currency, paid.total_amount,
            paid.telegram_payment_charge_id, paid.provider_payment_charge_id))
    if (query := update.callback_query) is not None:
        return Incoming(
            kind="callback",
            callback_data=query.data or "",
            message_id=query.message.message_id if query.message else None,
            chat_id=query.message.chat.id if query.message else None,
            thread_id=getattr(query.message, "message_thread_id", None) if query.message else None,
        )
    if (member := update.my_chat_member) is not None:
        return Incoming(kind="member", chat_id=member.chat.id, media_kind=member.new_chat_member.status)
    message = update.effective_message
    if message is None:
        return Incoming(kind="other")
    common: dict[str, Any] = {
        "message_id": message.message_id,
        "chat_id": message.chat.id,
        "reply_to_message_id": message.reply_to_message.message_id if message.reply_to_message else None,
        "thread_id": message.message_thread_id if message.is_topic_message else None,
    }
    if update.edited_message is not None:
        # An edit is never a new answer: journeys ignore it, the support desk relays it.
        edited = "caption" if message.text is None else "text"
        return Incoming(kind="edit", text=message.text or message.caption or "", media_kind=edited, **common)
    if message.contact is not None:
        return Incoming(kind="contact", contact_phone=message.contact.phone_number,
                        contact_user_id=message.contact.user_id, **common)
    if message.photo:
        photo = message.photo[-1]
        return Incoming(kind="file", text=message.caption or "", file=UploadedFile(
            photo.file_id, photo.file_unique_id, None, "image/jpeg", photo.file_size, "photo"),
            media_group_id=message.media_group_id, **common)
    if message.document is not None:
        doc = message.document
        return Incoming(kind="file", text=message.caption or "", file=UploadedFile(
            doc.file_id, doc.file_unique_id, doc.file_name, doc.mime_type, doc.file_size, "document"),
            media_group_id=message.media_group_id, **common)
    for kind in MEDIA_KINDS:
        if getattr(message, kind, None):
            return Incoming(kind="media", text=message.caption or "", media_kind=kind, **common)
    text = message.text or ""
    if text.startswith("/") and message.entities and message.entities[0].type == "bot_command" \
            and message.entities[0].offset == 0:
        head, _, args = text.partition(" ")
        return Incoming(kind="command", text=text, command=head[1:].split("@")[0].lower(),
                        args=args.strip(), **common)
    if text:
        return Incoming(kind="text", text=text, **common)
    return Incoming(kind="other", **common)


class StaffDirectory:
    """Who may act as staff: the ids in QAMQOR_STAFF_USER_IDS, or the staff chat's
    administrators (asked with getChatMember, remembered for a few minutes)."""

    TTL = 300.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[int, tuple[bool, float]] = {}

    async def is_staff(self, bot: Bot, user_id: int) -> bool:
        if user_id in self.settings.staff_user_ids:
            return True
        if self.settings.staff_chat_id is None:
            return False
        now = asyncio.get_running_loop().time()
        known = self._cache.get(user_id)
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await bot.get_chat_member(self.settings.staff_chat_id, user_id)
        except TelegramError as exc:
            log.warning("could not check whether user %s is staff: %s", user_id, exc)
            return False
        allowed = member.status in ("creator", "administrator")
        self._cache[user_id] = (allowed, now + self.TTL)
        return allowed


class Dispatcher:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], router: Router,
                 documents: DocumentStore, sms: SmsSender) -> None:
        self.settings = settings
        self.sessions = sessions
        self.router = router
        self.documents = documents
        self.sms = sms
        # SQLite has one writer: concurrent transactions would only wait for each
        # other in its sleeping busy handler. PostgreSQL takes them concurrently.
        self.write_slots = asyncio.Semaphore(1 if settings.database_url.startswith("sqlite") else POSTGRES_POOL)
        self.on_sent: dict[str, OnSent] = {"screen": _screen_shown}
        # The sent rows of concurrent steps, recorded in shared transactions.
        self.sent_replies = SentReplies(sessions, lambda: self.write_slots, lambda: self.clock())
        # Outbox values known only at send time ("resolve": {param: "name:arg"}), such as
        # the forum topic created by an earlier row of the same ticket.
        self.resolvers: dict[str, Resolver] = {}
        # Steps run in the transaction that gives a row up (e.g. the customer is reported
        # to partners as unreachable when they blocked the bot).
        self.on_given_up: list[GivenUp] = []
        self.staff = StaffDirectory(settings)
        self.staff_forum = False
        self._flush_lock = asyncio.Lock()
        self._claim_lock = asyncio.Lock()
        self._outbox_work = asyncio.Event()
        self._next_due: datetime | None = None
        #: Telegram's sending limits (bot.send_limits); the app sets the shared one.
        self.limiter: Limiter = NoLimiter()
        #: A row in flight longer than this may be taken by another worker.
        self.outbox_lease = timedelta(seconds=settings.worker_lease_seconds * OUTBOX_LEASES_PER_CLAIM_LEASE)
        #: The outbox's clock; tests move it forward instead of sleeping.
        self.clock: Callable[[], datetime] = utcnow

    async def learn_staff_chat(self, bot: Bot) -> None:
        """Whether the staff chat is a forum (topics), asked from Telegram at start."""
        if self.settings.staff_chat_id is None:
            return
        try:
            chat = await bot.get_chat(self.settings.staff_chat_id)
        except TelegramError as exc:
            log.warning("could not read the staff chat %s: %s", self.settings.staff_chat_id, exc)
            return
        self.staff_forum = bool(chat.is_forum)
        log.info("staff chat %s: %s", chat.id, "forum with topics" if self.staff_forum else "plain group")

    async def handle_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The single PTB handler: everything goes through here."""
        bot = context.bot
        sender = update.effective_user
        chat = update.effective_chat
        if sender is None or sender.is_bot or (chat is None and update.pre_checkout_query is None):
            return
        is_staff_chat = chat is not None and chat.id == self.settings.staff_chat_id
        if chat is not None and chat.type != "private" and not is_staff_chat:
            return
        language = supported_language(sender.language_code)
        # Asked before the write slot: it may call Telegram (getChatMember).
        is_staff = is_staff_chat and await self.staff.is_staff(bot, sender.id)
        try:
            async with self.write_slots, UnitOfWork(self.sessions) as uow:
                turn, chat_waiting = await self._turn(uow, update, is_staff_chat, bot)
                language = turn.user.language or language
                if is_staff_chat:
                    await self._route_staff(turn, is_staff)
                else:
                    await self._route(turn)
                    await uow.dialogs.save(turn.user.id, turn.state, turn.data)
                    await uow.screens.save(turn.user.id, turn.screen_message_id, turn.retired_screens)
                # None: sent by `deliver` (claimed from the outbox)
                replies = await self._queue_replies(uow, turn, chat_waiting)
                claim = await fence(uow.session)
                await uow.commit()
                if claim is not None:
                    claim.settled = True
        except LostClaim as lost:
            log.warning("update %s left to the worker that took it over: %s", update.update_id, lost)
            return
        except Exception:
            log.exception("update %s failed", update.update_id)
            await self._apologise(bot, update, language)
            return
        await self._answer_callback(update, turn.callback_notice)
        await self._answer_pre_checkout(update, turn.pre_checkout_error)
        if replies is None:
            await self.deliver(bot, update_id=update.update_id)
        elif replies:
            await self._send_replies(bot, replies)

    async def _turn(self, uow: UnitOfWork, update: Update, is_staff_chat: bool,
                    bot: Bot) -> tuple[Turn, bool]:
        """The step's start, read in one round trip, and whether the user's chat has an
        unsent reply."""
        sender = update.effective_user
        assert sender is not None
        start = await uow.load_step(sender.id, self.router.consent_key)
        profile = {"first_name": sender.first_name, "last_name": sender.last_name, "username": sender.username,
                   "telegram_language_code": sender.language_code}
        user = start.user
        if user is None:
            user = await uow.users.create(sender.id, **profile)
        else:
            uow.users.update_profile(user, **profile)
        if user.language is None and not is_staff_chat:
            user.language = supported_language(sender.language_code)
        dialog = start.dialog
        screen = start.screen if not is_staff_chat else None
        return Turn(
            update_id=update.update_id,
            user=user,
            uow=uow,
            settings=self.settings,
            t=translator(user.language or "ru"),
            incoming=parse_incoming(update),
            router=self.router,
            documents=self.documents,
            fetch_file=lambda file_id: self._download_outside_slot(bot, file_id),
            staff_forum=self.staff_forum,
            state=dialog.state if dialog else "new",
            # A deep copy: handlers change nested answers in place, and the loaded
            # value must stay as it was for the change to be seen and written.
            data=copy.deepcopy(dialog.data) if dialog else {},
            screen_message_id=screen.message_id if screen else None,
            retired_screens=list(screen.retired) if screen else [],
        ), start.chat_waiting

    async def _queue_replies(self, uow: UnitOfWork, turn: Turn, chat_waiting: bool) -> list[OutgoingMessage] | None:
        """Write the step's replies to the outbox. Those this step may send itself, right
        after its commit, are written in flight and returned; a chat with an earlier
        unsent reply gets its rows queued behind it for the flush. None: the rows need
        what `deliver` does: a value resolved from an earlier row, or rows a service
        added to the outbox itself (they go in order with the step's)."""
        rows = [(message.pop("chat_id"), message) for message in turn.outgoing]
        if uow.outbox.added or any(payload.get("resolve") for _, payload in rows):
            for chat_id, payload in rows:
                uow.outbox.add(chat_id, payload, turn.update_id)
            return None
        others = {chat_id for chat_id, _ in rows} - {turn.user.id}
        waiting = await uow.outbox.chats_waiting(others) if others else set()
        if chat_waiting:
            waiting.add(turn.user.id)
        for chat_id, payload in rows:
            if chat_id in waiting:
                uow.outbox.add(chat_id, payload, turn.update_id)
        if waiting:
            self.wake_outbox()
        now = self.clock()
        mine = [(chat_id, payload) for chat_id, payload in rows if chat_id not in waiting]
        return await uow.outbox.add_in_flight(mine, turn.update_id, now) if mine else []

    async def _send_replies(self, bot: Bot, rows: list[OutgoingMessage]) -> None:
        """Send the step's rows (in flight since its commit) in order; mark those sent in
        one statement, shared with the steps sending at the same time. A row that could
        not be sent is recorded as the flush records it, and holds back the later rows of
        its chat (released for the flush)."""
        outcomes: list[tuple[OutgoingMessage, Outcome | None]] = []
        stopped: set[int] = set()
        for row in rows:
            outcome = None if row.chat_id in stopped else await self._send(bot, row.chat_id, row.payload)
            if isinstance(outcome, Retry):
                stopped.add(row.chat_id)
            outcomes.append((row, outcome))
        sent = [(row, outcome) for row, outcome in outcomes if isinstance(outcome, Sent)]
        later: list[tuple[OutgoingMessage, Outcome | None]] = []
        if sent:
            screens: list[tuple[int, int]] = []
            for row, outcome in sent:
                hook = row.payload.get("on_sent", "")
                if not hook.startswith("screen:"):
                    if hook:
                        later.append((row, outcome))
                elif outcome.message_id != row.payload.get("message_id"):  # an edit keeps its message
                    screens.append((int(hook.partition(":")[2]), outcome.message_id))
            try:
                await self.sent_replies.record(SentRecord([row.id for row, _ in sent], screens))
            except Exception:
                log.exception("update %s: could not record its sent replies and screens; replies not recorded "
                              "are sent again after the lease", rows[0].update_id)
                return
        for row, outcome in later + [(row, outcome) for row, outcome in outcomes if not isinstance(outcome, Sent)]:
            try:
                if isinstance(outcome, Sent):
                    await self._after_sent(row, outcome)
                else:
                    await self._record(row, outcome, release=outcome is None)
            except Exception:
                log.exception("outbox row %s: could not record the outcome", row.id)

    async def _after_sent(self, row: OutgoingMessage, outcome: Sent) -> None:
        """A sent row's after-sending step (other than the screen's), in its own transaction."""
        name, _, arg = row.payload["on_sent"].partition(":")
        async with self.write_slots, UnitOfWork(self.sessions) as uow:
            try:
                await self.on_sent[name](uow, arg, outcome.message_id)
            except Exception:
                log.exception("outbox row %s: the after-sending step %r failed", row.id, name)
                return
            await uow.commit()
        self.wake_outbox()  # a hook may queue a message (staff told "delivered")

    async def _download_outside_slot(self, bot: Bot, file_id: str) -> bytes:
        """A download from Telegram (up to 20 MB) gives the write slot to other
        users meanwhile; callers fetch before they write anything."""
        self.write_slots.release()
        try:
            return await _download(bot, file_id)
        finally:
            await self.write_slots.acquire()

    async def _route_staff(self, turn: Turn, is_staff: bool) -> None:
        """The staff chat: commands, card buttons and answers, from staff only; each
        command or button is recorded with who did it."""
        incoming, router = turn.incoming, self.router
        handler: Handler | None = None
        if incoming.kind == "command":
            handler = router.staff_commands.get(incoming.command or "")
        elif incoming.kind == "callback":
            handler = router.staff_callbacks.get((incoming.callback_data or "").split(":", 1)[0])
        if handler is not None and not is_staff:
            log.warning("user %s is not staff: %s refused", turn.user.id, incoming.command or incoming.callback_data)
            refusal = translator(self.settings.staff_language).gettext(NOT_STAFF)
            if incoming.kind == "callback":
                turn.notice(refusal)
            else:
                turn.say(refusal, chat_id=incoming.chat_id, message_thread_id=incoming.thread_id)
            return
        if handler is not None:
            turn.uow.support.record_staff_action(
                turn.user.id, incoming.command or (incoming.callback_data or "").split(":", 1)[0],
                args=incoming.args or incoming.callback_data or "", thread_id=incoming.thread_id)
            await handler(turn)
        elif is_staff and router.staff_chat_handler is not None:
            await router.staff_chat_handler(turn)
        else:
            return
        if incoming.thread_id is not None:
            # Answers to what staff did in a forum topic stay in that topic.
            for row in turn.outgoing:
                if row["chat_id"] == incoming.chat_id and "message_thread_id" not in row \
                        and "message_thread_id" not in row.get("resolve", {}) and row["method"].startswith("send"):
                    row["message_thread_id"] = incoming.thread_id

    async def _route(self, turn: Turn) -> None:
        router, incoming = self.router, turn.incoming
        route: Route | None = None
        if incoming.kind in ("pre_checkout", "payment"):
            # Money already moving is never turned away by a gate.
            handler = router.pre_checkout if incoming.kind == "pre_checkout" else router.payment
            if handler is not None:
                await handler(turn)
            return
        if incoming.kind in ("edit", "member"):
            # An edit is not a new answer, and a block is not input: neither moves a journey.
            hook = router.on_edit if incoming.kind == "edit" else router.on_member
            if hook is not None:
                await hook(turn)
            return
        if incoming.kind in ("text", "file", "contact", "media") and router.relay is not None \
                and await router.relay(turn):
            return
        if incoming.kind == "command":
            route = router.commands.get(incoming.command or "")
            if route is None:
                turn.say(turn._(UNKNOWN_COMMAND))
                await self._render_current(turn)
                return
        elif incoming.kind == "callback":
            route = router.callbacks.get((incoming.callback_data or "").split(":", 1)[0])
            if turn.is_retired(incoming.message_id):
                # A button of a screen already left: history is not rewritten;
                # the user gets a notice and the current screen at the bottom.
                turn.notice(turn._(STALE_BUTTON))
                await self._render_current(turn)
                return
            if route is None:
                log.warning("update %s: unknown callback data %r", turn.update_id, incoming.callback_data)
                turn.notice(turn._(STALE_BUTTON))
                return
        if turn.user.language is None and (route is None or route.needs_language):
            await router.ask_language(turn)
            return
        if route is None:
            screen = router.screens.get(turn.state)
            handler = {"text": screen.on_text, "contact": screen.on_contact, "file": screen.on_file}.get(
                incoming.kind) if screen else None
            if handler is None and incoming.kind == "file" and router.stray_file is not None:
                await router.stray_file(turn)
                return
            if screen is None or handler is None:
                turn.say(turn._(USE_BUTTONS))
                await self._render_current(turn)
                return
            route = Route(handler, needs_consent=screen.needs_consent)
        if route.needs_consent and not await self.router.has_consent(turn):
            await router.ask_consent(turn)
            return
        await route.handler(turn)

    async def _render_current(self, turn: Turn) -> None:
        screen = self.router.screens.get(turn.state)
        if screen is None or (screen.needs_consent and not await self.router.has_consent(turn)):
            await self.router.home(turn)
        else:
            await screen.render(turn)

    @staticmethod
    async def _answer_callback(update: Update, notice: str | None) -> None:
        if update.callback_query is None:
            return
        with suppress(TelegramError):
            await raw_call(update.get_bot(), "answerCallbackQuery", callback_query_id=update.callback_query.id,
                           text=notice)

    @staticmethod
    async def _answer_pre_checkout(update: Update, error: str | None) -> None:
        if update.pre_checkout_query is None:
            return
        with suppress(TelegramError):
            await update.pre_checkout_query.answer(ok=error is None, error_message=error)

    async def _apologise(self, bot: Bot, update: Update, language: str | None) -> None:
        chat = update.effective_chat
        await self._answer_callback(update, None)
        apology = translator(language or "ru").gettext(APOLOGY)
        await self._answer_pre_checkout(update, apology)
        if chat is None:
            return
        with suppress(TelegramError):
            await bot.send_message(chat.id, apology)

    # The outbox. Three layers, each replaceable on its own: `_call` performs one row
    # (one Telegram method per row's "method"), `_send` performs it once and classifies
    # any error, `deliver` claims rows and records each outcome. Nothing here sleeps:
    # a row that must wait gets `next_attempt_at`, and the background loop wakes for it.

    async def deliver(self, bot: Bot, *, update_id: int | None = None, background: bool = False,
                      **_legacy: object) -> int:
        """Send pending outbox rows in order (of one update, of background jobs only, or
        all); returns how many were sent. A chat's rows wait only behind that chat's own
        unsent row; every error stays in its row."""
        async with self._claim_lock, self.write_slots, UnitOfWork(self.sessions) as uow:
            claimed_at = self.clock()
            rows = await uow.outbox.claim(claimed_at, update_id=update_id, background=background,
                                          lease=self.outbox_lease)
            await uow.commit()
        sent = 0
        stopped: set[int] = set()
        for row in rows:
            if row.chat_id in stopped or self.clock() - claimed_at > self.outbox_lease / 2:
                # Given back rather than sent near the lease's end, when another
                # worker may take it.
                await self._record(row, None, release=True)
                continue
            outcome = await self._send(bot, row.chat_id, row.payload)
            if isinstance(outcome, Retry) and self.clock() - row.created_at > OUTBOX_GIVE_UP_AFTER:
                outcome = GiveUp(f"{outcome.error}; not delivered within {OUTBOX_GIVE_UP_AFTER}")
            elif isinstance(outcome, Retry) and row.attempts + 1 >= OUTBOX_MAX_ATTEMPTS and not outcome.flood:
                outcome = GiveUp(f"{outcome.error}; {OUTBOX_MAX_ATTEMPTS} attempts")
            if isinstance(outcome, Retry):
                stopped.add(row.chat_id)  # keep this chat's order
            try:
                await self._record(row, outcome)
            except Exception:
                log.exception("outbox row %s: could not record the outcome", row.id)
                continue
            sent += isinstance(outcome, Sent)
        return sent

    async def _record(self, row: OutgoingMessage, outcome: Outcome | None, *, release: bool = False) -> None:
        now = self.clock()
        async with self.write_slots, UnitOfWork(self.sessions) as uow:
            if release:
                await uow.outbox.release(row.id)
            elif isinstance(outcome, Sent):
                await uow.outbox.mark_sent(row.id, now)
                if hook := row.payload.get("on_sent"):
                    name, _, arg = hook.partition(":")
                    try:
                        await self.on_sent[name](uow, arg, outcome.message_id)
                        self.wake_outbox()  # a hook may queue a message (staff told "delivered")
                    except Exception:
                        log.exception("outbox row %s: the after-sending step %r failed", row.id, name)
            elif isinstance(outcome, Retry):
                due = now + timedelta(seconds=outcome.delay if outcome.delay >= 0 else backoff(row.attempts))
                await uow.outbox.mark_failed(row.id, outcome.error, give_up=False, next_attempt_at=due)
                self._note_due(due)
                log.warning("outbox row %s to chat %s: %s; again at %s", row.id, row.chat_id, outcome.error,
                            due.isoformat(timespec="seconds"))
            else:
                await uow.outbox.mark_failed(row.id, outcome.error, give_up=True, now=now)
                log.error("outbox row %s to chat %s given up: %s", row.id, row.chat_id, outcome.error)
                self._tell_staff_undelivered(uow, row, outcome.error)
                for step in self.on_given_up:
                    await step(uow, row, outcome.error)
            await uow.commit()

    def _tell_staff_undelivered(self, uow: UnitOfWork, row: OutgoingMessage, error: str) -> None:
        """Staff learn that a customer did not get a message (never about the staff chat itself)."""
        staff_chat = self.settings.staff_chat_id
        if staff_chat is None or row.chat_id == staff_chat:
            return
        staff = translator(self.settings.staff_language)
        uow.outbox.add(staff_chat, {"method": "send_message", "text": translate(
            staff, UNDELIVERED_TO_STAFF, user_id=row.chat_id, what=_describe(row.payload), error=error[:200])})
        self.wake_outbox()

    async def flush_outbox(self, bot: Bot, older_than: timedelta | None = None) -> int:
        """Send whatever is due: what a crash, an outage or a retry left behind (run
        periodically). Rows in flight elsewhere and rows not yet due are left alone."""
        async with self._flush_lock:
            return await self.deliver(bot)

    async def release_in_flight(self) -> int:
        """At start: rows a crashed process had taken are sent again (at most once more,
        recorded in `last_error`)."""
        async with self.write_slots, UnitOfWork(self.sessions) as uow:
            count = await uow.outbox.release_in_flight(self.clock())
            await uow.commit()
        if count:
            log.warning("%s outbox rows were being sent when the last process stopped; sending again", count)
        return count

    async def purge_sent_payloads(self, now: datetime | None = None) -> int:
        """Drop the content (personal data) of rows sent longer ago than the retention."""
        now = now or self.clock()
        async with UnitOfWork(self.sessions) as uow:
            count = await uow.outbox.purge(now - timedelta(hours=self.settings.outbox_retention_hours), now)
            await uow.commit()
        return count

    def _note_due(self, due: datetime) -> None:
        if self._next_due is None or due < self._next_due:
            self._next_due = due
        self.wake_outbox()

    def wake_outbox(self) -> None:
        self._outbox_work.set()

    async def wait_for_outbox_work(self, longest: float) -> None:
        """Sleep until the next retry is due, something asks for a pass, or `longest`."""
        wait = longest
        if self._next_due is not None:
            wait = max(0.05, min(longest, (self._next_due - self.clock()).total_seconds()))
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._outbox_work.wait(), wait)
        self._outbox_work.clear()
        if self._next_due is not None and self._next_due <= self.clock():
            self._next_due = None

    async def _resolve(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Fill the row's "resolve" parameters from the database, as they are now."""
        if not payload.get("resolve"):
            return payload
        resolved = {k: v for k, v in payload.items() if k != "resolve"}
        async with UnitOfWork(self.sessions) as uow:
            for param, reference in payload["resolve"].items():
                name, _, arg = reference.partition(":")
                value = await self.resolvers[name](uow, arg)
                if value is not None:
                    resolved[param] = value
        return resolved

    async def _call(self, bot: Bot, chat_id: int, payload: dict[str, Any]) -> int:
        """Perform one outbox row; returns the Telegram message id (0 for an SMS,
        the topic's thread id for a created forum topic)."""
        payload = await self._resolve(payload)
        method = payload["method"]
        # Where in a staff chat: the customer's topic, or a reply to their request.
        place: dict[str, Any] = {k: payload[k] for k in ("message_thread_id", "reply_to_message_id") if k in payload}
        if "reply_to_message_id" in place:
            place["allow_sending_without_reply"] = True
        if method in ("edit_message_text", "edit_message_caption") and "message_id" not in payload:
            return 0  # the message to edit was never delivered: nothing to change
        if method == "send_message":
            thread = {"message_thread_id": place["message_thread_id"]} if "message_thread_id" in place else {}
            if "reply_to_message_id" in place:
                thread["reply_parameters"] = {"message_id": place["reply_to_message_id"],
                                              "allow_sending_without_reply": True}
            sent = await raw_call(bot, "sendMessage", chat_id=chat_id, text=payload["text"], parse_mode=ParseMode.HTML,
                                  reply_markup=_raw_markup(payload.get("reply_markup")),
                                  link_preview_options=NO_PREVIEW, **thread)
            return sent["message_id"]
        markup = _markup(payload.get("reply_markup"), bot)
        if method == "copy_message":
            caption = {"caption": payload["caption"], "parse_mode": ParseMode.HTML} if "caption" in payload else {}
            copied = await bot.copy_message(chat_id, payload["from_chat_id"], payload["message_id"],
                                            reply_markup=markup, **caption, **place)
            return copied.message_id
        elif method == "edit_message_caption":
            try:
                await bot.edit_message_caption(chat_id=chat_id, message_id=payload["message_id"],
                                               caption=payload["caption"], parse_mode=ParseMode.HTML)
            except BadRequest as exc:
                if "not found" not in exc.message.lower() and "can't be edited" not in exc.message.lower():
                    raise
                return 0  # the relayed copy is gone: nothing to edit
            return payload["message_id"]
        elif method == "create_forum_topic":
            topic = await bot.create_forum_topic(chat_id, payload["name"])
            return topic.message_thread_id
        elif method in ("edit_forum_topic", "close_forum_topic", "reopen_forum_topic"):
            if "message_thread_id" not in payload:
                return 0  # the topic was never created
            call = {"edit_forum_topic": bot.edit_forum_topic, "close_forum_topic": bot.close_forum_topic,
                    "reopen_forum_topic": bot.reopen_forum_topic}[method]
            extra = {"name": payload["name"]} if method == "edit_forum_topic" else {}
            try:
                await call(chat_id, payload["message_thread_id"], **extra)
            except BadRequest as exc:
                if "topic_not_modified" not in exc.message.lower():
                    raise
            return payload["message_thread_id"]
        elif method == "edit_message_text":
            result = await raw_call(bot, "editMessageText", chat_id=chat_id, message_id=payload["message_id"],
                                    text=payload["text"], parse_mode=ParseMode.HTML,
                                    reply_markup=_raw_markup(payload.get("reply_markup")),
                                    link_preview_options=NO_PREVIEW)
            return payload["message_id"] if result is True else result["message_id"]
        elif method == "edit_message_reply_markup":
            # A left screen loses its buttons; one already gone needs nothing.
            with suppress(BadRequest):
                await raw_call(bot, "editMessageReplyMarkup", chat_id=chat_id, message_id=payload["message_id"])
            return payload["message_id"]
        elif method == "set_my_commands":
            await bot.set_my_commands([BotCommand(name, description) for name, description in payload["commands"]],
                                      scope=BotCommandScopeChat(chat_id))
            return 0
        elif method == "send_document":
            content = (self.documents.get(payload["sha256"]) if "sha256" in payload
                       else base64.b64decode(payload["content_b64"]))
            message = await bot.send_document(chat_id, InputFile(BytesIO(content), filename=payload["filename"]),
                                              caption=payload.get("caption"), parse_mode=ParseMode.HTML, **place)
        elif method == "send_invoice":
            message = await bot.send_invoice(
                chat_id, payload["title"], payload["description"], payload["payload"], payload["currency"],
                [LabeledPrice(label, amount) for label, amount in payload["prices"]],
                provider_token=self.settings.payment_provider_token)
        elif method == "send_sms":
            await self.sms.send(payload["phone"], payload["text"], chat_id)
            return 0
        else:
            raise ValueError(f"unknown outbox method {method!r}")
        return message.message_id

    async def _send(self, bot: Bot, chat_id: int, payload: dict[str, Any]) -> Outcome:
        """Perform one row once; every error becomes an outcome, none escapes."""
        for _ in range(3):  # at most: an edit turned into a new message, a migrated chat
            try:
                if payload.get("method") != "send_sms":
                    await self.limiter.acquire(chat_id)
                return Sent(await self._call(bot, chat_id, payload))
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
                with suppress(Exception):
                    await self.limiter.penalise(chat_id, seconds)
                return Retry(f"flood control: retry after {seconds:g}s", seconds, flood=True)
            except Forbidden as exc:
                return GiveUp(f"forbidden: {exc.message}")
            except ChatMigrated as exc:
                chat_id = exc.new_chat_id
            except BadRequest as exc:
                text = exc.message.lower()
                if "message is not modified" in text:
                    return Sent(payload.get("message_id", 0))
                if payload.get("method") == "edit_message_text" and any(
                        reason in text for reason in _EDIT_IMPOSSIBLE):
                    # e.g. a forged press on a document message: the screen comes as a new message
                    payload = {k: v for k, v in payload.items() if k != "message_id"} | {"method": "send_message"}
                    continue
                return GiveUp(f"bad request: {exc.message}")
            except (Conflict, InvalidToken) as exc:
                return Retry(f"telegram: {exc.message}", RETRY_AFTER_CONFIGURATION_ERROR)
            except NetworkError as exc:  # timeouts and 5xx: Telegram may still be fine in a moment
                return Retry(f"network: {exc.message}", -1)
            except TelegramError as exc:
                return Retry(f"telegram: {exc.message}", -1)
            except httpx.HTTPError as exc:
                return Retry(f"sms gateway: {exc.__class__.__name__}", -1)
            except (OSError, KeyError, ValueError, TypeError, DataKeyError) as exc:
                return GiveUp(f"cannot be sent: {exc.__class__.__name__}: {exc}"[:300])
            except Exception as exc:
                log.exception("outbox: unexpected error sending %s to chat %s", payload.get("method"), chat_id)
                return Retry(f"unexpected: {exc.__class__.__name__}", -1)
        return GiveUp("could not be sent as a new message either")


@dataclass(frozen=True)
class Sent:
    message_id: int


@dataclass(frozen=True)
class Retry:
    """Try again after `delay` seconds (-1: the backoff for the row's attempts)."""

    error: str
    delay: float
    flood: bool = False


@dataclass(frozen=True)
class GiveUp:
    error: str


Outcome = Sent | Retry | GiveUp


def backoff(attempts: int) -> float:
    """Seconds before attempt `attempts + 1` after a passing failure: 2, 4, 8 ... 300."""
    return float(min(2 ** max(1, attempts + 1), 300))


def _describe(payload: dict[str, Any]) -> str:
    method = payload.get("method", "?")
    if method in ("send_message", "edit_message_text"):
        return f"{method}: {plain_preview(payload.get('text', ''))}"
    return method


def plain_preview(text: str, length: int = 60) -> str:
    flat = re.sub(r"<[^>]+>", "", text).replace("\n", " ")
    return html.unescape(flat)[:length] + ("…" if len(flat) > length else "")


async def _screen_shown(uow: UnitOfWork, user_id: str, message_id: int) -> None:
    await uow.screens.shown(int(user_id), message_id)


async def _download(bot: Bot, file_id: str) -> bytes:
    telegram_file = await bot.get_file(file_id)
    return bytes(await telegram_file.download_as_bytearray())


NO_PREVIEW = {"is_disabled": True}
def _raw_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    if not markup:
        return None
    return markup if "inline_keyboard" in markup or "keyboard" in markup else {"remove_keyboard": True}


def _markup(markup: dict[str, Any] | None, bot: Bot) -> ReplyMarkup | None:
    if not markup:
        return None
    if "inline_keyboard" in markup:
        return InlineKeyboardMarkup.de_json(markup, bot)
    if "keyboard" in markup:
        return ReplyKeyboardMarkup.de_json(markup, bot)
    return ReplyKeyboardRemove()
