"""My policies: each policy's number, status and period; the certificate again."""

from __future__ import annotations

from html import escape

from bot.conversation import Router, Turn
from bot.i18n import N_
from bot.keyboards import BUY_COVER, back_and_person
from handlers.purchase import CERTIFICATE_CAPTION
from insurance.catalogue import get_product
from insurance.money import from_minor_units
from insurance.parsing import parse_int

TITLE = N_("<b>📄 My policies</b>")
NONE_YET = N_("You have no policies yet.")
LINE = N_("<b>%(number)s</b> · %(product)s\n%(status)s · %(start)s – %(end)s · %(sum)s")
STATUS = {"active": N_("active")}
CERTIFICATE = N_("📄 %(number)s")
NOT_YOURS = N_("This policy is not available.")


def register(router: Router) -> None:
    @router.callback("policies")
    async def policies_button(turn: Turn) -> None:
        _, _, argument = (turn.incoming.callback_data or "").partition(":")
        if (policy_id := parse_int(argument)) is not None:
            await resend_certificate(turn, policy_id)
        else:
            await show_policies(turn)

    router.command("policies")(show_policies)
    router.screen("policies")(show_policies)


async def show_policies(turn: Turn) -> None:
    turn.goto("policies")
    policies = await turn.uow.policies.for_user(turn.user.id)
    lang = turn.t.language
    lines = [turn._(TITLE), ""]
    rows = []
    for policy in policies:
        product = get_product(policy.product_code)
        lines.append(turn._(
            LINE, number=policy.number, product=product.name.get(lang),
            status=turn._(STATUS.get(policy.status, STATUS["active"])),
            start=turn.t.date(policy.cover_start), end=turn.t.date(policy.cover_end),
            sum=turn.t.money(from_minor_units(policy.sum_insured_minor), policy.currency)))
        rows.append([(turn._(CERTIFICATE, number=policy.number), f"policies:{policy.id}")])
    if not policies:
        lines.append(turn._(NONE_YET))
        rows.append([(turn._(BUY_COVER), "buy")])
    turn.show("\n".join(lines), [*rows, back_and_person(turn)])


async def resend_certificate(turn: Turn, policy_id: int) -> None:
    """Only the holder's own policy; anything else is refused whatever the button says."""
    policy = await turn.uow.policies.get_for_user(turn.user.id, policy_id)
    if policy is None:
        turn.notice(turn._(NOT_YOURS))
        return
    turn.send_stored_document(policy.certificate_sha256, f"{policy.number}.pdf",
                              caption=turn._(CERTIFICATE_CAPTION, number=escape(policy.number)))
