"""The way in: a Nomad Life policy in force (rules 9.5), the consent to pass medical
information to the medical organisation (Appendix 1, registration) and the patient's
identity from the policy; the service's home screen."""

from __future__ import annotations

import logging
from html import escape

from bot.conversation import Turn
from bot.keyboards import BACK, BUY_COVER, PERSON, SHARE_PHONE, back_and_person
from bot.telemedicine import service
from handlers.consent import AGREE, FULL_FOOTER, READ_FULL
from handlers.telemedicine import messages as m
from insurance import telemedicine as rules
from insurance.parsing import ascii_digits
from insurance.consent import consent_text
from insurance.identity import normalize_contact_phone
from storage.models import Consultation, Policy, utcnow

log = logging.getLogger(__name__)

MEDICAL_INFORMATION = "nomad_life_medical_information"
CONSENT_SCOPE = "nomad_life"


def service_label(turn: Turn) -> str:
    return service.service_name(turn.t.language)


def booking_draft(turn: Turn) -> dict:
    return turn.data.setdefault("tm", {})


# ---- the gate: policy, consent, identity ----------------------------------------------

async def patient_ready(turn: Turn) -> tuple[Policy, service.Patient] | None:
    """The policy in force and the patient, or the screen that says what is missing."""
    policy, verdict = await service.policy_for_telemedicine(turn.uow, turn.user.id, utcnow())
    if policy is None or verdict is None:
        turn.goto("menu")
        turn.show(turn._(m.NO_POLICY, service=service_label(turn)),
                  [[(turn._(BUY_COVER), "buy")], back_and_person(turn)])
        return None
    if not verdict.allowed:
        # Nomad Life rules 9.5: access from the start of cover, while the policy is in force.
        turn.goto("menu")
        text = m.NOT_STARTED if verdict.reason == "not_started" else m.ENDED
        turn.show(turn._(text, service=service_label(turn), number=policy.number, start=turn.t.date(policy.cover_start),
                         end=turn.t.date(policy.cover_end)), [back_and_person(turn)])
        return None
    if await turn.uow.consents.active(turn.user.id, MEDICAL_INFORMATION, CONSENT_SCOPE) is None:
        ask_consent(turn)
        return None
    who = await service.patient(turn.uow, turn.user, policy)
    if not who.phone:
        turn.goto("tm.phone")
        turn.ask_contact(turn._(m.ASK_PHONE), turn._(SHARE_PHONE), [turn._(BACK), turn._(PERSON)])
        return None
    return policy, who


def ask_consent(turn: Turn, full: bool = False) -> None:
    """Appendix 1, registration: consent to pass medical information to the medical organisation."""
    turn.goto("tm.consent")
    title = turn._(m.CONSENT_TITLE, service=service_label(turn))
    if full:
        text = consent_text(MEDICAL_INFORMATION, turn.t.language)
        footer = turn._(FULL_FOOTER, version=text.version)
        body = f"<b>{escape(text.title)}</b>\n\n{escape(text.body)}\n\n<i>{footer}</i>"
        turn.show(body, [[(turn._(AGREE), "tm:ok")], back_and_person(turn, back="tm")])
        return
    turn.show(f"{title}\n\n{turn._(m.CONSENT_SUMMARY)}",
              [[(turn._(AGREE), "tm:ok")], [(turn._(READ_FULL), "tm:full")], back_and_person(turn)])


async def give_consent(turn: Turn) -> None:
    if await turn.uow.consents.active(turn.user.id, MEDICAL_INFORMATION, CONSENT_SCOPE) is None:
        text = consent_text(MEDICAL_INFORMATION, turn.t.language)
        turn.uow.consents.give(user_id=turn.user.id, kind=MEDICAL_INFORMATION, scope=CONSENT_SCOPE,
                               language=text.language, text_version=text.version, text_sha256=text.sha256)
        await turn.uow.flush()
    await open_service(turn)


async def read_consent(turn: Turn) -> None:
    ask_consent(turn, full=True)


async def receive_phone(turn: Turn) -> None:
    """Only the user's own contact: the doctor calls the registered phone."""
    own = turn.incoming.contact_user_id in (None, turn.user.id)
    check = normalize_contact_phone(turn.incoming.contact_phone or "", "KZ") if own else None
    if check is not None and check.valid:
        turn.user.phone = check.e164
    await open_service(turn)


async def receive_phone_text(turn: Turn) -> None:
    """The reply keyboard's own buttons arrive as their labels; a typed number is not taken."""
    if turn.incoming.text == turn.t.gettext(BACK):
        await turn.router.home(turn)
    elif turn.incoming.text == turn.t.gettext(PERSON):
        await turn.router.screens["support.question"].render(turn)
    else:
        turn.say(turn._(m.PHONE_BUTTON))
        await open_service(turn)


async def open_service(turn: Turn) -> None:
    ready = await patient_ready(turn)
    if ready is None:
        return
    policy, who = ready
    turn.goto("tm.home")
    turn.data["tm"] = {}
    turn.show(turn._(m.HOME, service=service_label(turn), name=who.name,
                     born=turn.t.date(who.birth_date) if who.birth_date else "—", phone=who.phone,
                     number=policy.number), [
        [(turn._(m.URGENT), "tm:u")],
        [(turn._(m.PLAN), "tm:p")],
        [(turn._(m.MINE), "tm:m")],
        back_and_person(turn),
    ])


async def own(turn: Turn, consultation_id: str) -> Consultation | None:
    consultation = (await service.repo(turn.uow).get_for_user(turn.user.id, int(consultation_id))
                    if ascii_digits(consultation_id) else None)
    if consultation is None:
        log.warning("user %s asked for consultation %r that is not theirs", turn.user.id, consultation_id)
        turn.notice(turn._(m.NOT_AVAILABLE))
    return consultation


def when_line(turn: Turn, consultation: Consultation) -> str:
    if consultation.starts_at is None:
        return turn._(m.URGENT_WHEN, date=m.when(turn.t, consultation.created_at))
    return f"{m.when(turn.t, consultation.starts_at)} ({rules.ZONE_LABEL})"
