"""Canned answers: staff pick one by its key (`/r KEY`); the customer receives
it in their own language, with their own policy or claim number filled in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation import Turn
from bot.i18n import N_, Translator
from storage.models import User


@dataclass(frozen=True)
class CannedAnswer:
    key: str
    text: str
    needs: str | None = None  # "policy" or "claim": the number filled in


CANNED = (
    CannedAnswer("hello", N_("Hello! I am reading your request and will answer in a few minutes.")),
    CannedAnswer("docs", N_(
        "To move claim %(claim)s forward, please send the missing documents: open «📋 My claims», choose the "
        "claim and tap «📎 Upload documents». Photos and PDF files are accepted."), "claim"),
    CannedAnswer("decision", N_(
        "The insurer decides on claim %(claim)s once all documents are in; every change of its status "
        "will appear here in the chat."), "claim"),
    CannedAnswer("policy", N_(
        "Your policy %(policy)s and its certificate are always in «📄 My policies»; you can download the "
        "certificate there again at any time."), "policy"),
    CannedAnswer("thanks", N_("Thank you for your patience! Is there anything else I can help you with?")),
)
BY_KEY = {answer.key: answer for answer in CANNED}


async def fill(turn: Turn, answer: CannedAnswer, client: User, t: Translator) -> str | None:
    """The answer in `t`'s language with the client's number; None when they have none."""
    if answer.needs == "claim":
        claims = await turn.uow.claims.for_user(client.id)
        return t.gettext(answer.text, claim=claims[0].number) if claims else None
    if answer.needs == "policy":
        policies = await turn.uow.policies.for_user(client.id)
        return t.gettext(answer.text, policy=policies[0].number) if policies else None
    return t.gettext(answer.text)
