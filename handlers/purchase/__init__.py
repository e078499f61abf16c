"""Buying cover: product card with the price → one declaration → the form
(identity number first) → summary with consents, signed in one action → code
→ payment → policy and certificate.

One module per stage: `card` (entry, partner links, product card and price),
`declaration`, `form` (application fields), `summary` (summary, edits,
consent texts), `signing`, `payment` (invoice, `/paid N`, `issue_policy`).
Rules come from `insurance/`. The application lives in the database and every
answer is written through, so a half-filled application is resumed after
anything.
"""

from __future__ import annotations

from bot.conversation import Router, Turn
from handlers.purchase import card, declaration, form, payment, signing, summary
from handlers.purchase.payment import confirm_outside_payment, issue_policy, payable_outside, staff_confirms_payment
from handlers.purchase.texts import *  # noqa: F403 (the journey's words, shared with tests and other journeys)
from handlers.purchase.texts import CERTIFICATE_CAPTION
from insurance.parsing import accepts, parse_callback
from insurance.premium import quote

__all__ = ["CERTIFICATE_CAPTION", "confirm_outside_payment", "issue_policy", "payable_outside", "quote", "register", "staff_confirms_payment"]


def register(router: Router) -> None:
    router.deep_links["buy"] = card.deep_link
    router.pre_checkout = payment.pre_checkout
    router.payment = payment.successful_payment

    @router.callback("buy")
    async def buy_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        handler = ACTIONS.get(pressed.action)
        if handler is None or not accepts(handler, turn, *pressed.args):
            await card.start_buying(turn)  # a stale or forged button (issue 8)
        else:
            await handler(turn, *pressed.args)

    router.command("buy")(card.start_buying)
    router.screen("buy.product")(card.choose_product)
    router.screen("buy.resume")(card.start_buying)
    router.screen("buy.card")(card.show_card)
    router.screen("buy.declare")(declaration.show_declaration)
    router.screen("buy.refused")(declaration.show_refusal)
    router.screen("buy.field", on_text=form.receive_field_text, on_contact=form.receive_contact)(form.ask_field)
    router.screen("buy.summary", on_text=summary.receive_text, on_contact=summary.receive_contact)(
        summary.show_summary)
    router.screen("buy.edit")(summary.show_edit_menu)
    router.screen("buy.consent_text")(summary.show_summary)
    router.screen("buy.sign", on_text=signing.receive_code)(signing.show_signing)
    router.screen("buy.pay")(payment.show_payment)
    router.staff_command("paid")(staff_confirms_payment)


async def _go(turn: Turn) -> None:
    application = await card.current(turn)
    if application is None:
        await card.choose_product(turn)
    else:
        await form.next_step(turn, application)


ACTIONS = {
    "list": lambda turn: card.choose_product(turn),
    "p": card.pick_product,
    "resume": lambda turn: card.resume(turn),
    "new": lambda turn: card.choose_product(turn),
    "card": lambda turn: card.show_card(turn),
    "x": lambda turn: card.show_exclusions(turn),
    "go": _go,
    "o": card.choose_option,
    "dn": lambda turn: declaration.none_applies(turn),
    "ds": lambda turn: declaration.something_applies(turn),
    "dm": declaration.toggle,
    "dd": lambda turn: declaration.done(turn),
    "v": form.choose_value,
    "e": form.edit_field,
    "summary": lambda turn: summary.show_summary(turn),
    "edit": lambda turn: summary.show_edit_menu(turn),
    "read": summary.read_consent,
    "sign": lambda turn: signing.sign(turn),
    "resend": lambda turn: signing.resend_code(turn),
}
