"""Claim news: the insurer moved a claim (`insurance.claim_status`), and the
customer reads it in their language.

The insurer sends a status code and parameters; every word here comes from the
catalogues, amounts and dates through Babel. An optional note from the insurer
is passed on, marked as the insurer's own words. The change, its timeline entry
and the customer's message commit together (the message is an outbox row)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape

from bot.i18n import N_, Translator, translator
from bot.keyboards import MY_CLAIMS, PERSON
from handlers.claims import CLAIM_TITLE, CLAUSE
from insurance.catalogue import get_product
from insurance.claim_status import StatusChange
from insurance.product import Product
from storage import claim_progress
from storage.models import Claim
from storage.unit_of_work import UnitOfWork

DOCUMENTS_REQUESTED = N_("The insurer asks you to send these documents:")
SEND_HERE = N_("Send them here in the chat: open the claim in “My claims” and choose the document.")
DOCUMENTS_COMPLETE = N_("The insurer has every document it needs and will decide on the claim.")
UNDER_REVIEW = N_("The insurer is reviewing your claim.")
DECIDES_BY = N_("It decides by %(date)s.")
APPROVED = N_("The insurer approved a payout of %(amount)s.")
PAYS_BY = N_("It pays by %(date)s.")
PAID = N_("The insurer reports that it paid %(amount)s on %(date)s.")
REFUSED = N_("The insurer refused the payout. Reason: %(reason)s (clause %(clause)s).")
APPEAL = N_("If you disagree, you may turn to (clause %(clause)s):")
CLOSED = N_("The insurer closed the claim.")
INSURER_NOTE = N_("<b>The insurer's words:</b> «%(note)s»")

REASONS = {
    "exclusion": N_("the event is among the exclusions of the insurance rules"),
    "false_information": N_("knowingly false information was given to the insurer"),
    "investigation_obstructed": N_("the investigation of the event was obstructed"),
    "late_report": N_("the insurer was not told of the event in time"),
    "outside_cover": N_("the event happened outside the period of cover"),
    "undisclosed_condition": N_("a condition asked about when the contract was made was not disclosed"),
    "cause_not_established": N_("the cause of death was not established or not documented"),
    "disability_from_illness": N_("the disability was set because of an illness, not an accident"),
    "not_insurable": N_("the insured person could not be insured under the offer"),
    "documents_not_authentic": N_("the documents given do not match their originals"),
    "other": N_("another ground named by the insurer"),
}
APPEAL_ROUTES = {
    "insurer": N_("the insurer %(name)s, with a written application"),
    "ombudsman": N_("the insurance ombudsman"),
    "regulator": N_("the regulator: %(name)s"),
    "court": N_("a court"),
}


async def apply(uow: UnitOfWork, claim: Claim, change: StatusChange, note: str | None, by: str) -> int:
    """Move the claim, record it on the timeline, and queue the customer's message;
    returns the timeline entry's id (the claims list's cursor)."""
    claim.status = change.status
    details = {**change.parameters, "by": by, **({"clause_cited": change.clause} if change.clause else {})}
    if note:
        details["note"] = note
    entry = uow.claims.note(claim.id, change.status, **details)
    user = await uow.users.get(claim.user_id)
    t = translator((user.language if user else None) or "ru")
    text = await message(uow, t, claim, change, note)
    uow.outbox.add(claim.user_id, {"method": "send_message", "text": text, "reply_markup": {"inline_keyboard": [
        [{"text": t.gettext(MY_CLAIMS), "callback_data": f"claims:{claim.id}"},
         {"text": t.gettext(PERSON), "callback_data": "support"}]]}})
    await uow.flush()
    return entry.id


async def message(uow: UnitOfWork, t: Translator, claim: Claim, change: StatusChange, note: str | None) -> str:
    """The customer's message for `change`, in `t`'s language."""
    product = get_product(claim.product_code)
    _, clock = await claim_progress.clock(uow, claim)
    lines = [t.gettext(CLAIM_TITLE, number=escape(claim.number or ""))]
    p = change.parameters
    if change.status == "documents_requested":
        lines.append(t.gettext(DOCUMENTS_REQUESTED))
        lines += [f"• {escape(product.document(_document(product, claim, code)).name.get(t.language))}"
                  for code in p["items"]]
        lines.append(t.gettext(SEND_HERE))
    elif change.status in ("documents_complete", "under_review"):
        said = DOCUMENTS_COMPLETE if change.status == "documents_complete" else UNDER_REVIEW
        lines.append(t.gettext(said))
        if clock.decision is not None:
            lines.append(t.gettext(DECIDES_BY, date=t.date(clock.decision.due_on)))
    elif change.status == "approved":
        lines.append(t.gettext(APPROVED, amount=t.money(Decimal(p["amount"]), product.currency)))
        if clock.payment is not None:
            lines.append(t.gettext(PAYS_BY, date=t.date(clock.payment.due_on)))
    elif change.status == "paid":
        lines.append(t.gettext(PAID, amount=t.money(Decimal(p["amount"]), product.currency),
                               date=t.date(date.fromisoformat(p["paid_on"]))))
    elif change.status == "refused":
        lines.append(t.gettext(REFUSED, reason=t.gettext(REASONS[p["reason"]]), clause=escape(p["clause"])))
        lines += _appeal(t, product, change)
    elif change.status == "closed":
        lines.append(t.gettext(CLOSED))
    if change.clause and change.status != "refused":
        lines[-1] += f" ({t.gettext(CLAUSE, clause=change.clause)})"
    if note:
        lines += ["", t.gettext(INSURER_NOTE, note=escape(note))]
    return "\n".join(lines)


def _appeal(t: Translator, product: Product, change: StatusChange) -> list[str]:
    """Nomad Life rules 7.10: a refusal tells the customer where they may turn."""
    if not change.appeal:
        return []
    names = {"insurer": product.insurer.name.get(t.language),
             "regulator": product.regulator.name.get(t.language) if product.regulator else ""}
    lines = [t.gettext(APPEAL, clause=change.clause or "")]
    for route in change.appeal:
        text = t.gettext(APPEAL_ROUTES[route.route], name=escape(names.get(route.route, "")))
        lines.append(f"• {text} ({t.gettext(CLAUSE, clause=route.clause)})")
    return lines


def _document(product: Product, claim: Claim, item_code: str) -> str:
    checklist = product.event_type(claim.event_type).checklist
    return next(i.document.code for i in checklist if i.code == item_code)
