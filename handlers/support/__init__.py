"""The support desk: a customer asks for a person and a support specialist takes
over the chat (issue 10).

Stages, one module each: `customer` (asking, talking while the ticket is open,
back to the bot, rating), `staff` (answers, edits, canned answers, closing,
lookups), `card` (the customer's insurance context for staff), `canned`
(answers in the catalogues), `reminders` (waiting time), `desk` (where a ticket
lives in the staff chat: a forum topic, or replies in a plain group; outbox
hooks and resolvers).
"""

from __future__ import annotations

from bot.conversation import Router, Turn
from insurance.parsing import ascii_digits
from handlers.support import staff
from handlers.support.customer import (
    ANSWER,
    MAX_QUESTION,
    NO_WORDS,
    SENT,
    TOO_LONG,
    ask_comment,
    ask_question,
    blocked_or_not,
    finish_feedback,
    go_back,
    leave,
    rate,
    receive_comment,
    receive_question,
    relay,
    relay_edit,
    show_open_ticket,
)
from handlers.support.desk import ON_SENT as DESK_ON_SENT
from handlers.support.desk import RESOLVERS, remember_staff_message
from handlers.support.reminders import send_due_reminders

__all__ = ["ANSWER", "MAX_QUESTION", "NO_WORDS", "ON_SENT", "RESOLVERS", "SENT", "TOO_LONG", "register",
           "remember_staff_message", "send_due_reminders"]

# Outbox hooks: the desk's, and "delivered" for staff answering in a plain group.
ON_SENT = {**DESK_ON_SENT, "support_answer": staff.confirm_answer_delivered}


def register(router: Router) -> None:
    @router.callback("support", needs_consent=False, needs_language=False)
    async def support_button(turn: Turn) -> None:
        action, _, rest = (turn.incoming.callback_data or "").partition(":")[2].partition(":")
        if action == "back":
            await go_back(turn)
        elif action == "leave":
            await leave(turn)
        elif action == "skip":
            await finish_feedback(turn)
        elif action == "rate" and (parts := rest.split(":")) and len(parts) == 2 and all(ascii_digits(p) for p in parts):
            await rate(turn, int(parts[0]), int(parts[1]))
        else:
            await ask_question(turn)

    router.command("support", needs_consent=False, needs_language=False)(ask_question)
    router.screen("support.question", on_text=receive_question, needs_consent=False)(ask_question)
    router.screen("support.chat", needs_consent=False)(show_open_ticket)
    router.screen("support.comment", on_text=receive_comment, needs_consent=False)(ask_comment)
    router.relay = relay
    router.on_edit = relay_edit
    router.on_member = blocked_or_not
    router.staff_chat(staff.staff_message)
    router.staff_command("close")(staff.close)
    router.staff_command("r")(staff.canned)
    router.staff_command("card")(staff.card)
    router.staff_command("claim")(staff.claim_command)
    router.staff_command("policy")(staff.policy_command)
    router.staff_callback("desk")(staff.card_button)
