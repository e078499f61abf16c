"""Telemedicine operations: the one place both the patient's journey and the clinic
(CLI today, partner API later) change consultations.

Every operation takes the unit of work and `now` (injectable for tests) and
writes what the patient must read as outbox rows in the patient's language, in
the same transaction. Rules: insurance.telemedicine (Nomad Life rules 7.12, 9.5,
Appendix 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from bot.conversation import translate
from bot.i18n import Translator, translator
from bot.keyboards import PERSON
from bot.telemedicine import PROVIDER
from handlers.telemedicine import messages as m
from insurance import telemedicine as rules
from insurance.catalogue import get_product
from insurance.claim_documents import UploadRefused, file_kind
from storage.documents import DocumentStore
from storage.models import Consultation, Policy, TelemedicineDoctor, User, utcnow
from storage.telemedicine import ACTIVE, BOOKED, CONNECTED, QUEUED, Telemedicine
from storage.unit_of_work import UnitOfWork

CANCELLED = "cancelled"


class ClinicError(ValueError):
    """An operation that cannot be done; `str()` is one line for the operator (CLI).

    `code` and `values` name the problem for a screen in the operator's language
    (the sandbox page's clinic pane, docs/sandbox.md)."""

    def __init__(self, message: str, code: str = "invalid", **values: Any) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Patient:
    """Identification by phone, full name and date of birth (Appendix 1), from the policy."""

    name: str
    birth_date: date | None
    phone: str | None


def repo(uow: UnitOfWork) -> Telemedicine:
    return Telemedicine(uow.session)


def service_name(language: str) -> str:
    service = get_product("nomad_life").telemedicine
    return service.name.get(language) if service else "Dariger Online"


async def _reader(uow: UnitOfWork, user_id: int) -> Translator:
    user = await uow.users.get(user_id)
    return translator((user.language if user else None) or "ru")


def _send(uow: UnitOfWork, consultation: Consultation, payload: dict[str, Any], update_id: int | None) -> None:
    uow.outbox.add(consultation.user_id, payload, update_id)


# ---- who may book ---------------------------------------------------------------

async def policy_for_telemedicine(uow: UnitOfWork, user_id: int,
                                  now: datetime) -> tuple[Policy | None, rules.Access | None]:
    """The user's policy in force with telemedicine, or the one that explains why not."""
    today = rules.local_today(now)
    refusals: list[tuple[Policy, rules.Access]] = []
    for policy in await uow.policies.for_user(user_id):
        if get_product(policy.product_code).telemedicine is None:
            continue
        verdict = rules.access(policy.cover_start, policy.cover_end, today)
        if verdict.allowed:
            return policy, verdict
        refusals.append((policy, verdict))
    if not refusals:
        return None, None
    # The one starting soonest, else the one that ended last.
    upcoming = sorted((r for r in refusals if r[1].reason == "not_started"), key=lambda r: r[0].cover_start)
    return upcoming[0] if upcoming else max(refusals, key=lambda r: r[0].cover_end)


async def patient(uow: UnitOfWork, user: User, policy: Policy) -> Patient:
    application = await uow.applications.get(policy.application_id)
    answers = application.answers if application else {}
    born = answers.get("birth_date")
    return Patient(name=answers.get("full_name") or policy.holder_name,
                   birth_date=date.fromisoformat(born) if born else None,
                   phone=answers.get("phone") or user.phone)


# ---- the duty queue (urgent) ------------------------------------------------------

async def join_queue(uow: UnitOfWork, user: User, policy: Policy, who: Patient, speciality: str,
                     message_id: int | None, now: datetime | None = None) -> Consultation:
    if speciality not in rules.DUTY_SPECIALITIES:
        raise ClinicError(f"no duty {speciality!r}")
    existing = await repo(uow).active_urgent(user.id)
    if existing is not None:
        existing.queue_message_id = message_id or existing.queue_message_id
        return existing
    consultation = await repo(uow).open(
        user_id=user.id, policy_id=policy.id, urgent=True, kind=speciality, speciality=speciality,
        status=QUEUED, phone=who.phone or "", patient_name=who.name, birth_date=who.birth_date,
        language=user.language or "ru", queue_message_id=message_id, created_at=now or utcnow())
    await PROVIDER.notify(uow, consultation, "queued")
    return consultation


async def queue_place(uow: UnitOfWork, consultation: Consultation) -> tuple[int, int]:
    """(place, expected wait in minutes) of a queued patient."""
    queue = await repo(uow).queue(consultation.speciality)
    place = next((i for i, c in enumerate(queue, 1) if c.id == consultation.id), len(queue) + 1)
    doctors = len(await repo(uow).doctors(speciality=consultation.speciality, on_duty=True))
    return place, rules.expected_wait_minutes(place, doctors)


def queue_text(t: Translator, consultation: Consultation, place: int, minutes: int) -> str:
    return translate(t, m.QUEUE, speciality=m.speciality(t, consultation.speciality), place=place,
                       minutes=minutes, phone=consultation.phone)


async def refresh_queue(uow: UnitOfWork, update_id: int | None, skip: int | None = None) -> None:
    """Keep every waiting patient's one queue message current (edited, not re-sent)."""
    for waiting in await repo(uow).queue():
        if waiting.id == skip or waiting.queue_message_id is None:
            continue
        t = await _reader(uow, waiting.user_id)
        place, minutes = await queue_place(uow, waiting)
        _send(uow, waiting, m.message(t, m.QUEUE, m.queue_rows(t, waiting), edit=waiting.queue_message_id,
                                      speciality=m.speciality(t, waiting.speciality), place=place,
                                      minutes=minutes, phone=waiting.phone), update_id)


# ---- planned bookings ---------------------------------------------------------------

async def free_days(uow: UnitOfWork, speciality: str, cover_end: date, now: datetime) -> list[date]:
    today = rules.local_today(now)
    days = []
    for offset in range(rules.BOOKING_DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        if day > cover_end:
            break
        if await PROVIDER.open_slots(uow, speciality, day, now):
            days.append(day)
    return days


async def book(uow: UnitOfWork, user: User, policy: Policy, who: Patient, kind: str, speciality: str,
               doctor_id: int, starts_at: datetime, now: datetime | None = None) -> Consultation | None:
    """Hold the slot for the patient; None when it is no longer free (taken, past, or never offered)."""
    now = now or utcnow()
    offered = await PROVIDER.open_slots(uow, speciality, rules.local(starts_at).date(), now)
    if not any(moment == starts_at and doctor.id == doctor_id for moment, doctor in offered):
        return None
    key = f"{doctor_id}:{starts_at.isoformat()}"
    if await repo(uow).slot_holder(key) is not None:
        return None
    try:
        # Two patients racing for one slot on PostgreSQL: the unique slot key lets one
        # win; the other's savepoint is rolled back and the rest of its update stands.
        async with uow.session.begin_nested():
            consultation = await repo(uow).open(
                user_id=user.id, policy_id=policy.id, urgent=False, kind=kind, speciality=speciality,
                doctor_id=doctor_id, starts_at=starts_at, slot_key=key, status=BOOKED, phone=who.phone or "",
                patient_name=who.name, birth_date=who.birth_date, language=user.language or "ru",
                created_at=now, next_reminder_at=rules.first_reminder(starts_at, now))
    except IntegrityError:
        return None
    await PROVIDER.notify(uow, consultation, "booked")
    return consultation


async def cancel(uow: UnitOfWork, consultation: Consultation, update_id: int | None,
                 now: datetime | None = None) -> str | None:
    """Cancel before it starts: "free", or "late" (counts as given, Appendix 1); None if too late."""
    now = now or utcnow()
    if consultation.status not in (QUEUED, BOOKED):
        return None
    free = rules.cancellation_is_free(consultation.urgent, consultation.starts_at, False, now)
    consultation.status = CANCELLED if free else rules.LATE_CANCELLATION
    consultation.counted_as = None if free else rules.LATE_CANCELLATION
    consultation.slot_key, consultation.next_reminder_at, consultation.closed_at = None, None, now
    await uow.flush()
    await PROVIDER.notify(uow, consultation, "cancelled")
    if consultation.urgent:
        await refresh_queue(uow, update_id)
    return "free" if free else "late"


async def attach_document(uow: UnitOfWork, store: DocumentStore, consultation: Consultation, content: bytes,
                          kind: str, original_name: str | None) -> int:
    """Store a patient's file for the doctor (like claim documents); the count sent so far."""
    sha256 = store.put(content)
    if await repo(uow).attach(consultation.id, sha256, kind=kind, size=len(content), original_name=original_name):
        await PROVIDER.notify(uow, consultation, "document")
    return len(await repo(uow).documents(consultation.id))


# ---- the clinic's side ----------------------------------------------------------------

async def add_doctor(uow: UnitOfWork, name: str, speciality: str, on_duty: bool) -> TelemedicineDoctor:
    if speciality not in rules.SPECIALITIES:
        raise ClinicError(f"unknown speciality {speciality!r}; one of: {', '.join(rules.SPECIALITIES)}",
                          "unknown_speciality", speciality=speciality)
    if on_duty and speciality not in rules.DUTY_SPECIALITIES:
        raise ClinicError("only therapists and paediatricians are on duty (Appendix 1)", "duty_speciality")
    if not name.strip():
        raise ClinicError("the doctor needs a name", "doctor_name")
    doctor = repo(uow).add_doctor(name.strip(), speciality, on_duty)
    await uow.flush()
    return doctor


async def set_duty(uow: UnitOfWork, doctor_id: int, on_duty: bool) -> TelemedicineDoctor:
    """A therapist or paediatrician comes on or goes off duty; the queue's expected waits follow."""
    doctor = await repo(uow).doctor(doctor_id)
    if doctor is None:
        raise ClinicError(f"no doctor {doctor_id}", "no_doctor", doctor=doctor_id)
    if on_duty and doctor.speciality not in rules.DUTY_SPECIALITIES:
        raise ClinicError("only therapists and paediatricians are on duty (Appendix 1)", "duty_speciality")
    doctor.on_duty = on_duty
    await uow.flush()
    await refresh_queue(uow, None)
    return doctor


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A roster to try the service with (sandbox, demos): duty doctors and specialists.
SAMPLE_ROSTER = (
    ("Асель Нурланова", "therapist", True, "daily", "08:00-20:00"),
    ("Марат Ахметов", "paediatrician", True, "daily", "08:00-20:00"),
    ("Ержан Қасымов", "cardiologist", False, "mon-fri", "09:00-18:00"),
    ("Гүлнар Сейітова", "neurologist", False, "mon-fri", "09:00-18:00"),
    ("Айжан Бекова", "gynaecologist", False, "mon-sat", "10:00-16:00"),
    ("Данияр Омаров", "endocrinologist", False, "tue,thu", "09:00-13:00"),
    ("Мадина Жақсылықова", "dermatologist", False, "mon-fri", "14:00-18:00"),
    ("Тимур Сарсенов", "otolaryngologist", False, "mon-fri", "09:00-12:00"),
)


def parse_weekdays(text: str) -> list[int]:
    """"mon-fri", "sat,sun", "daily" -> weekday numbers."""
    if text.strip().lower() == "daily":
        return list(range(7))
    days: list[int] = []
    for part in text.lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ClinicError(f"bad weekdays {text!r}: use e.g. mon-fri, sat,sun or daily", "bad_weekdays", value=text)
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
    return sorted(set(days))


async def publish_hours(uow: UnitOfWork, doctor_id: int, weekdays: str, hours: str) -> list[int]:
    doctor = await repo(uow).doctor(doctor_id)
    if doctor is None:
        raise ClinicError(f"no doctor {doctor_id}", "no_doctor", doctor=doctor_id)
    try:
        start, end = rules.parse_hours(hours)
    except ValueError as exc:
        raise ClinicError(f"bad hours {hours!r}: {exc}; use e.g. 09:00-13:30", "bad_hours", value=hours) from None
    days = parse_weekdays(weekdays)
    for weekday in days:
        await repo(uow).set_hours(doctor.id, weekday, start, end)
    await uow.flush()
    return days


async def add_sample_roster(uow: UnitOfWork) -> list[TelemedicineDoctor]:
    """The sample roster with its hours, unless a roster exists already."""
    if await repo(uow).doctors():
        raise ClinicError("the roster is not empty: add doctors one by one", "roster_not_empty")
    added = []
    for name, speciality, on_duty, days, hours in SAMPLE_ROSTER:
        doctor = await add_doctor(uow, name, speciality, on_duty)
        await publish_hours(uow, doctor.id, days, hours)
        added.append(doctor)
    return added


async def _consultation(uow: UnitOfWork, number: str) -> Consultation:
    found = await repo(uow).by_number(number.strip().upper())
    if found is None:
        raise ClinicError(f"no consultation {number!r}", "no_consultation", number=number)
    return found


async def connect_next(uow: UnitOfWork, doctor_id: int, link: str | None, now: datetime | None = None,
                       update_id: int | None = None) -> Consultation:
    """A duty doctor takes the next urgent patient of their speciality."""
    doctor = await repo(uow).doctor(doctor_id)
    if doctor is None or not doctor.on_duty:
        raise ClinicError(f"doctor {doctor_id} is not a duty doctor", "not_duty_doctor", doctor=doctor_id)
    queue = await repo(uow).queue(doctor.speciality)
    if not queue:
        raise ClinicError(f"nobody is waiting for a {doctor.speciality}", "nobody_waiting",
                          speciality=doctor.speciality)
    return await _connect(uow, queue[0], doctor, link, now or utcnow(), update_id)


async def connect(uow: UnitOfWork, number: str, link: str | None, now: datetime | None = None,
                  update_id: int | None = None) -> Consultation:
    """The booked doctor connects to a planned consultation."""
    consultation = await _consultation(uow, number)
    if consultation.status != BOOKED:
        raise ClinicError(f"{consultation.number} is {consultation.status}, not booked", "not_booked",
                          number=consultation.number, status=consultation.status)
    doctor = await repo(uow).doctor(consultation.doctor_id or 0)
    assert doctor is not None
    return await _connect(uow, consultation, doctor, link, now or utcnow(), update_id)


JOIN_LINK_LIMIT = 256  # consultations.join_link


def join_link(link: str | None) -> str | None:
    """The way to join a video room: an http(s) address, or None (the doctor calls the phone)."""
    link = (link or "").strip()
    if not link:
        return None
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed [IPv6 literal
        host = None
    if host is None or parts.scheme not in ("https", "http") or len(link) > JOIN_LINK_LIMIT \
            or any(c.isspace() for c in link):
        raise ClinicError(f"bad join link {link[:80]!r}: an http(s) address, e.g. https://meet.example/room",
                          "bad_link", value=link[:80])
    return link


async def _connect(uow: UnitOfWork, consultation: Consultation, doctor: TelemedicineDoctor, link: str | None,
                   now: datetime, update_id: int | None) -> Consultation:
    link = join_link(link)
    was_queued = consultation.status == QUEUED
    consultation.status, consultation.doctor_id, consultation.connected_at = CONNECTED, doctor.id, now
    consultation.join_link, consultation.next_reminder_at = link, None
    await uow.flush()
    t = await _reader(uow, consultation.user_id)
    if was_queued and consultation.queue_message_id is not None:
        _send(uow, consultation, m.message(t, m.QUEUE_DONE, edit=consultation.queue_message_id), update_id)
    text, values = (m.CONNECTED_LINK, {"link": link}) if link else (m.CONNECTED_CALL, {})
    _send(uow, consultation, m.message(t, text, [[(t.gettext(m.SEND_DOCUMENTS), f"tm:f:{consultation.id}"),
                                                  (t.gettext(PERSON), "support")]],
                                       doctor=doctor.name, number=consultation.number, phone=consultation.phone,
                                       **values), update_id)
    if was_queued:
        await refresh_queue(uow, update_id)
    return consultation


async def call_failed(uow: UnitOfWork, number: str, now: datetime | None = None,
                      update_id: int | None = None) -> Consultation:
    """Appendix 1: the third failed call closes the consultation, and it counts as given."""
    consultation = await _consultation(uow, number)
    if consultation.status != CONNECTED:
        raise ClinicError(f"{consultation.number} is {consultation.status}: connect first", "not_connected",
                          number=consultation.number, status=consultation.status)
    consultation.failed_calls += 1
    t = await _reader(uow, consultation.user_id)
    total = rules.FAILED_CALLS_TO_CLOSE
    if rules.closes_after_failed_call(consultation.failed_calls):
        consultation.status = consultation.counted_as = rules.NO_ANSWER
        consultation.closed_at, consultation.slot_key = now or utcnow(), None
        _send(uow, consultation, m.message(t, m.CLOSED_NO_ANSWER, [[(t.gettext(m.MINE), "tm:m"),
                                                                    (t.gettext(PERSON), "support")]],
                                           total=total, number=consultation.number), update_id)
    else:
        _send(uow, consultation, m.message(t, m.CALL_FAILED, count=consultation.failed_calls, total=total,
                                           phone=consultation.phone), update_id)
    await uow.flush()
    return consultation


CONCLUSION_LIMIT = 3000  # characters; the patient reads it in one message


async def finish(uow: UnitOfWork, store: DocumentStore, number: str, text: str, content: bytes | None = None,
                 filename: str | None = None, now: datetime | None = None,
                 update_id: int | None = None) -> Consultation:
    """The doctor's written conclusion (a short text, and a file when there is one) reaches the
    patient's chat."""
    consultation = await _consultation(uow, number)
    if consultation.status != CONNECTED:
        raise ClinicError(f"{consultation.number} is {consultation.status}: connect first", "not_connected",
                          number=consultation.number, status=consultation.status)
    if not text.strip():
        raise ClinicError("the conclusion needs a short text", "conclusion_text")
    if len(text.strip()) > CONCLUSION_LIMIT:
        raise ClinicError(f"the conclusion is longer than {CONCLUSION_LIMIT} characters", "conclusion_long",
                          limit=CONCLUSION_LIMIT)
    if content is not None:
        try:
            file_kind(content)
        except UploadRefused as refused:
            raise ClinicError(f"the conclusion file was refused: {refused.reason}", "conclusion_file",
                              reason=refused.reason) from None
        consultation.conclusion_sha256 = store.put(content)
        consultation.conclusion_name = (filename or "").rsplit("/", 1)[-1][:128] or "conclusion.pdf"
    now = now or utcnow()
    consultation.conclusion_text = text.strip()
    consultation.status = consultation.counted_as = rules.GIVEN
    consultation.closed_at, consultation.slot_key = now, None
    await uow.flush()
    t = await _reader(uow, consultation.user_id)
    doctor = await repo(uow).doctor(consultation.doctor_id or 0)
    if consultation.conclusion_sha256:
        _send(uow, consultation, {"method": "send_document", "sha256": consultation.conclusion_sha256,
                                  "filename": consultation.conclusion_name,
                                  "caption": translate(t, m.CONCLUSION_CAPTION, number=consultation.number)},
              update_id)
    _send(uow, consultation, m.message(
        t, m.CONCLUSION, [[(t.gettext(m.COMPLAIN), f"tm:q:{consultation.id}")],
                          [(t.gettext(m.MINE), "tm:m"), (t.gettext(PERSON), "support")]],
        number=consultation.number, doctor=doctor.name if doctor else "", text=consultation.conclusion_text,
        deadline=t.date(rules.complaint_deadline(now))), update_id)
    return consultation


async def complain(uow: UnitOfWork, consultation: Consultation, text: str, now: datetime | None = None) -> bool:
    """Appendix 1: a quality complaint within 7 calendar days; False when the window is over."""
    now = now or utcnow()
    if consultation.closed_at is None or consultation.counted_as is None \
            or not rules.complaint_open(consultation.closed_at, now):
        return False
    consultation.complaint, consultation.complained_at = text.strip()[:2000], now
    await uow.flush()
    return True


# ---- reminders ----------------------------------------------------------------------------

async def run_due(uow: UnitOfWork, now: datetime) -> int:
    """Reminders due (the day before, an hour before), written with the next one set in the
    same transaction, so a restart neither loses nor repeats one. Returns how many messages
    wait to go out in the background: these reminders and the clinic's actions (CLI)."""
    for consultation in await repo(uow).due_reminders(now):
        starts_at = consultation.starts_at
        assert starts_at is not None
        consultation.next_reminder_at = None
        if starts_at <= now:
            continue
        hour = starts_at - now <= 2 * rules.REMINDER_HOUR_BEFORE
        t = await _reader(uow, consultation.user_id)
        doctor = await repo(uow).doctor(consultation.doctor_id or 0)
        _send(uow, consultation, m.message(
            t, m.REMINDER_HOUR if hour else m.REMINDER_DAY, m.booking_rows(t, consultation),
            number=consultation.number, speciality=m.speciality(t, consultation.speciality).capitalize(),
            doctor=doctor.name if doctor else "", when=m.when(t, starts_at), zone=rules.ZONE_LABEL,
            phone=consultation.phone), None)
        consultation.reminders_sent += 1
        if not hour:
            consultation.next_reminder_at = rules.next_reminder(starts_at, now)
    await uow.commit()
    return await repo(uow).pending_background_messages()


# ---- listings for the clinic -------------------------------------------------------------

def consultation_row(consultation: Consultation, doctor: TelemedicineDoctor | None) -> dict[str, Any]:
    return {
        "number": consultation.number, "kind": "urgent" if consultation.urgent else consultation.kind,
        "speciality": consultation.speciality, "status": consultation.status,
        "starts_at": rules.local(consultation.starts_at).isoformat(timespec="minutes")
        if consultation.starts_at else None,
        "doctor": doctor.name if doctor else None, "patient": consultation.patient_name,
        "birth_date": consultation.birth_date.isoformat() if consultation.birth_date else None,
        "phone": consultation.phone, "failed_calls": consultation.failed_calls,
    }


async def queue_rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    rows = []
    for consultation in await repo(uow).queue():
        place, minutes = await queue_place(uow, consultation)
        rows.append({**consultation_row(consultation, None), "place": place, "expected_wait_min": minutes})
    return rows


async def booking_rows(uow: UnitOfWork, now: datetime | None = None, day: date | None = None) -> list[dict[str, Any]]:
    """Planned consultations from yesterday on, or those of one Kazakhstan day."""
    if day is None:
        since, until = (now or utcnow()) - timedelta(days=1), None
    else:
        since = datetime.combine(day, datetime.min.time(), rules.LOCAL_ZONE)
        until = since + timedelta(days=1)
    rows = []
    for consultation in await repo(uow).bookings(since, until):
        rows.append(consultation_row(consultation, await repo(uow).doctor(consultation.doctor_id or 0)))
    return rows


async def connected_rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Consultations a doctor has connected to: calls to make, conclusions to write."""
    rows = []
    for consultation in await repo(uow).connected():
        rows.append({**consultation_row(consultation, await repo(uow).doctor(consultation.doctor_id or 0)),
                     "join_link": consultation.join_link})
    return rows


async def roster_rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    rows = []
    for doctor in await repo(uow).doctors():
        hours = await repo(uow).hours(doctor.id)
        rows.append({"id": doctor.id, "name": doctor.name, "speciality": doctor.speciality,
                     "on_duty": doctor.on_duty,
                     "hours": ", ".join(f"{WEEKDAYS[h.weekday]} {h.start:%H:%M}-{h.end:%H:%M}" for h in hours)})
    return rows


async def document_rows(uow: UnitOfWork, store: DocumentStore, number: str,
                        output: Path | None = None) -> list[dict[str, Any]]:
    """The patient's files passed to the provider; with `output`, each is written there
    readable (the document store keeps them encrypted, issue 8) and its path given."""
    consultation = await _consultation(uow, number)
    rows: list[dict[str, Any]] = []
    for d in await repo(uow).documents(consultation.id):
        row: dict[str, Any] = {"sha256": d.sha256, "kind": d.kind, "size": d.size, "name": d.original_name}
        if output is not None:
            path = output / f"{consultation.number}-{d.sha256[:12]}.{d.kind}"
            path.write_bytes(store.get(d.sha256))
            row["path"] = str(path)
        rows.append(row)
    return rows


def consultation_is_active(consultation: Consultation) -> bool:
    return consultation.status in ACTIVE
