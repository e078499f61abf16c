"""Planned: kind, speciality, day, a free 30-minute slot, one tap to book; cancelling
(free 24 hours ahead, Appendix 1)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.conversation import Turn
from bot.keyboards import PERSON, back_and_person
from bot.telemedicine import PROVIDER, service
from handlers.claims import DATE_FORMAT
from handlers.telemedicine import messages as m
from handlers.telemedicine.gate import booking_draft, own, patient_ready, service_label, when_line
from insurance import telemedicine as rules
from insurance.parsing import ascii_digits
from insurance.application import FieldError, parse_date
from storage.models import utcnow


async def ask_kind(turn: Turn) -> None:
    if await patient_ready(turn) is None:
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
        booking_draft(turn)["speciality"] = kind
        await ask_day(turn)
    else:
        await ask_speciality(turn)


async def ask_speciality(turn: Turn) -> None:
    kind = booking_draft(turn).get("kind")
    if kind not in ("specialist", "second_opinion") or await patient_ready(turn) is None:
        await ask_kind(turn)
        return
    turn.goto("tm.speciality")
    rows = [[(turn._(m.SPECIALITIES[code]).capitalize(), f"tm:s:{code}")] for code in rules.SPECIALISTS]
    turn.show(turn._(m.ASK_SPECIALITY, kind=turn._(m.KINDS[kind])), [*rows, back_and_person(turn, back="tm:p")])


async def choose_speciality(turn: Turn, code: str = "") -> None:
    if code not in rules.SPECIALISTS or booking_draft(turn).get("kind") not in ("specialist", "second_opinion"):
        await ask_speciality(turn)
        return
    booking_draft(turn)["speciality"] = code
    await ask_day(turn)


def _back_from_day(turn: Turn) -> str:
    return "tm:k:" + booking_draft(turn).get("kind", "") if booking_draft(turn).get("kind") in ("specialist", "second_opinion") \
        else "tm:p"


async def ask_day(turn: Turn, notice: str | None = None) -> None:
    draft = booking_draft(turn)
    ready = await patient_ready(turn)
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
    policy_ready = await patient_ready(turn)
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
    draft = booking_draft(turn)
    try:
        day = date.fromisoformat(day_text or "")
    except ValueError:
        await ask_day(turn)
        return
    if await patient_ready(turn) is None:
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
    draft = booking_draft(turn)
    ready = await patient_ready(turn)
    if ready is None:
        return
    if not (ascii_digits(doctor_id) and ascii_digits(epoch)) or draft.get("speciality") not in rules.SPECIALITIES:
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
    turn.send_sms(who.phone or "", turn._(m.SMS_BOOKED, service=service_label(turn), **values))


async def cancel(turn: Turn, consultation_id: str = "", confirmed: bool = False) -> None:
    """Free: one tap. Late (under 24 hours, Appendix 1): a warning first, it counts as given."""
    consultation = await own(turn, consultation_id)
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
        turn.say(turn._(m.CONFIRM_LATE_CANCEL, number=number, when=when_line(turn, consultation)),
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
