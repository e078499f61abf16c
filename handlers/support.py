"""Talk to a person: the user's question goes to the staff chat; a staff
member's reply to it there comes back to the user, in the user's chat."""

from __future__ import annotations

import logging
import unicodedata

from bot.conversation import Router, Turn, split_html, translate
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, translator
from bot.keyboards import BACK, MAIN_MENU, menu_and_person
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

MAX_QUESTION = 2000

ASK_TITLE = N_("<b>👤 Talk to a person</b>")
ASK_TEXT = N_("Write your question in one message. A support specialist will answer here, in this chat.")
TOO_LONG = N_("This is too long: %(length)s characters. Please keep it under %(limit)s.")
NO_WORDS = N_("Please describe your question in words.")
SENT = N_("✅ Request No. %(number)s is sent. A specialist will answer here; you can keep using the bot meanwhile.")
ANSWER = N_("<b>💬 Answer from support</b> (request No. %(number)s)\n\n%(text)s")
ASK_AGAIN = N_("✍️ Write again")
STAFF_REQUEST = N_(
    "<b>Request No. %(number)s</b>\nFrom: %(name)s (id %(user_id)s, %(username)s), language: %(language)s\n"
    "Screen: %(screen)s\n\n%(text)s\n\n<i>Reply to this message to answer the client.</i>"
)
STAFF_DELIVERED = N_("✓ Delivered to the client (request No. %(number)s).")
STAFF_UNKNOWN = N_("This is not a reply to a client's request: reply to a request message to answer.")


def register(router: Router) -> None:
    @router.callback("support", needs_consent=False, needs_language=False)
    async def support_button(turn: Turn) -> None:
        if (turn.incoming.callback_data or "") == "support:back":
            await go_back(turn)
        else:
            await ask_question(turn)

    router.command("support", needs_consent=False, needs_language=False)(ask_question)
    router.screen("support.question", on_text=receive_question, needs_consent=False)(ask_question)
    router.staff_chat(staff_reply)


async def ask_question(turn: Turn) -> None:
    if turn.state != "support.question":
        turn.data["support_return"] = turn.state
    turn.goto("support.question")
    if turn.user.language is None:
        text = "\n\n".join(f"{translator(c).gettext(ASK_TITLE)}\n{translator(c).gettext(ASK_TEXT)}" for c in LANGUAGES)
    else:
        text = f"{turn._(ASK_TITLE)}\n{turn._(ASK_TEXT)}"
    turn.show(text, [[(turn._(BACK), "support:back")]])


async def go_back(turn: Turn) -> None:
    previous = turn.data.pop("support_return", None) or "menu"
    screen = turn.router.screens.get(previous)
    if screen is None or previous.startswith("support"):
        await turn.router.home(turn)
        return
    turn.goto(previous)
    if screen.needs_consent and not await turn.router.has_consent(turn):
        await turn.router.ask_consent(turn)
    else:
        await screen.render(turn)


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit (not only emoji)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


async def receive_question(turn: Turn) -> None:
    text = turn.incoming.text.strip()
    if len(text) > MAX_QUESTION:
        turn.say(turn._(TOO_LONG, length=turn.t.number(len(text)), limit=turn.t.number(MAX_QUESTION)))
        return
    if not has_words(text):
        turn.say(turn._(NO_WORDS))
        return
    request = turn.uow.support.open(turn.user.id, text, context=turn.data.get("support_return"))
    await turn.uow.flush()
    if turn.settings.staff_chat_id is not None:
        staff = translator(turn.settings.staff_language)
        user = turn.user
        turn.say(translate(
            staff, STAFF_REQUEST, number=request.id, name=" ".join(filter(None, [user.first_name, user.last_name])),
            user_id=user.id, username=f"@{user.username}" if user.username else "—",
            language=LANGUAGE_NAMES.get(user.language or "", "—"),
            screen=request.context or "—", text=text,
        ), chat_id=turn.settings.staff_chat_id, on_sent=f"support_request:{request.id}")
    else:
        log.warning("support request %s saved, but QAMQOR_STAFF_CHAT_ID is not set", request.id)
    turn.data.pop("support_return", None)
    turn.goto("support.sent")
    turn.say(turn._(SENT, number=request.id), [menu_and_person(turn)])


async def staff_reply(turn: Turn) -> None:
    """A message in the staff chat: a reply to a request goes to its client."""
    incoming = turn.incoming
    staff = translator(turn.settings.staff_language)
    if incoming.kind != "text" or incoming.reply_to_message_id is None:
        return
    request = await turn.uow.support.by_staff_message(incoming.reply_to_message_id)
    if request is None:
        turn.say(staff.gettext(STAFF_UNKNOWN), chat_id=incoming.chat_id)
        return
    client = await turn.uow.users.get(request.user_id)
    t = translator(client.language or "ru") if client else staff
    answer = translate(t, ANSWER, number=request.id, text=incoming.text)
    parts = len(split_html(answer))
    # Staff hear "delivered" when the last part is sent (an outbox hook), not before;
    # if it cannot be delivered they are told that instead (bot.dispatcher).
    turn.say(answer, [[(t.gettext(ASK_AGAIN), "support"), (t.gettext(MAIN_MENU), "menu")]], chat_id=request.user_id,
             on_sent=f"support_answer:{request.id}:{parts}:{incoming.chat_id}:{turn.settings.staff_language}")
    request.answered_at = utcnow()


async def confirm_answer_delivered(uow: UnitOfWork, argument: str, _message_id: int) -> None:
    """Outbox hook: the client got the whole answer; staff are told, in how many parts."""
    request_id, parts, staff_chat, language = argument.split(":")
    staff = translator(language)
    text = staff.gettext(STAFF_DELIVERED, number=request_id) if parts == "1" else staff.ngettext(
        "✓ Delivered to the client in %(n)s part (request No. %(number)s): the answer was longer than "
        "one Telegram message.",
        "✓ Delivered to the client in %(n)s parts (request No. %(number)s): the answer was longer than "
        "one Telegram message.", int(parts), number=request_id)
    uow.outbox.add(int(staff_chat), {"method": "send_message", "text": text})


async def remember_staff_message(uow: UnitOfWork, request_id: str, message_id: int) -> None:
    """Outbox hook: the staff chat message of a request, to match replies to it."""
    await uow.support.attach_staff_message(int(request_id), message_id)

