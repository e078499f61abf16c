"""Dariger Online: a duty doctor now, or a planned consultation, in a handful of taps.

Who may: the holder of a Nomad Life policy whose cover has started and not ended
(rules 9.5); others are told why, with the dates. Before the first consultation:
the consent to pass medical information to the medical organisation (Appendix 1,
registration), recorded with its text's hash. Identification (phone, full name,
date of birth) comes from the policy, never typed again. The operations live in
`bot.telemedicine.service`, shared with the clinic's side. One module per stage:
`gate` (policy, consent, identity, home), `urgent` (the duty queue), `planned`
(booking and cancelling), `care` (documents, My consultations, conclusion,
complaint); `messages` holds every text.
"""

from __future__ import annotations

from bot.conversation import Router, Turn
from handlers.telemedicine.care import (
    ask_complaint,
    ask_files,
    choose_upload,
    receive_complaint,
    receive_file,
    remind_to_send_files,
    send_conclusion,
    show_consultation,
    show_consultations,
    start_complaint,
)
from handlers.telemedicine.gate import (
    MEDICAL_INFORMATION,
    give_consent,
    open_service,
    read_consent,
    receive_phone,
    receive_phone_text,
)
from handlers.telemedicine.planned import (
    ask_day,
    ask_kind,
    ask_speciality,
    book_slot,
    cancel,
    choose_day,
    choose_kind,
    choose_speciality,
    confirm_cancel,
    receive_day,
    show_slots,
)
from handlers.telemedicine.urgent import ask_who, remember_queue_message, show_queue
from insurance.parsing import accepts, parse_callback

__all__ = ["MEDICAL_INFORMATION", "register", "remember_queue_message"]


def register(router: Router) -> None:
    @router.callback("tm")
    async def telemedicine_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        handler = ACTIONS.get(pressed.action)
        if handler is None or not accepts(handler, turn, *pressed.args):  # a forged or outdated button
            await open_service(turn)
            return
        await handler(turn, *pressed.args)

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
