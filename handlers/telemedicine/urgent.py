"""Urgent: the duty doctor's queue, kept current in one message (Appendix 1)."""

from __future__ import annotations

from bot.conversation import Turn
from bot.keyboards import back_and_person
from bot.telemedicine import service
from handlers.telemedicine import messages as m
from handlers.telemedicine.gate import booking_draft, open_service, patient_ready, service_label
from insurance import telemedicine as rules


async def ask_who(turn: Turn, speciality: str = "") -> None:
    ready = await patient_ready(turn)
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
    turn.show(turn._(m.ASK_WHO, service=service_label(turn)),
              [[(turn._(m.ADULT), "tm:u:therapist")], [(turn._(m.CHILD), "tm:u:paediatrician")],
               back_and_person(turn, back="tm")])


async def show_queue(turn: Turn) -> None:
    """One message keeps the place and the expected wait current (edited by the service)."""
    consultation = await service.repo(turn.uow).get_for_user(turn.user.id, int(booking_draft(turn).get("queue") or 0))
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
