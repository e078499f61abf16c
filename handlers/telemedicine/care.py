"""Around a consultation: documents for the doctor, My consultations, the conclusion
and a complaint within 7 calendar days (Appendix 1)."""

from __future__ import annotations

from bot.conversation import Button, Handler, Turn, translate
from bot.i18n import translator
from bot.keyboards import PERSON, back_and_person
from bot.telemedicine import service
from handlers.documents import REFUSED, display_name, fetch_upload
from handlers.telemedicine import messages as m
from handlers.telemedicine.gate import own, when_line
from insurance import telemedicine as rules
from insurance.claim_documents import UploadRefused
from storage.models import Consultation, utcnow


MIN_COMPLAINT = 10


async def _remember(turn: Turn, consultation_id: str, key: str, then: Handler) -> None:
    """The user's own consultation from a button, kept under `key` for the next steps."""
    consultation = await own(turn, consultation_id)
    if consultation is not None:
        turn.data[key] = consultation.id
        await then(turn)


async def _remembered(turn: Turn, key: str) -> Consultation | None:
    return await service.repo(turn.uow).get_for_user(turn.user.id, int(turn.data.get(key) or 0))


async def choose_upload(turn: Turn, consultation_id: str = "") -> None:
    await _remember(turn, consultation_id, "tm_upload", ask_files)


async def _upload_target(turn: Turn) -> Consultation | None:
    consultation = await _remembered(turn, "tm_upload")
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
                            when=when_line(turn, consultation), status=_status(turn, consultation)))
    for policy_id in sorted({c.policy_id for c in consultations}):
        policy = await turn.uow.policies.get(policy_id)
        counted = await service.repo(turn.uow).counted_for_policy(policy_id)
        if policy is not None and counted:
            lines.append(turn._(m.COUNTED, number=policy.number, count=counted))
    rows: list[list[Button]] = [[(c.number or "", f"tm:v:{c.id}")] for c in [*coming, *past][:10]]
    turn.show("\n".join(lines), [*rows, [(turn._(m.URGENT), "tm:u"), (turn._(m.PLAN), "tm:p")],
                                 back_and_person(turn, back="tm")])


async def show_consultation(turn: Turn, consultation_id: str = "") -> None:
    consultation = await own(turn, consultation_id)
    if consultation is None:
        return
    turn.goto("tm.mine")
    files = len(await service.repo(turn.uow).documents(consultation.id))
    parts = [turn._(m.DETAIL, number=consultation.number,
                    speciality=m.speciality(turn.t, consultation.speciality).capitalize(),
                    when=when_line(turn, consultation), status=_status(turn, consultation), files=files)]
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
    consultation = await own(turn, consultation_id)
    if consultation is None or not consultation.conclusion_sha256:
        return
    turn.send_stored_document(consultation.conclusion_sha256, consultation.conclusion_name or "conclusion.pdf",
                              caption=turn._(m.CONCLUSION_CAPTION, number=consultation.number))


async def start_complaint(turn: Turn, consultation_id: str = "") -> None:
    await _remember(turn, consultation_id, "tm_complaint", ask_complaint)


async def _complaint_target(turn: Turn) -> Consultation | None:
    consultation = await _remembered(turn, "tm_complaint")
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
