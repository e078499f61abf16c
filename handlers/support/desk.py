"""The desk's shared pieces: where a ticket lives in the staff chat (its forum
topic, or replies to the request in a plain group), the topic's title, the
customer's journey handed back, and the outbox hooks and resolvers that learn
Telegram's ids after sending.

Staff see everything in `QAMQOR_STAFF_LANGUAGE`; customers in their own.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.conversation import Incoming, Turn, translate
from bot.i18n import N_, Translator, translator
from insurance.catalogue import get_product
from insurance.support_desk import is_recent
from storage.models import SupportRequest, SupportTopic, User, utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

TOPIC_TITLE = "№{number} · {name} · {language} · {product}"
CLOSED_MARK = "✅ "

STAFF_REOPENED = N_("🔄 The customer wrote again: request No. %(number)s is open again.")


def staff_t(turn: Turn) -> Translator:
    return translator(turn.settings.staff_language)


def customer_t(user: User | None) -> Translator:
    return translator((user.language if user else None) or "ru")


def place_for(forum: bool, request: SupportRequest) -> dict[str, Any]:
    """Outbox parameters that put a message where staff follow this ticket: the
    customer's topic (forum), or a reply to the request message (plain group).
    Resolved at send time: the topic or the request message may not exist yet."""
    if forum:
        return {"resolve": {"message_thread_id": f"support_thread:{request.user_id}"}}
    return {"resolve": {"reply_to_message_id": f"support_request:{request.id}"}}


def staff_place(turn: Turn, request: SupportRequest) -> dict[str, Any]:
    return place_for(turn.staff_forum, request)


def to_staff(turn: Turn, request: SupportRequest, text: str, rows: list | None = None,
             on_sent: str | None = None) -> None:
    """A note for staff about this ticket (never shown to the customer)."""
    if turn.settings.staff_chat_id is None:
        log.info("support request %s: %s", request.id, text)
        return
    turn.say(text, rows, chat_id=turn.settings.staff_chat_id, on_sent=on_sent, **staff_place(turn, request))


def staff_outbox(turn: Turn, request: SupportRequest, method: str, on_sent: str | None = None,
                 **payload: Any) -> None:
    """Any outbox row to the staff chat, placed with the ticket."""
    place = staff_place(turn, request)
    resolve = {**place.pop("resolve"), **payload.pop("resolve", {})}
    row: dict[str, Any] = {"chat_id": turn.settings.staff_chat_id, "method": method, **payload, **place,
                           "resolve": resolve}
    if on_sent:
        row["on_sent"] = on_sent
    turn.outgoing.append(row)


async def topic_title(turn: Turn, request: SupportRequest, user: User) -> str:
    """Who and what at a glance: request number, first name, language, product."""
    policies = await turn.uow.policies.for_user(user.id)
    product = get_product(policies[0].product_code).name.get(turn.settings.staff_language) if policies else "—"
    title = TOPIC_TITLE.format(number=request.id, name=user.first_name or str(user.id),
                               language=(user.language or "—").upper(), product=product)
    if request.status != "open":
        title = CLOSED_MARK + title
    return title[:128]


async def open_topic(turn: Turn, request: SupportRequest, user: User) -> None:
    """The customer's topic, created on their first request and reused (reopened, retitled) after."""
    staff_chat = turn.settings.staff_chat_id
    assert staff_chat is not None
    title = await topic_title(turn, request, user)
    topic = await turn.uow.support.topic(user.id)
    if topic is None or topic.chat_id != staff_chat:
        if topic is None:
            topic = turn.uow.support.add_topic(user_id=user.id, chat_id=staff_chat, title=title)
        else:
            topic.chat_id, topic.thread_id, topic.title, topic.closed = staff_chat, None, title, False
        turn.outgoing.append({"chat_id": staff_chat, "method": "create_forum_topic", "name": title,
                              "on_sent": f"support_topic:{user.id}"})
        return
    if topic.closed:
        staff_outbox(turn, request, "reopen_forum_topic")
        topic.closed = False
    if topic.title != title:
        staff_outbox(turn, request, "edit_forum_topic", name=title)
        topic.title = title


async def retitle_closed(turn: Turn, request: SupportRequest, user: User, topic: SupportTopic) -> None:
    topic.title = await topic_title(turn, request, user)
    topic.closed = True
    staff_outbox(turn, request, "edit_forum_topic", name=topic.title)
    staff_outbox(turn, request, "close_forum_topic")


async def ticket_of_staff_message(turn: Turn) -> SupportRequest | None:
    """The ticket a staff message belongs to: by its topic, or by what it replies to."""
    incoming, support = turn.incoming, turn.uow.support
    if turn.staff_forum and incoming.thread_id is not None:
        topic = await support.topic_by_thread(incoming.chat_id or 0, incoming.thread_id)
        return await support.latest(topic.user_id) if topic is not None else None
    if incoming.reply_to_message_id is None:
        return None
    request = await support.by_staff_message(incoming.reply_to_message_id)
    if request is None and (relayed := await support.relayed_by_staff_message(incoming.reply_to_message_id)):
        request = await support.get(relayed.request_id)
    return request


def reachable(request: SupportRequest, now: datetime) -> bool:
    """Staff may write to a customer whose ticket is open or was closed recently."""
    return request.status == "open" or (request.status == "closed" and is_recent(request.closed_at, now))


async def reopen(turn: Turn, request: SupportRequest, user: User) -> None:
    request.status, request.closed_at, request.closed_by = "open", None, None
    request.reminders_sent = 0
    if turn.staff_forum and turn.settings.staff_chat_id is not None:
        await open_topic(turn, request, user)
    to_staff(turn, request, translate(staff_t(turn), STAFF_REOPENED, number=request.id))


async def hand_back(turn: Turn, client: User, before: str | None = None) -> None:
    """Show the customer the screen they were on before the ticket (from a staff
    turn or their own), writing their dialog; `before` is said first."""
    own = turn.user.id == client.id
    if own:
        sub = turn
    else:
        dialog = await turn.uow.dialogs.get(client.id)
        sub = replace(turn, user=client, t=customer_t(client), incoming=Incoming(kind="other"),
                      state=dialog.state if dialog else "menu", data=dict(dialog.data) if dialog else {},
                      outgoing=[])
    previous = sub.data.pop("support_return", None) or "menu"
    if before:
        sub.say(before)
    screen = turn.router.screens.get(previous)
    if screen is None or previous.startswith("support"):
        await turn.router.home(sub)
    else:
        sub.goto(previous)
        if screen.needs_consent and not await turn.router.has_consent(sub):
            await turn.router.ask_consent(sub)
        else:
            await screen.render(sub)
    if not own:
        turn.outgoing.extend(sub.outgoing)
        await turn.uow.dialogs.save(client.id, sub.state, sub.data)


# Outbox hooks (after a row is sent) and resolvers (before a row is sent).

async def remember_staff_message(uow: UnitOfWork, request_id: str, message_id: int) -> None:
    """The staff chat message of a request, to match replies to it."""
    await uow.support.attach_staff_message(int(request_id), message_id)


async def remember_topic(uow: UnitOfWork, user_id: str, thread_id: int) -> None:
    topic = await uow.support.topic(int(user_id))
    if topic is not None:
        topic.thread_id = thread_id


async def remember_card(uow: UnitOfWork, user_id: str, message_id: int) -> None:
    topic = await uow.support.topic(int(user_id))
    if topic is not None:
        topic.card_message_id = message_id


async def remember_staff_copy(uow: UnitOfWork, relayed_id: str, message_id: int) -> None:
    if (relayed := await uow.support.relayed_message(int(relayed_id))) is not None:
        relayed.staff_message_id = message_id


async def remember_customer_copy(uow: UnitOfWork, relayed_id: str, message_id: int) -> None:
    if (relayed := await uow.support.relayed_message(int(relayed_id))) is not None:
        relayed.customer_message_id = message_id


async def thread_of(uow: UnitOfWork, user_id: str) -> int | None:
    topic = await uow.support.topic(int(user_id))
    return topic.thread_id if topic is not None else None


async def request_message(uow: UnitOfWork, request_id: str) -> int | None:
    request = await uow.support.get(int(request_id))
    return request.staff_message_id if request is not None else None


async def card_message(uow: UnitOfWork, user_id: str) -> int | None:
    topic = await uow.support.topic(int(user_id))
    return topic.card_message_id if topic is not None else None


async def staff_copy(uow: UnitOfWork, relayed_id: str) -> int | None:
    relayed = await uow.support.relayed_message(int(relayed_id))
    return relayed.staff_message_id if relayed is not None else None


async def customer_copy(uow: UnitOfWork, relayed_id: str) -> int | None:
    relayed = await uow.support.relayed_message(int(relayed_id))
    return relayed.customer_message_id if relayed is not None else None


ON_SENT = {"support_request": remember_staff_message, "support_topic": remember_topic,
           "support_card": remember_card, "support_copy": remember_staff_copy,
           "support_reply": remember_customer_copy}
RESOLVERS = {"support_thread": thread_of, "support_request": request_message, "support_card": card_message,
             "support_staff_copy": staff_copy, "support_customer_copy": customer_copy}


def now() -> datetime:
    return utcnow()
