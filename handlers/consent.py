"""Personal-data consent: give, read in full, decline, and "My data" (view,
withdraw, export).

The consent names who processes the data, what, why, to whom, for how long,
and that it can be withdrawn (domain brief, "Consent"). The exact text shown is
recorded by version, language and SHA-256 (insurance.consent).
"""

from __future__ import annotations

import json
from html import escape

from bot.conversation import Router, Turn
from bot.i18n import LANGUAGE_NAMES, N_
from bot.keyboards import MY_CLAIMS, MY_DATA, PERSON, back_and_person
from bot.partners import PartnerNotice, notify
from handlers.contacts import insurer_contacts, lender_name
from insurance.catalogue import get_product
from insurance.consent import PERSONAL_DATA, WITHDRAWAL_RECIPIENTS, consent_text
from storage.models import Consent, utcnow
from storage.telemedicine import Telemedicine

SCOPE = "qamqor"

OFFER_TITLE = N_("<b>🔒 Consent to process personal data</b>")
OFFER_SUMMARY = N_(
    "To arrange insurance, claims and doctor consultations, the insurers "
    "(Nomad Life, SAKBOL) and your lender need your personal data: name, ID "
    "document, contacts, loan and health details.\n\n"
    "• Only for your insurance, claims and telemedicine.\n"
    "• They may pass it to medical and assistance companies, reinsurers and, "
    "where the law requires, to authorities.\n"
    "• Valid until the end of service or the storage period set by law.\n"
    "• You can withdraw it at any time in “My data and consents”.\n\n"
    "Do you agree?"
)
AGREE = N_("✅ I agree")
DISAGREE = N_("❌ I do not agree")
READ_FULL = N_("📄 Read the full text")
FULL_FOOTER = N_("Version %(version)s")
ACCEPTED = N_("✅ Thank you, your consent is recorded.")
ACCEPTED_RECEIPT = N_("<b>✅ Consent to process personal data is recorded</b>\nVersion %(version)s, %(date)s.")
DECLINED_TITLE = N_("<b>🔒 Without consent</b>")
DECLINED_TEXT = N_(
    "Without this consent I cannot arrange insurance, register a claim or book "
    "a doctor: all of these need your personal data.\n\n"
    "You can read the full text, talk to a person, or give consent whenever you are ready."
)
GIVE_CONSENT = N_("✅ Give consent")

MY_DATA_TITLE = N_("<b>🔒 My data and consents</b>")
MY_DATA_LANGUAGE = N_("Language: %(language)s")
MY_DATA_PHONE = N_("Phone: %(phone)s")
MY_DATA_NO_PHONE = N_("Phone: not shared")
MY_DATA_CONSENTS = N_("Consents:")
MY_DATA_NO_CONSENTS = N_("You have not given any consent.")
CONSENT_ACTIVE = N_("• %(title)s, version %(version)s (%(language)s): given %(given)s")
CONSENT_WITHDRAWN = N_("• %(title)s, version %(version)s (%(language)s): given %(given)s, withdrawn %(withdrawn)s")
WITHDRAW = N_("🗑 Withdraw consent")
EXPORT = N_("📦 Download my data")
WITHDRAW_TITLE = N_("<b>🔒 My data › Withdraw consent</b>")
WITHDRAW_EXPLAIN = N_(
    "<b>What stops:</b> I will no longer use your data for anything new: buying "
    "cover, reporting events or booking a doctor through the bot.\n\n"
    "<b>What the law lets the insurer keep:</b> data of contracts already "
    "concluded and claims already reported is kept for the storage period set "
    "by law, and may still be processed where the law requires it, for example "
    "to pay a claim or to answer the regulator.\n\n"
    "Withdraw your consent?"
)
WITHDRAW_PRODUCT = N_(
    "<b>%(product)s:</b> this consent is withdrawn by a written application to the insurer and to the "
    "beneficiary (%(beneficiary)s). Qamqor tells both of them as soon as you confirm; please also send them "
    "your written application, signed, to the addresses below."
)
WITHDRAW_ALL = N_("Every consent you gave through Qamqor will be withdrawn: %(count)s.")
WITHDRAW_CONFIRM = N_("Yes, withdraw")
WITHDRAWN = N_("Your consent was withdrawn on %(date)s.")
WITHDRAWN_PRODUCT = N_(
    "<b>%(product)s:</b> the insurer and %(beneficiary)s are notified of your withdrawal. To complete it, send "
    "them your signed written application."
)
EXPORT_CAPTION = N_("Your data kept by Qamqor as of %(date)s.")
EXPORT_SENT = N_("File sent.")


def register(router: Router) -> None:
    router.has_consent = has_consent
    router.consent_key = (PERSONAL_DATA, SCOPE)
    router.ask_consent = ask_consent

    @router.callback("consent", needs_consent=False)
    async def consent_button(turn: Turn) -> None:
        action = (turn.incoming.callback_data or "").partition(":")[2]
        if action == "accept":
            await accept(turn)
        elif action == "decline":
            await decline(turn)
        elif action == "full":
            await show_full_text(turn)
        else:
            await ask_consent(turn)

    @router.callback("data", needs_consent=False)
    async def my_data_button(turn: Turn) -> None:
        action = (turn.incoming.callback_data or "").partition(":")[2]
        if action == "withdraw":
            await confirm_withdrawal(turn)
        elif action == "withdraw-yes":
            await withdraw(turn)
        elif action == "export":
            await export(turn)
        else:
            await show_my_data(turn)

    router.command("mydata", needs_consent=False)(show_my_data)
    router.screen("consent.offer", needs_consent=False)(ask_consent)
    router.screen("consent.full", needs_consent=False)(show_full_text)
    router.screen("consent.declined", needs_consent=False)(decline)
    router.screen("data", needs_consent=False)(show_my_data)
    router.screen("data.withdraw", needs_consent=False)(confirm_withdrawal)


async def has_consent(turn: Turn) -> bool:
    return await turn.uow.consents.active(turn.user.id, PERSONAL_DATA, SCOPE) is not None


async def user_country(turn: Turn) -> str | None:
    """The country of the user's latest policy: times are shown in its time."""
    policies = await turn.uow.policies.for_user(turn.user.id)
    return get_product(policies[0].product_code).country if policies else None


def _answer_rows(turn: Turn) -> list[list[tuple[str, str]]]:
    return [
        [(turn._(AGREE), "consent:accept"), (turn._(DISAGREE), "consent:decline")],
    ]


async def ask_consent(turn: Turn) -> None:
    turn.goto("consent.offer")
    claims = [[(turn._(MY_CLAIMS), "claims")]] if await turn.uow.claims.for_user(turn.user.id) else []
    turn.show(f"{turn._(OFFER_TITLE)}\n\n{turn._(OFFER_SUMMARY)}", [
        *_answer_rows(turn),
        [(turn._(READ_FULL), "consent:full")],
        *claims,
        back_and_person(turn, back="lang:choose"),
    ])


async def show_full_text(turn: Turn) -> None:
    turn.goto("consent.full")
    text = consent_text(PERSONAL_DATA, turn.t.language)
    body = f"<b>{escape(text.title)}</b>\n\n{escape(text.body)}\n\n<i>{turn._(FULL_FOOTER, version=text.version)}</i>"
    turn.show(body, [*_answer_rows(turn), back_and_person(turn, back="consent:offer")])


async def accept(turn: Turn) -> None:
    if not await has_consent(turn):
        text = consent_text(PERSONAL_DATA, turn.t.language)
        turn.uow.consents.give(
            user_id=turn.user.id, kind=PERSONAL_DATA, scope=SCOPE, language=text.language,
            text_version=text.version, text_sha256=text.sha256,
        )
        await turn.uow.flush()
        turn.receipt(turn._(ACCEPTED_RECEIPT, version=text.version, date=turn.t.datetime(utcnow(), await user_country(turn))))
    turn.notice(turn._(ACCEPTED))
    await turn.router.home(turn)


async def decline(turn: Turn) -> None:
    turn.goto("consent.declined")
    turn.show(f"{turn._(DECLINED_TITLE)}\n\n{turn._(DECLINED_TEXT)}", [
        [(turn._(GIVE_CONSENT), "consent:accept")],
        [(turn._(READ_FULL), "consent:full"), (turn._(PERSON), "support")],
        [(turn._(MY_DATA), "data")],
    ])


async def show_my_data(turn: Turn) -> None:
    turn.goto("data")
    consents = await turn.uow.consents.history(turn.user.id)
    country = await user_country(turn)
    lines = [turn._(MY_DATA_TITLE), ""]
    lines.append(turn._(MY_DATA_LANGUAGE, language=LANGUAGE_NAMES.get(turn.t.language, "")))
    lines.append(turn._(MY_DATA_PHONE, phone=turn.user.phone) if turn.user.phone else turn._(MY_DATA_NO_PHONE))
    lines.append("")
    if consents:
        lines.append(turn._(MY_DATA_CONSENTS))
        for consent in consents:
            values: dict[str, object] = {
                "title": consent_text(consent.kind, turn.t.language).title,
                "version": consent.text_version,
                "language": LANGUAGE_NAMES.get(consent.language, consent.language),
                "given": turn.t.datetime(consent.given_at, country),
            }
            if consent.withdrawn_at is None:
                lines.append(turn._(CONSENT_ACTIVE, **values))
            else:
                lines.append(turn._(CONSENT_WITHDRAWN, withdrawn=turn.t.datetime(consent.withdrawn_at, country),
                                    **values))
    else:
        lines.append(turn._(MY_DATA_NO_CONSENTS))
    active = any(c.withdrawn_at is None for c in consents)
    rows = [[(turn._(WITHDRAW), "data:withdraw")]] if active else [[(turn._(GIVE_CONSENT), "consent:offer")]]
    rows.append([(turn._(EXPORT), "data:export")])
    if not active and await turn.uow.claims.for_user(turn.user.id):
        # Withdrawal stops new processing only: claims already reported stay one tap away.
        rows.append([(turn._(MY_CLAIMS), "claims")])
    rows.append(back_and_person(turn) if active else back_and_person(turn, back="consent:offer"))
    turn.show("\n".join(lines), rows)


async def confirm_withdrawal(turn: Turn) -> None:
    if not await has_consent(turn):
        await show_my_data(turn)
        return
    active = await _active_consents(turn)
    lines = [turn._(WITHDRAW_TITLE), "", turn._(WITHDRAW_ALL, count=len(active))]
    for scope in _product_scopes(active):
        product = get_product(scope)
        lines += ["", turn._(WITHDRAW_PRODUCT, product=product.name.get(turn.t.language),
                             beneficiary=lender_name(turn, product)),
                  insurer_contacts(turn, product)]
    lines += ["", turn._(WITHDRAW_EXPLAIN)]
    turn.goto("data.withdraw")
    turn.show("\n".join(lines), [
        [(turn._(WITHDRAW_CONFIRM), "data:withdraw-yes")],
        back_and_person(turn, back="data"),
    ])


async def _active_consents(turn: Turn) -> list[Consent]:
    return [c for c in await turn.uow.consents.history(turn.user.id) if c.withdrawn_at is None]


def _product_scopes(consents: list[Consent]) -> list[str]:
    """The products whose own consents were given (their scope is the product code)."""
    return sorted({c.scope for c in consents if c.scope != SCOPE})


async def withdraw(turn: Turn) -> None:
    """Every consent the customer gave is withdrawn; each product's insurer and
    beneficiary bank are told (SAKBOL consent text: a written application to
    the beneficiary and the insurer; Nomad Life's says the same)."""
    active = await _active_consents(turn)
    if active:
        now = utcnow()
        for consent in active:
            consent.withdrawn_at = now
        await turn.uow.flush()
        lines = [turn._(WITHDRAWN, date=turn.t.datetime(now, await user_country(turn)))]
        policies = await turn.uow.policies.for_user(turn.user.id)
        client = " ".join(filter(None, [turn.user.first_name, turn.user.last_name]))
        for scope in _product_scopes(active):
            product = get_product(scope)
            lines += ["", turn._(WITHDRAWN_PRODUCT, product=product.name.get(turn.t.language),
                                 beneficiary=lender_name(turn, product)),
                      insurer_contacts(turn, product)]
            await notify(turn, PartnerNotice("consent_withdrawn", scope, WITHDRAWAL_RECIPIENTS, {
                "client": client, "user_id": turn.user.id, "date": now.strftime("%d.%m.%Y %H:%M UTC"),
                "consents": ", ".join(f"{c.kind} v{c.text_version}" for c in active if c.scope == scope),
                "policies": ", ".join(p.number for p in policies if p.product_code == scope) or "—",
            }))
        turn.receipt("\n".join(lines))
    await show_my_data(turn)


async def export(turn: Turn) -> None:
    """Everything Qamqor keeps about the user, as a JSON file."""
    user = turn.user
    consents = await turn.uow.consents.history(user.id)
    requests = await turn.uow.support.for_user(user.id)
    policies = await turn.uow.policies.for_user(user.id)
    claims = await turn.uow.claims.for_user(user.id)
    applications = [a for a in [await turn.uow.applications.get(p.application_id) for p in policies] if a]
    data = {
        "exported_at": utcnow().isoformat(),
        "user": {
            "telegram_id": user.id, "first_name": user.first_name, "last_name": user.last_name,
            "username": user.username, "language": user.language, "phone": user.phone,
            "created_at": user.created_at.isoformat(),
        },
        "consents": [
            {
                "kind": c.kind, "scope": c.scope, "language": c.language, "text_version": c.text_version,
                "text_sha256": c.text_sha256, "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in consents
        ],
        "support_requests": [
            {"id": r.id, "text": r.text, "created_at": r.created_at.isoformat(),
             "answered_at": r.answered_at.isoformat() if r.answered_at else None}
            for r in requests
        ],
        "applications": [
            {"id": a.id, "product": a.product_code, "status": a.status, "answers": a.answers, "quote": a.quote,
             "document_sha256": a.document_sha256, "signature": a.signature,
             "signed_at": a.signed_at.isoformat() if a.signed_at else None}
            for a in applications
        ],
        "policies": [
            {"number": p.number, "product": p.product_code, "status": p.status, "holder": p.holder_name,
             "cover_start": p.cover_start.isoformat(), "cover_end": p.cover_end.isoformat(),
             "currency": p.currency, "sum_insured_minor": p.sum_insured_minor, "total_minor": p.total_minor,
             "certificate_sha256": p.certificate_sha256}
            for p in policies
        ],
        "claims": [
            {"number": c.number, "event_type": c.event_type, "event_date": c.event_date.isoformat(),
             "description": c.description, "contact_phone": c.contact_phone, "status": c.status,
             "reported_at": c.reported_at.isoformat(),
             "documents": [{"item": d.item_code, "sha256": d.sha256, "size": d.size}
                           for d in await turn.uow.claims.documents(c.id)]}
            for c in claims
        ],
        "termination_requests": [
            {"id": r.id, "policy": p.number, "kind": r.kind, "repaid_on": r.repaid_on.isoformat() if r.repaid_on
             else None, "rule": r.rule_code, "clause": r.clause, "refund_minor": r.refund_minor,
             "currency": r.currency, "status": r.status, "requested_at": r.requested_at.isoformat()}
            for p in policies for r in await turn.uow.terminations.for_policy(p.id)
        ],
        "consultations": await Telemedicine(turn.uow.session).export(user.id),
        "dialog": {"state": turn.state, "answers": turn.data},
    }
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    turn.send_document(f"qamqor-my-data-{user.id}.json", content,
                       caption=turn._(EXPORT_CAPTION, date=turn.t.date(utcnow().date())))
    turn.notice(turn._(EXPORT_SENT))
