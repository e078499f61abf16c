"""Telling an insurer or a lender that something happened.

Every notice is a message in the staff chat (in the staff's language), naming
whom the staff must pass it to, and an event to the product's partners of the
API (issue 9), so an insurer or bank integrated with the API gets it directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape

from bot.conversation import Turn, translate
from bot.i18n import N_, translator
from handlers.contacts import LENDER_IN_POLICY
from insurance.catalogue import get_product

log = logging.getLogger(__name__)

INSURER, LENDER = "insurer", "lender"

STAFF_NOTICE = N_("<b>📨 For %(recipients)s</b> (%(product)s)\n%(text)s")
RECIPIENT_INSURER = N_("the insurer %(name)s")
RECIPIENT_LENDER = N_("the lender %(name)s")
NOTICES = {
    "consent_withdrawn": N_(
        "Client %(client)s (id %(user_id)s) withdrew their consents to personal data processing on %(date)s: "
        "%(consents)s. Policies: %(policies)s. Stop processing except where the law requires it."),
    "claim_reported": N_(
        "Claim No. %(claim)s on policy %(policy)s: %(event)s on %(date)s, reported by %(client)s, "
        "phone %(phone)s (offer clause %(clause)s)."),
    "termination_requested": N_(
        "Request No. %(request)s: %(kind)s for policy %(policy)s of %(client)s (id %(user_id)s), effective "
        "%(date)s. Refund %(refund)s under clause %(clause)s."),
}


@dataclass(frozen=True)
class PartnerNotice:
    """`kind` is a key of NOTICES; `values` fill its text (strings are escaped)."""

    kind: str
    product_code: str
    recipients: tuple[str, ...]
    values: dict[str, object] = field(default_factory=dict)


# The notice as an event to the product's partners through the API (bot.partner_webhooks).
NOTICE_EVENTS = {"consent_withdrawn": "consent.withdrawn", "claim_reported": "claim.reported_to_lender",
                 "termination_requested": "policy.termination_requested"}


async def notify(turn: Turn, notice: PartnerNotice) -> None:
    """Pass `notice` on to its recipients: the staff chat, and an event to every
    partner of the product (webhook and `GET /api/v1/events`)."""
    await turn.uow.partner_events.emit(notice.product_code, NOTICE_EVENTS[notice.kind], {
        "recipients": list(notice.recipients), **{k: v for k, v in notice.values.items()}})
    if turn.settings.staff_chat_id is None:
        log.warning("%s notice for %s not sent: QAMQOR_STAFF_CHAT_ID is not set", notice.kind, notice.product_code)
        return
    language = turn.settings.staff_language
    staff = translator(language)
    product = get_product(notice.product_code)
    lender = product.beneficiary.name
    names = {INSURER: translate(staff, RECIPIENT_INSURER, name=product.insurer.name.get(language)),
             LENDER: translate(staff, RECIPIENT_LENDER, name=lender.get(language)) if lender
             else staff.gettext(LENDER_IN_POLICY)}
    text = translate(staff, NOTICES[notice.kind], **notice.values)
    turn.say(staff.gettext(STAFF_NOTICE, recipients=", ".join(names[r] for r in notice.recipients),
                           product=escape(product.name.get(language)), text=text),
             chat_id=turn.settings.staff_chat_id)
