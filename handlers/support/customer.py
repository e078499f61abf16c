"""The customer's side of the desk: asking for a person (one tap, one message),
talking to them while the ticket is open, going back to the bot, rating."""

from __future__ import annotations

import logging
import unicodedata
from html import escape

from bot.conversation import Turn, inline_keyboard, translate
from bot.dispatcher import STALE_BUTTON
from bot.i18n import LANGUAGES, N_, translator
from bot.keyboards import BACK, MAIN_MENU, menu_and_person
from handlers.support.card import render_card
from handlers.support.desk import (
    hand_back,
    open_topic,
    reachable,
    reopen,
    retitle_closed,
    staff_outbox,
    staff_t,
    to_staff,
)
from insurance.catalogue import get_product
from insurance.support_desk import is_recent, next_opening
from storage.models import SupportRequest, utcnow

log = logging.getLogger(__name__)

MAX_QUESTION = 2000

ASK_TITLE = N_("<b>👤 Talk to a person</b>")
ASK_TEXT = N_("Write your question in one message. A support specialist will answer here, in this chat.")
TOO_LONG = N_("This is too long: %(length)s characters. Please keep it under %(limit)s.")
NO_WORDS = N_("Please describe your question in words.")
SENT = N_("✅ Request No. %(number)s is sent. A specialist will answer here; you can keep using the bot meanwhile.")
OPENED = N_(
    "✅ Request No. %(number)s is open: a support specialist has this chat now. Write here and send photos, "
    "files or voice messages: everything goes to them. To return to the bot, tap «🤖 Back to the bot»."
)
OUTSIDE_HOURS = N_(
    "🕘 Specialists work on working days, %(hours)s %(city)s time: a person will answer from %(time)s "
    "on %(date)s."
)
CITIES = {"KZ": N_("Almaty"), "KG": N_("Bishkek")}
STILL_OPEN = N_("💬 Request No. %(number)s is open: a specialist has this chat. Write your message here.")
BACK_TO_BOT = N_("🤖 Back to the bot")
LEFT = N_("You are back with the bot; request No. %(number)s is closed. Tap «👤 Talk to a person» at any time.")
REOPENED = N_("💬 Request No. %(number)s is open again: a specialist will answer here.")
ANSWER = N_("<b>💬 %(name)s, support</b> · request No. %(number)s\n\n%(text)s")
ANSWER_CAPTION = N_("<b>💬 %(name)s, support</b>")
ASK_AGAIN = N_("✍️ Write again")
CLOSED_BY_STAFF = N_("✅ %(name)s from support closed request No. %(number)s. Here is where you left off:")
RATE = N_("How did we do? Rate the help from 1 (bad) to 5 (excellent).")
RATED = N_("Thank you! If you like, write a comment in one message, or tap «Skip».")
SKIP = N_("Skip")
THANKS = N_("Thank you for your feedback!")

STAFF_HINT = N_("<i>Reply to this message to answer the client.</i>")
STAFF_LEFT = N_("↩️ The customer went back to the bot: request No. %(number)s is closed.")
STAFF_RATING = N_("⭐ The customer rated request No. %(number)s: %(rating)s of 5.")
STAFF_COMMENT = N_("💬 The customer's comment on request No. %(number)s: %(text)s")
STAFF_BLOCKED = N_("🚫 The customer blocked the bot: messages no longer reach them.")
STAFF_UNBLOCKED = N_("✅ The customer unblocked the bot.")


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit (not only emoji)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def back_to_bot(turn_or_t) -> list[list[tuple[str, str]]]:
    gettext = turn_or_t._ if isinstance(turn_or_t, Turn) else turn_or_t.gettext
    return [[(gettext(BACK_TO_BOT), "support:leave")]]


async def ask_question(turn: Turn) -> None:
    request = await turn.uow.support.latest(turn.user.id)
    if request is not None and request.status == "open":
        await show_open_ticket(turn)
        return
    if turn.state != "support.question":
        turn.data["support_return"] = turn.state
    turn.goto("support.question")
    if turn.user.language is None:
        text = "\n\n".join(f"{translator(c).gettext(ASK_TITLE)}\n{translator(c).gettext(ASK_TEXT)}" for c in LANGUAGES)
    else:
        text = f"{turn._(ASK_TITLE)}\n{turn._(ASK_TEXT)}"
    turn.show(text, [[(turn._(BACK), "support:back")]])


async def show_open_ticket(turn: Turn) -> None:
    request = await turn.uow.support.latest(turn.user.id)
    if request is None or request.status != "open":
        await hand_back(turn, turn.user)
        return
    if not turn.state.startswith("support"):
        turn.data["support_return"] = turn.state
    turn.goto("support.chat")
    turn.show(turn._(STILL_OPEN, number=request.id), [*back_to_bot(turn), [(turn._(MAIN_MENU), "menu")]])


async def go_back(turn: Turn) -> None:
    await hand_back(turn, turn.user)


async def receive_question(turn: Turn) -> None:
    text = turn.incoming.text.strip()
    if len(text) > MAX_QUESTION:
        turn.say(turn._(TOO_LONG, length=turn.t.number(len(text)), limit=turn.t.number(MAX_QUESTION)))
        return
    if not has_words(text):
        turn.say(turn._(NO_WORDS))
        return
    request = turn.uow.support.open(turn.user.id, text, context=turn.data.get("support_return"))
    request.waiting_since = utcnow()
    await turn.uow.flush()
    if turn.settings.staff_chat_id is None:
        log.warning("support request %s saved, but QAMQOR_STAFF_CHAT_ID is not set", request.id)
        request.status, request.waiting_since = "logged", None
        turn.data.pop("support_return", None)
        turn.goto("support.sent")
        turn.say(turn._(SENT, number=request.id), [menu_and_person(turn)])
        return
    card, rows = await card_for_staff(turn, request)
    if turn.staff_forum:
        await open_topic(turn, request, turn.user)
        to_staff(turn, request, card, rows, on_sent=f"support_card:{turn.user.id}")
    else:
        turn.say(card, rows, chat_id=turn.settings.staff_chat_id, on_sent=f"support_request:{request.id}")
    opened = turn._(OPENED, number=request.id)
    if (hours := await working_hours_note(turn)) is not None:
        opened += "\n\n" + hours
    turn.goto("support.chat")
    turn.say(opened, [*back_to_bot(turn), [(turn._(MAIN_MENU), "menu")]])


async def card_for_staff(turn: Turn, request: SupportRequest) -> tuple[str, list]:
    """The context card; in a plain group it is the request message staff reply to."""
    screen = None if turn.state.startswith("support") else turn.state
    card, rows = await render_card(turn, request, turn.user, screen)
    if not turn.staff_forum:
        card += "\n\n" + staff_t(turn).gettext(STAFF_HINT)
    return card, rows


async def refresh_card(turn: Turn, request: SupportRequest) -> None:
    """The card edited in place, as the customer's context is now (screen, messages...)."""
    card, rows = await card_for_staff(turn, request)
    target = f"support_card:{turn.user.id}" if turn.staff_forum else f"support_request:{request.id}"
    markup = {"reply_markup": inline_keyboard(rows)} if rows else {}
    staff_outbox(turn, request, "edit_message_text", text=card, **markup, resolve={"message_id": target})


async def working_hours_note(turn: Turn) -> str | None:
    """When a person will answer, if staff in the customer's country are off now."""
    policies = await turn.uow.policies.for_user(turn.user.id)
    country = get_product(policies[0].product_code).country if policies else (
        "KG" if turn.user.language == "ky" else "KZ")
    hours = turn.settings.support_hours[country]
    opening = next_opening(country, hours, utcnow())
    if opening is None:
        return None
    return turn._(OUTSIDE_HOURS, hours=str(hours), city=turn._(CITIES[country]), time=f"{opening:%H:%M}",
                  date=turn.t.date(opening.date()))


async def relay(turn: Turn) -> bool:
    """While a ticket is open, what the customer sends goes to staff, not to the journey.
    Writing again shortly after a ticket was closed reopens it, unless the screen
    they are on takes this input as an answer."""
    request = await turn.uow.support.latest(turn.user.id)
    if request is None or request.status not in ("open", "closed"):
        return False
    if request.status == "closed":
        screen = turn.router.screens.get(turn.state)
        takes_it = screen is not None and {"text": screen.on_text, "contact": screen.on_contact,
                                           "file": screen.on_file}.get(turn.incoming.kind) is not None
        if takes_it or not is_recent(request.closed_at, utcnow()) or turn.state.startswith("support"):
            return False
        await reopen(turn, request, turn.user)
        if not turn.state.startswith("support"):
            turn.data["support_return"] = turn.state
        turn.goto("support.chat")
        turn.say(turn._(REOPENED, number=request.id), back_to_bot(turn))
    relay_to_staff(turn, request, await _relayed_id(turn, request))
    await refresh_card(turn, request)
    if request.waiting_since is None:
        request.waiting_since, request.reminders_sent = utcnow(), 0
    return True


async def _relayed_id(turn: Turn, request: SupportRequest) -> int:
    incoming = turn.incoming
    relayed = turn.uow.support.relayed(request_id=request.id, direction="to_staff",
                                       kind=incoming.media_kind or incoming.kind,
                                       customer_message_id=incoming.message_id)
    await turn.uow.flush()
    return relayed.id


def relay_to_staff(turn: Turn, request: SupportRequest, relayed_id: int) -> None:
    """The customer's message, copied as it is (text, photo, file, voice, location...)."""
    staff_outbox(turn, request, "copy_message", on_sent=f"support_copy:{relayed_id}",
                 from_chat_id=turn.user.id, message_id=turn.incoming.message_id)


async def relay_edit(turn: Turn) -> None:
    """The customer edited a message staff already have: their copy is edited too.
    Any other edit changes nothing (an edit is never a new answer)."""
    request = await turn.uow.support.latest(turn.user.id)
    if request is None or not reachable(request, utcnow()) or turn.incoming.message_id is None:
        return
    relayed = await turn.uow.support.relayed_by_customer_message([request.id], turn.incoming.message_id)
    if relayed is None or relayed.direction != "to_staff":
        return
    text = escape(turn.incoming.text)
    field = "caption" if turn.incoming.media_kind == "caption" else "text"
    staff_outbox(turn, request, f"edit_message_{field}", **{field: text},
                 resolve={"message_id": f"support_staff_copy:{relayed.id}"})


async def blocked_or_not(turn: Turn) -> None:
    """The customer blocked (or unblocked) the bot: staff see it in the ticket."""
    request = await turn.uow.support.latest(turn.user.id)
    if request is None or not reachable(request, utcnow()):
        return
    status = turn.incoming.media_kind
    notes = {"kicked": STAFF_BLOCKED, "member": STAFF_UNBLOCKED}
    if (note := notes.get(status or "")) is not None:
        to_staff(turn, request, staff_t(turn).gettext(note))


async def leave(turn: Turn) -> None:
    """The customer goes back to the bot: the ticket closes, staff are told."""
    request = await turn.uow.support.latest(turn.user.id)
    if request is not None and request.status == "open":
        request.status, request.closed_at, request.waiting_since = "closed", utcnow(), None
        to_staff(turn, request, translate(staff_t(turn), STAFF_LEFT, number=request.id))
        if turn.staff_forum and (topic := await turn.uow.support.topic(turn.user.id)) is not None:
            await retitle_closed(turn, request, turn.user, topic)
        await hand_back(turn, turn.user, before=turn._(LEFT, number=request.id))
        return
    await hand_back(turn, turn.user)


async def rate(turn: Turn, request_id: int, rating: int) -> None:
    request = await turn.uow.support.get(request_id)
    if request is None or request.user_id != turn.user.id or request.status != "closed" or request.rating is not None \
            or not 1 <= rating <= 5:
        turn.notice(turn._(STALE_BUTTON))
        return
    request.rating = rating
    to_staff(turn, request, translate(staff_t(turn), STAFF_RATING, number=request.id, rating=rating))
    if not turn.state.startswith("support"):
        turn.data["support_comment_return"] = turn.state
    turn.goto("support.comment", support_comment_for=request.id)
    await ask_comment(turn)


async def ask_comment(turn: Turn) -> None:
    turn.show(turn._(RATED), [[(turn._(SKIP), "support:skip")]])


async def receive_comment(turn: Turn) -> None:
    text = turn.incoming.text.strip()
    if len(text) > MAX_QUESTION:
        turn.say(turn._(TOO_LONG, length=turn.t.number(len(text)), limit=turn.t.number(MAX_QUESTION)))
        return
    request = await turn.uow.support.get(int(turn.data.get("support_comment_for") or 0))
    if request is not None and request.user_id == turn.user.id:
        request.rating_comment = text
        to_staff(turn, request, translate(staff_t(turn), STAFF_COMMENT, number=request.id, text=text))
    await finish_feedback(turn)


async def finish_feedback(turn: Turn) -> None:
    turn.data.pop("support_comment_for", None)
    turn.data["support_return"] = turn.data.pop("support_comment_return", None) or "menu"
    await hand_back(turn, turn.user, before=turn._(THANKS))
