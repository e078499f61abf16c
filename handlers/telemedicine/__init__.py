"""Dariger Online: a duty doctor now, or a planned consultation, in a handful of taps.

Who may: the holder of a Nomad Life policy whose cover has started and not ended
(rules 9.5); others are told why, with the dates. Before the first consultation:
the consent to pass medical information to the medical organisation (Appendix 1,
registration), recorded with its text's hash. Identification (phone, full name,
date of birth) comes from the policy, never typed again. The operations live in
`bot.telemedicine.service`, shared with the clinic's side.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from html import escape

from bot.conversation import Button, Router, Turn, translate
from bot.i18n import translator
from bot.keyboards import BACK, BUY_COVER, PERSON, SHARE_PHONE, back_and_person
from bot.telemedicine import PROVIDER
from bot.telemedicine import service
from handlers.claims import DATE_FORMAT
from handlers.consent import AGREE, FULL_FOOTER, READ_FULL
from handlers.documents import REFUSED, display_name, fetch_upload
from handlers.telemedicine import messages as m
from insurance import telemedicine as rules
from insurance.application import FieldError, parse_date
from insurance.claim_documents import UploadRefused
from insurance.consent import consent_text
from insurance.identity import normalize_contact_phone
from storage.models import Consultation, Policy, utcnow

log = logging.getLogger(__name__)

MEDICAL_INFORMATION = "nomad_life_medical_information"
CONSENT_SCOPE = "nomad_life"
MIN_COMPLAINT = 10


def register(router: Router) -> None:
    @router.callback("tm")
    async def telemedicine_button(turn: Turn) -> None:
        parts = (turn.incoming.callback_data or "").split(":")
        action, args = (parts[1] if len(parts) > 1 else ""), parts[2:]
        await ACTIONS.get(action, lambda t, *a: open_service(t))(turn, *args)

    router.command("doctor")(open_service)
    router.screen("tm.home")(open_service)
    router.screen("tm.consent")(open_service)
    router.screen("tm.phone", on_contact=receive_phone, on_text=receive_phone_text)(open_service)
    router.screen("tm.who")(ask_who)
    router.screen("tm.queue")(show_queue)
    router.screen("tm.kind")(ask_kind)
    router.screen("tm.speciality")(ask_speciality)
    router.screen("tm.day", on_text=receive_day)(ask_day)
    router.screen("tm.slot", on_text=receive_day)(lambda turn: show_slots(turn, turn.data.get("tm", {}).get("day")))
    router.screen("tm.cancel")(show_consultations)
    router.screen("tm.upload", on_file=receive_file, on_text=remind_to_send_files)(ask_files)
    router.screen("tm.mine")(show_consultations)
    router.screen("tm.complaint", on_text=receive_complaint)(ask_complaint)


def _service(turn: Turn) -> str:
    return service.service_name(turn.t.language)


def _draft(turn: Turn) -> dict:
    return turn.data.setdefault("tm", {})


# ---- the gate: policy, consent, identity ----------------------------------------------

async def _ready(turn: Turn) -> tuple[Policy, service.Patient] | None:
    """The policy in force and the patient, or the screen that says what is missing."""
    policy, verdict = await service.policy_for_telemedicine(turn.uow, turn.user.id, utcnow())
    if policy is None or verdict is None:
        turn.goto("menu")
        turn.show(turn._(m.NO_POLICY, service=_service(turn)), [[(turn._(BUY_COVER), "buy")], back_and_person(turn)])
        return None
    if not verdict.allowed:
        # Nomad Life rules 9.5: access from the start of cover, while the policy is in force.
        turn.goto("menu")
        text = m.NOT_STARTED if verdict.reason == "not_started" else m.ENDED
        turn.show(turn._(text, service=_service(turn), number=policy.number, start=turn.t.date(policy.cover_start),
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
    title = turn._(m.CONSENT_TITLE, service=_service(turn))
    if full:
        text = consent_text(MEDICAL_INFORMATION, turn.t.language)
        body = f"<b>{escape(text.title)}</b>\n\n{escape(text.body)}\n\n<i>{turn._(FULL_FOOTER, version=text.version)}</i>"
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
    ready = await _ready(turn)
    if ready is None:
        return
    policy, who = ready
    turn.goto("tm.home")
    turn.data["tm"] = {}
    turn.show(turn._(m.HOME, service=_service(turn), name=who.name,
                     born=turn.t.date(who.birth_date) if who.birth_date else "—", phone=who.phone,
                     number=policy.number), [
        [(turn._(m.URGENT), "tm:u")],
        [(turn._(m.PLAN), "tm:p")],
        [(turn._(m.MINE), "tm:m")],
        back_and_person(turn),
    ])


# ---- urgent: the duty queue ----------------------------------------------------------------

async def ask_who(turn: Turn, speciality: str = "") -> None:
    ready = await _ready(turn)
    if ready is None:
        return
    if speciality in rules.DUTY_SPECIALITIES:
        policy, who = ready
        consultation = await service.join_queue(turn.uow, turn.user, policy, who, speciality,
                                                turn.incoming.message_id if turn.incoming.kind == "callback" else None)
        turn.data["tm"] = {"queue": consultation.id}
        await show_queue(turn)
        return
    existing = await service.repo(turn.uow).active_urgent(turn.user.id)
    if existing is not None and existing.status == "queued":
        turn.data["tm"] = {"queue": existing.id}
        await show_queue(turn)
        return
    turn.goto("tm.who")
    turn.show(turn._(m.ASK_WHO, service=_service(turn)),
              [[(turn._(m.ADULT), "tm:u:therapist")], [(turn._(m.CHILD), "tm:u:paediatrician")],
               back_and_person(turn, back="tm")])


async def show_queue(turn: Turn) -> None:
    """One message keeps the place and the expected wait current (edited by the service)."""
    consultation = await service.repo(turn.uow).get_for_user(turn.user.id, int(_draft(turn).get("queue") or 0))
    if consultation is None or consultation.status != "queued":
        await open_service(turn)
        return
    turn.goto("tm.queue")
    place, minutes = await service.queue_place(turn.uow, consultation)
    turn.show(service.queue_text(turn.t, consultation, place, minutes), m.queue_rows(turn.t, consultation))
    turn.outgoing[-1]["on_sent"] = f"telemedicine_queue:{consultation.id}"


async def remember_queue_message(uow, consultation_id: str, message_id: int) -> None:
    """The queue message's id, so later changes edit it instead of sending another."""
    consultation = await service.repo(uow).get(int(consultation_id))
    if consultation is not None and message_id:
        consultation.queue_message_id = message_id


# ---- planned: kind, speciality, day, slot ------------------------------------------------

async def ask_kind(turn: Turn) -> None:
    if await _ready(turn) is None:
        return
    turn.goto("tm.kind")
    turn.show(turn._(m.ASK_KIND), [*([(turn._(label), f"tm:k:{code}")] for code, label in m.KINDS.items()),
                                   back_and_person(turn, back="tm")])


async def choose_kind(turn: Turn, kind: str = "") -> None:
    if kind not in rules.PLANNED_KINDS:
        await ask_kind(turn)
        return
    turn.data["tm"] = {"kind": kind}
    if kind in rules.DUTY_SPECIALITIES:
        _draft(turn)["speciality"] = kind
        await ask_day(turn)
    else:
        await ask_speciality(turn)


async def ask_speciality(turn: Turn) -> None:
    kind = _draft(turn).get("kind")
    if kind not in ("specialist", "second_opinion") or await _ready(turn) is None:
        await ask_kind(turn)
        return
    turn.goto("tm.speciality")
    rows = [[(turn._(m.SPECIALITIES[code]).capitalize(), f"tm:s:{code}")] for code in rules.SPECIALISTS]
    turn.show(turn._(m.ASK_SPECIALITY, kind=turn._(m.KINDS[kind])), [*rows, back_and_person(turn, back="tm:p")])


async def choose_speciality(turn: Turn, code: str = "") -> None:
    if code not in rules.SPECIALISTS or _draft(turn).get("kind") not in ("specialist", "second_opinion"):
        await ask_speciality(turn)
        return
    _draft(turn)["speciality"] = code
    await ask_day(turn)


def _back_from_day(turn: Turn) -> str:
    return "tm:k:" + _draft(turn).get("kind", "") if _draft(turn).get("kind") in ("specialist", "second_opinion") \
        else "tm:p"


async def ask_day(turn: Turn, notice: str | None = None) -> None:
    draft = _draft(turn)
    ready = await _ready(turn)
    if ready is None:
        return
    if draft.get("speciality") not in rules.SPECIALITIES:
        await ask_kind(turn)
        return
    policy, _ = ready
    now = utcnow()
    spec = m.speciality(turn.t, draft["speciality"])
    days = await service.free_days(turn.uow, draft["speciality"], policy.cover_end, now)
    turn.goto("tm.day")
    if not days:
        turn.show(turn._(m.NO_DAYS, speciality=spec), [back_and_person(turn, back=_back_from_day(turn))])
        return
    labels = [(m.format_day(turn.t, day), f"tm:d:{day.isoformat()}") for day in days]
    rows = [labels[i:i + 3] for i in range(0, len(labels), 3)]
    example = (rules.local_today(now) + timedelta(days=1)).strftime("%d.%m.%Y")
    text = turn._(m.ASK_DAY, speciality=spec.capitalize(), example=example)
    turn.show(f"{notice}\n\n{text}" if notice else text, [*rows, back_and_person(turn, back=_back_from_day(turn))])


async def receive_day(turn: Turn) -> None:
    """A typed date: in the past or too far is explained, the step is kept."""
    policy_ready = await _ready(turn)
    if policy_ready is None:
        return
    policy, _ = policy_ready
    try:
        day = parse_date(turn.incoming.text)
    except FieldError:
        turn.say(turn._(DATE_FORMAT))
        return
    today = rules.local_today(utcnow())
    try:
        rules.check_booking_day(day, today, policy.cover_end)
    except rules.DateRefused as refused:
        last = min(today + timedelta(days=rules.BOOKING_DAYS_AHEAD), policy.cover_end)
        turn.say(turn._(m.DAY_PAST) if refused.reason == "past" else turn._(m.DAY_TOO_FAR, date=turn.t.date(last)))
        return
    await show_slots(turn, day.isoformat())


async def show_slots(turn: Turn, day_text: str | None = "", notice: str | None = None) -> None:
    draft = _draft(turn)
    try:
        day = date.fromisoformat(day_text or "")
    except ValueError:
        await ask_day(turn)
        return
    if await _ready(turn) is None:
        return
    if draft.get("speciality") not in rules.SPECIALITIES:
        await ask_kind(turn)
        return
    free = await PROVIDER.open_slots(turn.uow, draft["speciality"], day, utcnow())
    if not free:
        await ask_day(turn, notice=turn._(m.NO_SLOTS, day=m.format_day(turn.t, day)))
        return
    draft["day"] = day.isoformat()
    turn.goto("tm.slot")
    labels = [(f"{rules.local(moment):%H:%M}", f"tm:t:{doctor.id}:{int(moment.timestamp())}")
              for moment, doctor in free]
    rows = [labels[i:i + 4] for i in range(0, len(labels), 4)]
    text = turn._(m.ASK_SLOT, speciality=m.speciality(turn.t, draft["speciality"]).capitalize(),
                  day=m.format_day(turn.t, day), zone=rules.ZONE_LABEL)
    turn.show(f"{notice}\n\n{text}" if notice else text, [*rows, back_and_person(turn, back="tm:d")])


async def choose_day(turn: Turn, day_text: str = "") -> None:
    if not day_text:
        await ask_day(turn)
        return
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        await ask_day(turn)
        return
    if day < rules.local_today(utcnow()):
        await ask_day(turn, notice=turn._(m.DAY_PAST))
        return
    await show_slots(turn, day.isoformat())


async def book_slot(turn: Turn, doctor_id: str = "", epoch: str = "") -> None:
    """One tap books; a slot taken meanwhile offers the free ones left."""
    draft = _draft(turn)
    ready = await _ready(turn)
    if ready is None:
        return
    if not (doctor_id.isdigit() and epoch.isdigit()) or draft.get("speciality") not in rules.SPECIALITIES:
        await ask_kind(turn)
        return
    policy, who = ready
    starts_at = datetime.fromtimestamp(int(epoch), timezone.utc)
    consultation = await service.book(turn.uow, turn.user, policy, who, draft.get("kind", draft["speciality"]),
                                      draft["speciality"], int(doctor_id), starts_at)
    if consultation is None:
        await show_slots(turn, rules.local(starts_at).date().isoformat(), notice=turn._(m.SLOT_TAKEN))
        return
    turn.data["tm"] = {}
    turn.goto("tm.mine")
    doctor = await service.repo(turn.uow).doctor(int(doctor_id))
    values = dict(number=consultation.number, speciality=m.speciality(turn.t, consultation.speciality).capitalize(),
                  doctor=doctor.name if doctor else "", when=m.when(turn.t, starts_at), zone=rules.ZONE_LABEL)
    turn.show(turn._(m.BOOKED, phone=who.phone,
                     free_until=m.when(turn.t, starts_at - rules.FREE_CANCELLATION), **values),
              m.booking_rows(turn.t, consultation))
    # Appendix 1: "Застрахованный получает SMS-сообщение с указанием времени и даты".
    turn.send_sms(who.phone or "", turn._(m.SMS_BOOKED, service=_service(turn), **values))


# ---- cancelling -------------------------------------------------------------------------------

async def _own(turn: Turn, consultation_id: str) -> Consultation | None:
    consultation = (await service.repo(turn.uow).get_for_user(turn.user.id, int(consultation_id))
                    if consultation_id.isdigit() else None)
    if consultation is None:
        log.warning("user %s asked for consultation %r that is not theirs", turn.user.id, consultation_id)
        turn.notice(turn._(m.NOT_AVAILABLE))
    return consultation


async def cancel(turn: Turn, consultation_id: str = "", confirmed: bool = False) -> None:
    """Free: one tap. Late (under 24 hours, Appendix 1): a warning first, it counts as given."""
    consultation = await _own(turn, consultation_id)
    if consultation is None:
        return
    number = consultation.number
    if consultation.status not in ("queued", "booked"):
        turn.say(turn._(m.CANNOT_CANCEL, number=number), [[(turn._(m.MINE), "tm:m"), (turn._(PERSON), "support")]])
        return
    now = utcnow()
    free = rules.cancellation_is_free(consultation.urgent, consultation.starts_at, False, now)
    if not free and not confirmed:
        turn.goto("tm.cancel")
        turn.say(turn._(m.CONFIRM_LATE_CANCEL, number=number, when=_when_line(turn, consultation)),
                 [[(turn._(m.YES_CANCEL), f"tm:cy:{consultation.id}"), (turn._(m.KEEP), f"tm:v:{consultation.id}")],
                  [(turn._(PERSON), "support")]])
        return
    outcome = await service.cancel(turn.uow, consultation, turn.update_id, now)
    turn.data["tm"] = {}
    if consultation.urgent:
        turn.goto("tm.home")
        turn.show(turn._(m.LEFT_QUEUE), [[(turn._(m.URGENT), "tm:u"), (turn._(m.PLAN), "tm:p")],
                                         back_and_person(turn, back="tm")])
        return
    turn.goto("tm.mine")
    done = m.CANCELLED_FREE if outcome == "free" else m.CANCELLED_LATE
    turn.say(turn._(done, number=number),
             [[(turn._(m.MINE), "tm:m"), (turn._(PERSON), "support")]])


async def confirm_cancel(turn: Turn, consultation_id: str = "") -> None:
    await cancel(turn, consultation_id, confirmed=True)


def _when_line(turn: Turn, consultation: Consultation) -> str:
    if consultation.starts_at is None:
        return turn._(m.URGENT_WHEN, date=m.when(turn.t, consultation.created_at))
    return f"{m.when(turn.t, consultation.starts_at)} ({rules.ZONE_LABEL})"


# ---- documents for the doctor --------------------------------------------------------------

async def choose_upload(turn: Turn, consultation_id: str = "") -> None:
    consultation = await _own(turn, consultation_id)
    if consultation is None:
        return
    turn.data["tm_upload"] = consultation.id
    await ask_files(turn)


async def _upload_target(turn: Turn) -> Consultation | None:
    consultation = await service.repo(turn.uow).get_for_user(turn.user.id, int(turn.data.get("tm_upload") or 0))
    if consultation is None:
        await show_consultations(turn)
        return None
    if not service.consultation_is_active(consultation):
        turn.say(turn._(m.CLOSED, number=consultation.number))
        await show_consultations(turn)
        return None
    return consultation


async def ask_files(turn: Turn) -> None:
    consultation = await _upload_target(turn)
    if consultation is None:
        return
    turn.goto("tm.upload")
    turn.say(turn._(m.ASK_FILES, number=consultation.number), _done_rows(turn, consultation))


def _done_rows(turn: Turn, consultation: Consultation) -> list[list[Button]]:
    return [[(turn._(m.DONE), f"tm:v:{consultation.id}"), (turn._(PERSON), "support")]]


async def receive_file(turn: Turn) -> None:
    consultation = await _upload_target(turn)
    if consultation is None or turn.incoming.file is None:
        return
    try:
        content, kind = await fetch_upload(turn, turn.incoming.file)
    except UploadRefused as refused:
        turn.say(turn._(REFUSED[refused.reason]), _done_rows(turn, consultation))
        return
    count = await service.attach_document(turn.uow, turn.documents, consultation, content, kind,
                                          display_name(turn.incoming.file.file_name))
    turn.say(turn._(m.FILE_RECEIVED, count=count), _done_rows(turn, consultation))


async def remind_to_send_files(turn: Turn) -> None:
    consultation = await _upload_target(turn)
    if consultation is not None:
        turn.say(turn._(m.NOT_A_FILE), _done_rows(turn, consultation))


# ---- my consultations, the conclusion, a complaint -----------------------------------------

def _status(turn: Turn, consultation: Consultation) -> str:
    return turn._(m.STATUSES.get(consultation.status, consultation.status))


async def show_consultations(turn: Turn) -> None:
    turn.goto("tm.mine")
    consultations = await service.repo(turn.uow).for_user(turn.user.id)
    lines = [turn._(m.MINE_TITLE), ""]
    if not consultations:
        lines.append(turn._(m.NONE_YET))
    coming = [c for c in consultations if service.consultation_is_active(c)]
    past = [c for c in consultations if not service.consultation_is_active(c)]
    for consultation in [*coming, *past][:10]:
        lines.append(turn._(m.LINE, number=consultation.number,
                            speciality=m.speciality(turn.t, consultation.speciality).capitalize(),
                            when=_when_line(turn, consultation), status=_status(turn, consultation)))
    for policy_id in sorted({c.policy_id for c in consultations}):
        policy = await turn.uow.policies.get(policy_id)
        counted = await service.repo(turn.uow).counted_for_policy(policy_id)
        if policy is not None and counted:
            lines.append(turn._(m.COUNTED, number=policy.number, count=counted))
    rows: list[list[Button]] = [[(c.number or "", f"tm:v:{c.id}")] for c in [*coming, *past][:10]]
    turn.show("\n".join(lines), [*rows, [(turn._(m.URGENT), "tm:u"), (turn._(m.PLAN), "tm:p")],
                                 back_and_person(turn, back="tm")])


async def show_consultation(turn: Turn, consultation_id: str = "") -> None:
    consultation = await _own(turn, consultation_id)
    if consultation is None:
        return
    turn.goto("tm.mine")
    files = len(await service.repo(turn.uow).documents(consultation.id))
    parts = [turn._(m.DETAIL, number=consultation.number,
                    speciality=m.speciality(turn.t, consultation.speciality).capitalize(),
                    when=_when_line(turn, consultation), status=_status(turn, consultation), files=files)]
    doctor = await service.repo(turn.uow).doctor(consultation.doctor_id or 0)
    if consultation.conclusion_text:
        parts.append(turn._(m.DETAIL_CONCLUSION, doctor=doctor.name if doctor else "",
                            text=consultation.conclusion_text))
    if consultation.complaint and consultation.complained_at:
        parts.append(turn._(m.DETAIL_COMPLAINT, date=turn.t.date(rules.local(consultation.complained_at).date()),
                            text=consultation.complaint))
    rows: list[list[Button]] = []
    if service.consultation_is_active(consultation):
        rows.append([(turn._(m.SEND_DOCUMENTS), f"tm:f:{consultation.id}")])
        if consultation.status in ("queued", "booked"):
            rows.append([(turn._(m.LEAVE_QUEUE if consultation.urgent else m.CANCEL), f"tm:c:{consultation.id}")])
    if consultation.conclusion_sha256:
        rows.append([(turn._(m.CONCLUSION_FILE), f"tm:cf:{consultation.id}")])
    if consultation.counted_as and not consultation.complaint:
        rows.append([(turn._(m.COMPLAIN), f"tm:q:{consultation.id}")])
    turn.show("\n\n".join(parts), [*rows, back_and_person(turn, back="tm:m")])


async def send_conclusion(turn: Turn, consultation_id: str = "") -> None:
    consultation = await _own(turn, consultation_id)
    if consultation is None or not consultation.conclusion_sha256:
        return
    turn.send_stored_document(consultation.conclusion_sha256, consultation.conclusion_name or "conclusion.pdf",
                              caption=turn._(m.CONCLUSION_CAPTION, number=consultation.number))


async def start_complaint(turn: Turn, consultation_id: str = "") -> None:
    consultation = await _own(turn, consultation_id)
    if consultation is None:
        return
    turn.data["tm_complaint"] = consultation.id
    await ask_complaint(turn)


async def _complaint_target(turn: Turn) -> Consultation | None:
    consultation = await service.repo(turn.uow).get_for_user(turn.user.id, int(turn.data.get("tm_complaint") or 0))
    if consultation is None or consultation.closed_at is None or consultation.counted_as is None:
        await show_consultations(turn)
        return None
    if not rules.complaint_open(consultation.closed_at, utcnow()):
        # Appendix 1: after 7 calendar days the service counts as accepted.
        turn.goto("tm.mine")
        turn.say(turn._(m.COMPLAINT_CLOSED, number=consultation.number,
                        date=turn.t.date(rules.complaint_deadline(consultation.closed_at))),
                 [[(turn._(m.MINE), "tm:m"), (turn._(PERSON), "support")]])
        return None
    return consultation


async def ask_complaint(turn: Turn) -> None:
    consultation = await _complaint_target(turn)
    if consultation is None:
        return
    turn.goto("tm.complaint")
    turn.say(turn._(m.ASK_COMPLAINT, number=consultation.number),
             [back_and_person(turn, back=f"tm:v:{consultation.id}")])


async def receive_complaint(turn: Turn) -> None:
    consultation = await _complaint_target(turn)
    if consultation is None:
        return
    text = turn.incoming.text.strip()
    if len(text) < MIN_COMPLAINT:
        turn.say(turn._(m.COMPLAINT_SHORT))
        return
    if not await service.complain(turn.uow, consultation, text):
        await show_consultations(turn)
        return
    turn.goto("tm.mine")
    turn.say(turn._(m.COMPLAINT_RECEIVED, number=consultation.number),
             [[(turn._(m.MINE), "tm:m"), (turn._(PERSON), "support")]])
    if turn.settings.staff_chat_id is not None:
        policy = await turn.uow.policies.get(consultation.policy_id)
        doctor = await service.repo(turn.uow).doctor(consultation.doctor_id or 0)
        turn.say(translate(translator(turn.settings.staff_language), m.STAFF_COMPLAINT, number=consultation.number,
                           policy=policy.number if policy else "", doctor=doctor.name if doctor else "", text=text),
                 chat_id=turn.settings.staff_chat_id)


ACTIONS = {
    "ok": lambda turn, *a: give_consent(turn),
    "full": lambda turn, *a: read_consent(turn),
    "u": ask_who,
    "p": lambda turn, *a: ask_kind(turn),
    "k": choose_kind,
    "s": choose_speciality,
    "d": choose_day,
    "t": book_slot,
    "c": cancel,
    "cy": confirm_cancel,
    "f": choose_upload,
    "m": lambda turn, *a: show_consultations(turn),
    "v": show_consultation,
    "cf": send_conclusion,
    "q": start_complaint,
}
