"""The context card staff see at the top of a ticket, and the full claim or
policy behind its buttons (also `/claim NUMBER` and `/policy NUMBER` in the
staff chat). Read through the repositories; written in the staff language."""

from __future__ import annotations

import re
from html import escape, unescape

from bot.conversation import Button, Turn, translate
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from handlers.support.desk import staff_t
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.claim_documents import progress
from insurance.consent import consent_text
from insurance.support_desk import mask_phone
from storage.models import Claim, Policy, SupportRequest, User

CARD_TITLE = N_("<b>🪪 Request No. %(number)s</b> · %(name)s")
CARD_PERSON = N_("Language: %(language)s · phone: %(phone)s · Telegram id %(user_id)s")
CARD_CONSENTS = N_("<b>Consents:</b> %(items)s")
CARD_POLICIES = N_("<b>Policies:</b>")
CARD_POLICY = N_("• %(number)s, %(product)s, %(start)s – %(end)s, %(status)s")
CARD_CLAIMS = N_("<b>Claims:</b>")
CARD_CLAIM = N_("• %(number)s, %(status)s; documents %(delivered)s of %(total)s; reported by deadline %(deadline)s")
CARD_CLAIM_MISSING = N_("  missing: %(items)s")
CARD_SCREEN = N_("<b>Screen:</b> %(screen)s")
CARD_LAST = N_("<b>Last messages from the bot:</b>")
CARD_QUESTION = N_("<b>Question:</b> %(text)s")
NONE = N_("none")
POLICY_STATUS = {"active": N_("in force")}
POLICY_BUTTON = N_("📄 Policy %(number)s")
CLAIM_BUTTON = N_("📋 Claim %(number)s")

CLAIM_DETAIL = N_(
    "<b>📋 Claim No. %(number)s</b>\nStatus: %(status)s\nProduct: %(product)s, policy %(policy)s\n"
    "Event: %(event)s on %(date)s\nReported: %(reported)s, deadline %(deadline)s%(late)s\n"
    "Phone: %(phone)s\nDocuments: %(delivered)s of %(total)s\n\n%(description)s"
)
CLAIM_LATE = N_(" (late by %(days)s days)")
POLICY_DETAIL = N_(
    "<b>📄 Policy No. %(number)s</b>\nStatus: %(status)s\nProduct: %(product)s (%(option)s)\n"
    "Holder: %(holder)s\nCover: %(start)s – %(end)s\nSum insured: %(sum)s; premium paid: %(total)s"
)
NOT_FOUND = N_("Nothing found for %(number)s.")
LOOKUP_USAGE = N_("Write /claim followed by a claim number, or /policy followed by a policy number.")

LAST_MESSAGES = 3
MAX_QUOTE = 160


def plain(html_text: str) -> str:
    """A bot message as one short line of plain text (for quoting on the card)."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", html_text)).split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def claim_status(t: Translator, claim: Claim) -> str:
    from handlers.claims import STATUSES  # the claims journey owns its status names

    return t.gettext(STATUSES.get(claim.status, STATUSES["registered"]))


def policy_status(t: Translator, policy: Policy) -> str:
    return t.gettext(POLICY_STATUS[policy.status]) if policy.status in POLICY_STATUS else policy.status


async def render_card(turn: Turn, request: SupportRequest, client: User,
                      screen: str | None = None) -> tuple[str, list[list[Button]]]:
    """The card; `screen` is where the customer is now (default: where they asked from)."""
    t, uow, staff_language = staff_t(turn), turn.uow, turn.settings.staff_language
    name = " ".join(filter(None, [client.first_name, client.last_name])) or str(client.id)
    if client.username:
        name += f" (@{client.username})"
    lines = [translate(t, CARD_TITLE, number=request.id, name=name),
             translate(t, CARD_PERSON, language=LANGUAGE_NAMES.get(client.language or "", "—"),
                       phone=mask_phone(client.phone), user_id=client.id)]
    consents = [c for c in await uow.consents.history(client.id) if c.withdrawn_at is None]
    items = ", ".join(f"{consent_text(c.kind, staff_language).title} ({t.date(c.given_at.date())})"
                      for c in consents) or t.gettext(NONE)
    lines.append(translate(t, CARD_CONSENTS, items=items))
    rows: list[list[Button]] = []
    policies = (await uow.policies.for_user(client.id))[:5]
    if policies:
        lines.append(t.gettext(CARD_POLICIES))
        for policy in policies:
            lines.append(translate(t, CARD_POLICY, number=policy.number,
                                   product=get_product(policy.product_code).name.get(staff_language),
                                   start=t.date(policy.cover_start), end=t.date(policy.cover_end),
                                   status=policy_status(t, policy)))
        rows += [[(t.gettext(POLICY_BUTTON, number=p.number), f"desk:policy:{p.id}")] for p in policies[:3]]
    claims = (await uow.claims.for_user(client.id))[:5]
    if claims:
        lines.append(t.gettext(CARD_CLAIMS))
        for claim in claims:
            product = get_product(claim.product_code)
            state = progress(product.event_type(claim.event_type).checklist,
                             {d.item_code for d in await uow.claims.documents(claim.id)})
            lines.append(translate(t, CARD_CLAIM, number=claim.number or "—", status=claim_status(t, claim),
                                   delivered=len(state.delivered), total=state.total,
                                   deadline=t.date(claim.reporting_deadline)))
            if state.missing:
                lines.append(translate(t, CARD_CLAIM_MISSING, items=", ".join(
                    i.document.name.get(staff_language) for i in state.missing)))
        rows += [[(t.gettext(CLAIM_BUTTON, number=c.number), f"desk:claim:{c.id}")] for c in claims[:3]]
    lines.append(translate(t, CARD_SCREEN, screen=screen or request.context or "—"))
    recent = await uow.outbox.recent_texts(client.id, LAST_MESSAGES)
    if recent:
        lines.append(t.gettext(CARD_LAST))
        lines += [f"› {escape(plain(text))}" for text in recent]
    lines.append(translate(t, CARD_QUESTION, text=request.text))
    return "\n".join(lines), rows


async def claim_detail(turn: Turn, claim: Claim) -> str:
    t, staff_language = staff_t(turn), turn.settings.staff_language
    product = get_product(claim.product_code)
    policy = await turn.uow.policies.get(claim.policy_id)
    state = progress(product.event_type(claim.event_type).checklist,
                     {d.item_code for d in await turn.uow.claims.documents(claim.id)})
    text = translate(
        t, CLAIM_DETAIL, number=claim.number, status=claim_status(t, claim), product=product.name.get(staff_language),
        policy=policy.number if policy else "—", event=product.event_type(claim.event_type).name.get(staff_language),
        date=t.date(claim.event_date), reported=t.date(local_today(product, claim.reported_at)),
        deadline=t.date(claim.reporting_deadline), late=t.gettext(CLAIM_LATE, days=claim.days_late) if claim.late else "",
        phone=mask_phone(claim.contact_phone), delivered=len(state.delivered), total=state.total,
        description=claim.description)
    if state.missing:
        text += "\n" + translate(t, CARD_CLAIM_MISSING, items=", ".join(
            i.document.name.get(staff_language) for i in state.missing))
    return text


def policy_detail(turn: Turn, policy: Policy) -> str:
    from decimal import Decimal

    t, staff_language = staff_t(turn), turn.settings.staff_language
    product = get_product(policy.product_code)
    option = next((o.name.get(staff_language) for o in product.cover_options if o.code == policy.cover_option),
                  policy.cover_option)
    return translate(
        t, POLICY_DETAIL, number=policy.number, status=policy_status(t, policy), product=product.name.get(staff_language),
        option=option, holder=policy.holder_name, start=t.date(policy.cover_start), end=t.date(policy.cover_end),
        sum=t.money(Decimal(policy.sum_insured_minor) / 100, policy.currency),
        total=t.money(Decimal(policy.total_minor) / 100, policy.currency))
