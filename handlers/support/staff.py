"""The staff side of the desk: answers in a customer's topic (or replies to a
request in a plain group) go to the customer, labelled with the staff member's
first name; edits follow; commands (`/r`, `/close`, `/card`, `/claim`,
`/policy`) are never relayed. Only staff reach this module (see
`Dispatcher._route_staff`)."""

from __future__ import annotations

from html import escape

from bot.conversation import Turn, inline_keyboard, split_html, translate
from bot.i18n import LANGUAGE_NAMES, N_, translator
from bot.keyboards import MAIN_MENU
from handlers.support.canned import BY_KEY, CANNED, fill
from insurance.parsing import ascii_digits
from handlers.support.card import LOOKUP_USAGE, NOT_FOUND, claim_detail, policy_detail, render_card
from handlers.support.customer import (
    ANSWER,
    ANSWER_CAPTION,
    ASK_AGAIN,
    CLOSED_BY_STAFF,
    RATE,
    back_to_bot,
)
from handlers.support.desk import (
    customer_t,
    hand_back,
    reachable,
    remember_customer_copy,
    retitle_closed,
    staff_t,
    ticket_of_staff_message,
    to_staff,
)
from storage.models import SupportRequest, User, utcnow
from storage.unit_of_work import UnitOfWork

STAFF_DELIVERED = N_("✓ Delivered to the client (request No. %(number)s).")
STAFF_UNKNOWN = N_("This is not a reply to a client's request: reply to a request message to answer.")
STAFF_NO_TICKET = N_(
    "Not sent: this customer has no open or recent request, so they cannot be reached until they write to the bot."
)
STAFF_NOT_A_TICKET = N_("Use this command in a customer's topic, or as a reply to their request.")
STAFF_COMMANDS = N_(
    "Commands are never sent to the customer. In a customer's topic: /r (canned answers), /r KEY, /close, /card, "
    "/claim, /policy, /paid N."
)
STAFF_CLOSED = N_("✅ Request No. %(number)s closed by %(name)s; the customer is asked for a rating.")
STAFF_ALREADY_CLOSED = N_("Request No. %(number)s is already closed.")
STAFF_CANNED_LIST = N_("<b>Canned answers</b>: send one with /r KEY; the customer gets it in their language.")
STAFF_CANNED_SENT = N_("✓ Sent «%(key)s» in %(language)s:\n%(text)s")
STAFF_CANNED_UNKNOWN = N_("There is no canned answer «%(key)s»: /r lists them.")
STAFF_CANNED_NO_NUMBER = N_("«%(key)s» needs the customer's policy or claim number, and they have none.")
SUPPORT = N_("Support")

CAPTIONED = ("file", "video", "voice", "audio", "animation")


async def staff_message(turn: Turn) -> None:
    """A staff member wrote in the staff chat (not a known command)."""
    incoming = turn.incoming
    if incoming.kind in ("callback", "other", "member"):
        return
    request = await ticket_of_staff_message(turn)
    if incoming.kind == "command":
        if request is not None or incoming.thread_id is not None:
            turn.say(staff_t(turn).gettext(STAFF_COMMANDS), chat_id=incoming.chat_id)
        return
    if request is None:
        if not turn.staff_forum and incoming.reply_to_message_id is not None and incoming.kind != "edit":
            turn.say(staff_t(turn).gettext(STAFF_UNKNOWN), chat_id=incoming.chat_id)
        return
    if incoming.kind == "edit":
        await relay_staff_edit(turn, request)
        return
    if not reachable(request, utcnow()):
        turn.say(staff_t(turn).gettext(STAFF_NO_TICKET), chat_id=incoming.chat_id,
                 reply_to_message_id=incoming.message_id)
        return
    client = await turn.uow.users.get(request.user_id)
    assert client is not None
    await send_to_customer(turn, request, client)


def staff_name(turn: Turn, client: User) -> str:
    return turn.user.first_name or customer_t(client).gettext(SUPPORT)


def answer_rows(turn: Turn, request: SupportRequest, client: User) -> list[list[tuple[str, str]]]:
    t = customer_t(client)
    if request.status == "open":
        return [[*back_to_bot(t)[0], (t.gettext(MAIN_MENU), "menu")]]
    return [[(t.gettext(ASK_AGAIN), "support"), (t.gettext(MAIN_MENU), "menu")]]


async def send_to_customer(turn: Turn, request: SupportRequest, client: User, text: str | None = None) -> None:
    """What the staff member wrote (or `text`, a canned answer), to the customer, signed."""
    incoming, t = turn.incoming, customer_t(client)
    name = staff_name(turn, client)
    kind = "text" if text is not None or incoming.kind == "text" else incoming.media_kind or incoming.kind
    relayed = turn.uow.support.relayed(request_id=request.id, direction="to_customer", kind=kind,
                                       staff_message_id=incoming.message_id if text is None else None,
                                       staff_user_id=turn.user.id, staff_name=name)
    await turn.uow.flush()
    rows = answer_rows(turn, request, client)
    answer = translate(t, ANSWER, name=name, number=request.id, text=text or incoming.text)
    on_sent = f"support_reply:{relayed.id}"
    if not turn.staff_forum:
        # In a plain group staff hear "delivered" once the (last part of the) answer is
        # sent, not before; if it cannot be delivered they are told that (bot.dispatcher).
        parts = len(split_html(answer)) if kind == "text" else 1
        on_sent = (f"support_answer:{relayed.id}:{request.id}:{parts}:{incoming.chat_id}:"
                   f"{turn.settings.staff_language}")
    if kind == "text":
        turn.say(answer, rows, chat_id=client.id, on_sent=on_sent)
    else:
        label = translate(t, ANSWER_CAPTION, name=name)
        copy = {"chat_id": client.id, "method": "copy_message", "from_chat_id": incoming.chat_id,
                "message_id": incoming.message_id, "on_sent": on_sent}
        if kind in CAPTIONED:
            copy["caption"] = label + (f"\n\n{escape(incoming.text)}" if incoming.text else "")
        else:
            turn.say(label, chat_id=client.id)
        turn.outgoing.append(copy)
    if request.answered_at is None:
        request.answered_at = utcnow()
    request.waiting_since, request.reminders_sent = None, 0
    turn.uow.support.record_staff_action(turn.user.id, "answer", request.id, kind=kind)


async def confirm_answer_delivered(uow: UnitOfWork, argument: str, message_id: int) -> None:
    """Outbox hook (plain staff group): the customer got the whole answer; its id is
    remembered for edits, and staff are told, in how many parts."""
    relayed_id, request_id, parts, staff_chat, language = argument.split(":")
    await remember_customer_copy(uow, relayed_id, message_id)
    staff = translator(language)
    text = staff.gettext(STAFF_DELIVERED, number=request_id) if parts == "1" else staff.ngettext(
        "✓ Delivered to the client in %(n)s part (request No. %(number)s): the answer was longer than "
        "one Telegram message.",
        "✓ Delivered to the client in %(n)s parts (request No. %(number)s): the answer was longer than "
        "one Telegram message.", int(parts), number=request_id)
    uow.outbox.add(int(staff_chat), {"method": "send_message", "text": text})


async def relay_staff_edit(turn: Turn, request: SupportRequest) -> None:
    incoming = turn.incoming
    relayed = await turn.uow.support.relayed_by_staff_message(incoming.message_id or 0)
    if relayed is None or relayed.direction != "to_customer":
        return
    client = await turn.uow.users.get(request.user_id)
    assert client is not None
    t, name = customer_t(client), relayed.staff_name or staff_name(turn, client)
    where = {"chat_id": client.id, "resolve": {"message_id": f"support_customer_copy:{relayed.id}"}}
    if incoming.media_kind == "caption":
        caption = translate(t, ANSWER_CAPTION, name=name) + (f"\n\n{escape(incoming.text)}" if incoming.text else "")
        turn.outgoing.append({**where, "method": "edit_message_caption", "caption": caption})
    else:
        turn.outgoing.append({**where, "method": "edit_message_text",
                              "text": translate(t, ANSWER, name=name, number=request.id, text=incoming.text),
                              "reply_markup": inline_keyboard(answer_rows(turn, request, client))})
    turn.uow.support.record_staff_action(turn.user.id, "edit", request.id)


async def _ticket_here(turn: Turn) -> SupportRequest | None:
    request = await ticket_of_staff_message(turn)
    if request is None:
        turn.say(staff_t(turn).gettext(STAFF_NOT_A_TICKET), chat_id=turn.incoming.chat_id)
    return request


async def close(turn: Turn) -> None:
    """`/close`: the customer is told, gets their journey back and is asked for a rating."""
    request = await _ticket_here(turn)
    if request is None:
        return
    staff = staff_t(turn)
    if request.status != "open":
        turn.say(staff.gettext(STAFF_ALREADY_CLOSED, number=request.id), chat_id=turn.incoming.chat_id)
        return
    client = await turn.uow.users.get(request.user_id)
    assert client is not None
    request.status, request.closed_at, request.closed_by = "closed", utcnow(), turn.user.id
    request.waiting_since = None
    t, name = customer_t(client), staff_name(turn, client)
    await hand_back(turn, client, before=translate(t, CLOSED_BY_STAFF, name=name, number=request.id))
    turn.say(t.gettext(RATE), [[(str(n), f"support:rate:{request.id}:{n}") for n in range(1, 6)]], chat_id=client.id)
    to_staff(turn, request, translate(staff, STAFF_CLOSED, number=request.id, name=name))
    if turn.staff_forum and (topic := await turn.uow.support.topic(client.id)) is not None:
        await retitle_closed(turn, request, client, topic)


async def canned(turn: Turn) -> None:
    """`/r` lists the canned answers; `/r KEY` sends one in the customer's language."""
    staff, key = staff_t(turn), turn.incoming.args.strip().lower()
    if not key:
        lines = [staff.gettext(STAFF_CANNED_LIST)]
        lines += [f"<code>{a.key}</code>: {escape(staff.gettext(a.text, claim='…', policy='…'))}" for a in CANNED]
        turn.say("\n".join(lines), chat_id=turn.incoming.chat_id)
        return
    answer = BY_KEY.get(key)
    if answer is None:
        turn.say(translate(staff, STAFF_CANNED_UNKNOWN, key=key), chat_id=turn.incoming.chat_id)
        return
    request = await _ticket_here(turn)
    if request is None:
        return
    if not reachable(request, utcnow()):
        turn.say(staff.gettext(STAFF_NO_TICKET), chat_id=turn.incoming.chat_id)
        return
    client = await turn.uow.users.get(request.user_id)
    assert client is not None
    text = await fill(turn, answer, client, customer_t(client))
    if text is None:
        turn.say(translate(staff, STAFF_CANNED_NO_NUMBER, key=key), chat_id=turn.incoming.chat_id)
        return
    await send_to_customer(turn, request, client, text=text)
    turn.say(translate(staff, STAFF_CANNED_SENT, key=key, language=LANGUAGE_NAMES[customer_t(client).language],
                       text=text), chat_id=turn.incoming.chat_id)


async def card(turn: Turn) -> None:
    """`/card`: the context card again, as it is now."""
    request = await _ticket_here(turn)
    if request is None:
        return
    client = await turn.uow.users.get(request.user_id)
    assert client is not None
    text, rows = await render_card(turn, request, client)
    to_staff(turn, request, text, rows)


async def lookup(turn: Turn, what: str, number: str | None = None, object_id: int | None = None) -> None:
    """A claim or policy for staff: by number, by id (card buttons), or the ticket customer's newest."""
    uow, staff, incoming = turn.uow, staff_t(turn), turn.incoming
    found = None
    if object_id is not None:
        found = await (uow.claims.get(object_id) if what == "claim" else uow.policies.get(object_id))
    elif number:
        found = await (uow.claims.by_number(number.upper()) if what == "claim" else uow.policies.by_number(number))
    elif (request := await ticket_of_staff_message(turn)) is not None:
        items = await (uow.claims.for_user(request.user_id) if what == "claim" else uow.policies.for_user(request.user_id))
        found = items[0] if items else None
    else:
        turn.say(staff.gettext(LOOKUP_USAGE), chat_id=incoming.chat_id)
        return
    if found is None:
        turn.say(translate(staff, NOT_FOUND, number=number or "—"), chat_id=incoming.chat_id)
        return
    text = await claim_detail(turn, found) if what == "claim" else policy_detail(turn, found)
    turn.say(text, chat_id=incoming.chat_id)


async def claim_command(turn: Turn) -> None:
    await lookup(turn, "claim", turn.incoming.args.strip() or None)


async def policy_command(turn: Turn) -> None:
    await lookup(turn, "policy", turn.incoming.args.strip() or None)


async def card_button(turn: Turn) -> None:
    """`desk:claim:ID` / `desk:policy:ID` on a context card."""
    parts = (turn.incoming.callback_data or "").split(":")
    if len(parts) == 3 and parts[1] in ("claim", "policy") and ascii_digits(parts[2]):
        await lookup(turn, parts[1], object_id=int(parts[2]))
