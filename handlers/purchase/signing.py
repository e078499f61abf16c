"""Signing: the consents are recorded, the application is rendered and hashed,
and a one-time code sent by SMS signs it. The chat speaks to a person: no hash
and no code in messages; the PDF keeps the SAKBOL form's signature line."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from bot.conversation import Turn
from bot.documents import render_application
from bot.keyboards import back_and_person, menu_and_person
from insurance.application import signature_line
from insurance.consent import consent_text
from insurance.parsing import ascii_digits
from storage.crypto import keyed_digest
from storage.models import PolicyApplication, utcnow

from handlers.purchase import card as card_stage
from handlers.purchase import payment as payment_stage
from handlers.purchase import summary as summary_stage
from handlers.purchase import texts as T
from handlers.purchase.common import current, form_of, masked, name_of, product_of, set_answers

CODE_TTL = timedelta(minutes=5)
CODE_TRIES = 3
CODE_RESEND_AFTER = timedelta(seconds=60)
CODES_PER_APPLICATION = 5


async def sign(turn: Turn) -> None:
    """Each consent text is recorded with its version and hash; then the
    application is rendered and a code is sent to the buyer's own phone."""
    application = await current(turn)
    if application is None or application.status != "draft" or application.quote is None:
        await card_stage.start_buying(turn)
        return
    phone = application.answers.get("phone") or turn.user.phone
    if not phone:
        await summary_stage.show_summary(turn)
        return
    set_answers(application, phone=phone)
    product = product_of(application)
    for kind in product.application_consents:
        text = consent_text(kind, turn.t.language)
        turn.uow.consents.give(user_id=turn.user.id, kind=kind, scope=product.code, language=text.language,
                               text_version=text.version, text_sha256=text.sha256)
    form = form_of(product, application, turn.t.language)
    document = await asyncio.to_thread(render_application, form)  # ~0.2 s of CPU: off the event loop
    application.document_sha256 = turn.documents.put(document)
    application.status = "signing"
    turn.send_stored_document(application.document_sha256, f"application-{application.id}.pdf",
                              caption=turn._(T.APPLICATION_CAPTION, number=application.id))
    await _send_code(turn, application)
    await show_signing(turn, fresh=True)


async def _send_code(turn: Turn, application: PolicyApplication) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    assert application.document_sha256 is not None
    turn.uow.signing_codes.add(
        application_id=application.id, code_sha256=_code_hash(application, code),
        document_sha256=application.document_sha256, sent_to=application.answers["phone"],
        expires_at=utcnow() + CODE_TTL,
    )
    turn.send_sms(application.answers["phone"], turn._(T.SMS_TEXT, code=code, number=application.id))


def _code_hash(application: PolicyApplication, code: str) -> str:
    return keyed_digest(f"{application.id}:{application.document_sha256}:{code}")  # HMAC: issue 8


async def show_signing(turn: Turn, fresh: bool = False) -> None:
    application = await current(turn)
    if application is None or application.status != "signing":
        await card_stage.start_buying(turn) if application is None else await payment_stage.show_payment(turn)
        return
    product = product_of(application)
    turn.goto("buy.sign")
    text = (f"{turn._(T.SIGN_TITLE, product=name_of(product, turn))}\n\n"
            f"{turn._(T.SIGN_TEXT, phone=masked(application.answers['phone']))}")
    rows = [[(turn._(T.RESEND), "buy:resend")], back_and_person(turn, back="buy:summary")]
    if fresh:
        turn.say(text, rows)  # a new message under the application, never an edit
    else:
        turn.show(text, rows)


async def resend_code(turn: Turn) -> None:
    application = await current(turn)
    if application is None or application.status != "signing":
        await card_stage.start_buying(turn)
        return
    codes = await turn.uow.signing_codes.for_application(application.id)
    if len(codes) >= CODES_PER_APPLICATION:
        turn.say(turn._(T.CODE_LIMIT), [menu_and_person(turn)])
        return
    wait = (codes[-1].created_at + CODE_RESEND_AFTER - utcnow()).total_seconds() if codes else 0
    if wait > 0:
        turn.notice(turn._(T.CODE_WAIT, seconds=int(wait) + 1))
        return
    await _send_code(turn, application)
    turn.notice(turn._(T.CODE_SENT))


async def receive_code(turn: Turn) -> None:
    application = await current(turn)
    if application is None or application.status != "signing":
        await card_stage.start_buying(turn)
        return
    entered = "".join(turn.incoming.text.split())
    if not (len(entered) == 6 and ascii_digits(entered)):
        turn.say(turn._(T.CODE_FORMAT))
        return
    codes = await turn.uow.signing_codes.for_application(application.id)
    code = codes[-1] if codes else None
    now = utcnow()
    if code is None or code.used_at is not None or code.attempts >= CODE_TRIES:
        turn.say(turn._(T.CODE_BURNED), [[(turn._(T.RESEND), "buy:resend")], menu_and_person(turn)])
        return
    if code.expires_at <= now:
        turn.say(turn._(T.CODE_EXPIRED), [[(turn._(T.RESEND), "buy:resend")], menu_and_person(turn)])
        return
    if not secrets.compare_digest(code.code_sha256, _code_hash(application, entered)) \
            or code.document_sha256 != application.document_sha256:
        code.attempts += 1
        left = CODE_TRIES - code.attempts
        turn.say(turn._(T.CODE_WRONG, left=left) if left else turn._(T.CODE_BURNED),
                 [[(turn._(T.RESEND), "buy:resend")]] if not left else None)
        return
    code.used_at = now
    application.signed_at = now
    application.signature = signature_line(application.document_sha256 or "", entered,
                                           application.answers["full_name"], now)
    application.status = "awaiting_payment"
    turn.say(turn._(T.SIGNED, number=application.id, when=turn.t.datetime(now)), remove_keyboard=True)
    await payment_stage.show_payment(turn, announce=True)
