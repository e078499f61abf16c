"""End to end through the emulator: Dariger Online consultations, urgent and planned.

Nomad Life rules 7.12, 9.5 and Appendix 1 (insurance.telemedicine). The clinic's
side is played through `bot.telemedicine.service`, the operations the CLI and a
future partner API call; the running bot delivers what they write.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.i18n import translator
from bot.telemedicine import service
from handlers.claims import DATE_FORMAT
from handlers.telemedicine import MEDICAL_INFORMATION, messages as m
from insurance import telemedicine as rules
from insurance.consent import consent_text
from storage.db import session_factory
from storage.models import Consent, Consultation, utcnow
from storage.unit_of_work import UnitOfWork
from tests.chat import buttons, catalogue
from tests.test_journeys_claims import choose_event, give_policy, last_year, ready

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n%conclusion\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + b"\x00" * 200
PHONE = "+77011234567"


async def clinic(qamqor, operation):
    """One clinic operation in its own transaction, then the bot sends what it wrote."""
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        result = await operation(uow)
        await uow.commit()
    await qamqor.run_background_once()
    return result


async def doctor(qamqor, name: str, speciality: str, *, duty: bool = False, days: str = "daily",
                 hours: str = "09:00-18:00") -> int:
    async def add(uow):
        added = await service.add_doctor(uow, name, speciality, duty)
        await service.publish_hours(uow, added.id, days, hours)
        return added.id
    return await clinic(qamqor, add)


async def policyholder(qamqor, person, language: str, *, start: date | None = None, end: date | None = None):
    """A user with consent given and a Nomad Life policy in force (phone from the application)."""
    user = await person(language_code=language)
    user.language = language
    await ready(user)
    default_start, default_end = last_year()
    policy_id, number = await give_policy(qamqor, user.id, "nomad_life", start=start or default_start,
                                          end=end or default_end)
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        application = await uow.applications.get((await uow.policies.get(policy_id)).application_id)
        application.answers = {**application.answers, "phone": PHONE}
        await uow.commit()
    return user, policy_id, number


async def open_service(user, *, consent: bool = True) -> dict:
    await user.send("/doctor")
    screen = await user.reply()
    if consent:
        assert screen["text"].startswith(catalogue(user.language, m.CONSENT_TITLE, service="X").split("X")[0])
        await user.press("tm:ok")
        screen = await user.reply()
    return screen


async def join_queue(user, speciality: str) -> dict:
    """Duty doctor → who needs them: the queue message."""
    await user.press("tm:u")
    await user.reply()
    await user.press(f"tm:u:{speciality}")
    return await user.reply()


async def consultation(qamqor, user_id: int) -> Consultation:
    async with session_factory(qamqor.engine)() as session:
        return (await session.scalars(select(Consultation).where(Consultation.user_id == user_id)
                                      .order_by(Consultation.id.desc()))).first()


async def test_urgent_from_the_queue_to_the_conclusion_and_a_complaint(qamqor, person, tmp_path):
    therapist = await doctor(qamqor, "Асель Нурланова", "therapist", duty=True)
    first, policy_id, number = await policyholder(qamqor, person, "kk")
    second, *_ = await policyholder(qamqor, person, "ky")
    home = await open_service(first)
    # Identification from the policy, never typed (Appendix 1: phone, full name, date of birth).
    assert "Айгүл Өмүрбекова" in home["text"] and PHONE in home["text"] and number in home["text"]
    async with session_factory(qamqor.engine)() as session:
        recorded = (await session.scalars(select(Consent).where(Consent.kind == MEDICAL_INFORMATION))).one()
    assert recorded.text_sha256 == consent_text(MEDICAL_INFORMATION, "kk").sha256

    queued = await join_queue(first, "therapist")
    speciality = {lang: catalogue(lang, m.SPECIALITIES["therapist"]) for lang in ("kk", "ky")}
    assert queued["text"] == catalogue("kk", m.QUEUE, speciality=speciality["kk"], place=1, minutes=15, phone=PHONE)
    await open_service(second)
    waiting = await join_queue(second, "therapist")
    assert waiting["text"] == catalogue("ky", m.QUEUE, speciality=speciality["ky"], place=2, minutes=30, phone=PHONE)

    taken = await clinic(qamqor, lambda uow: service.connect_next(uow, therapist, "https://meet.example/r1"))
    updates = await first.replies(2)
    assert updates[0]["type"] == "bot_edit" and updates[0]["message"]["message_id"] == queued["message_id"]
    assert updates[1]["message"]["text"] == catalogue("kk", m.CONNECTED_LINK, doctor="Асель Нурланова",
                                                      number=taken.number, link="https://meet.example/r1",
                                                      phone=PHONE)
    moved = (await second.replies(1))[0]
    assert moved["type"] == "bot_edit" and moved["message"]["message_id"] == waiting["message_id"]
    assert moved["message"]["text"] == catalogue("ky", m.QUEUE, speciality=speciality["ky"], place=1, minutes=15,
                                                 phone=PHONE)

    # A document during the consultation is stored and passed to the provider.
    await first.press(f"tm:f:{taken.id}")
    await first.reply()
    await first.upload("photo", "allergy.jpg", JPEG, "image/jpeg")
    assert (await first.reply())["text"] == catalogue("kk", m.FILE_RECEIVED, count=1)
    files = await clinic(qamqor, lambda uow: service.document_rows(uow, qamqor.documents, taken.number, tmp_path))
    assert Path(files[0]["path"]).read_bytes() == JPEG

    await clinic(qamqor, lambda uow: service.finish(uow, qamqor.documents, taken.number,
                                                    "Пейіл тыныштық, көп су ішу.", PDF, "conclusion.pdf"))
    document, conclusion = [e["message"] for e in await first.replies(2)]
    assert document["document"]["file_name"] == "conclusion.pdf"
    deadline = rules.complaint_deadline(utcnow())
    assert conclusion["text"] == catalogue("kk", m.CONCLUSION, number=taken.number, doctor="Асель Нурланова",
                                           text="Пейіл тыныштық, көп су ішу.",
                                           deadline=translator("kk").date(deadline))
    await first.press(f"tm:q:{taken.id}")
    await first.reply()
    await first.send("қысқа")
    assert (await first.reply())["text"] == catalogue("kk", m.COMPLAINT_SHORT)
    await first.send("Дәрігер кешікті және сұрағыма жауап бермеді.")
    assert (await first.reply())["text"] == catalogue("kk", m.COMPLAINT_RECEIVED, number=taken.number)
    await first.press("tm:m")
    mine = await first.reply()
    assert catalogue("kk", m.STATUSES["given"]) in mine["text"]
    assert catalogue("kk", m.COUNTED, number=number, count=1) in mine["text"]
    await first.send("/mydata")  # "My data" exports the consultation, its conclusion and complaint
    await first.reply()
    await first.press("data:export")
    exported = json.loads(await first.control.download((await first.reply())["document"]["file_id"]))
    assert exported["consultations"][0]["conclusion"] == "Пейіл тыныштық, көп су ішу."
    assert exported["consultations"][0]["complaint"].startswith("Дәрігер кешікті")


async def test_leaving_the_queue_is_free_and_moves_the_next_patient_up(qamqor, person):
    await doctor(qamqor, "Марат Ахметов", "paediatrician", duty=True)
    first, *_ = await policyholder(qamqor, person, "ru")
    second, *_ = await policyholder(qamqor, person, "kk")
    for user in (first, second):
        await open_service(user)
        await join_queue(user, "paediatrician")
    mine = await consultation(qamqor, first.id)
    await first.press(f"tm:c:{mine.id}")
    assert (await first.reply())["text"] == catalogue("ru", m.LEFT_QUEUE)
    moved = (await second.replies(1))[0]["message"]
    assert moved["text"] == catalogue("kk", m.QUEUE, speciality=catalogue("kk", m.SPECIALITIES["paediatrician"]),
                                      place=1, minutes=15, phone=PHONE)
    left = await consultation(qamqor, first.id)
    assert (left.status, left.counted_as) == ("cancelled", None)


async def test_three_failed_calls_close_the_consultation_as_given(qamqor, person):
    therapist = await doctor(qamqor, "Асель Нурланова", "therapist", duty=True)
    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await join_queue(user, "therapist")
    taken = await clinic(qamqor, lambda uow: service.connect_next(uow, therapist, None))
    await user.replies(2)
    for attempt in (1, 2):
        await clinic(qamqor, lambda uow: service.call_failed(uow, taken.number))
        assert (await user.reply())["text"] == catalogue("ru", m.CALL_FAILED, count=attempt, total=3, phone=PHONE)
    await clinic(qamqor, lambda uow: service.call_failed(uow, taken.number))
    assert (await user.reply())["text"] == catalogue("ru", m.CLOSED_NO_ANSWER, total=3, number=taken.number)
    closed = await consultation(qamqor, user.id)
    assert (closed.status, closed.counted_as) == ("no_answer", "no_answer")


def tomorrow_local() -> date:
    return rules.local_today(utcnow()) + timedelta(days=1)


async def book_first_slot(user, kind: str = "therapist", day: date | None = None) -> dict:
    """Planned: kind → day → the first free time; returns the confirmation."""
    await user.press("tm:p")
    await user.reply()
    await user.press(f"tm:k:{kind}")
    await user.reply()
    await user.press(f"tm:d:{(day or tomorrow_local()).isoformat()}")
    slots = await user.reply()
    await user.press(next(d for d in buttons(slots).values() if d.startswith("tm:t:")))
    return await user.reply()


async def test_planned_booking_sms_reminders_once_across_a_restart_then_a_free_cancel(start_bot, person, control):
    qamqor = await start_bot()
    await doctor(qamqor, "Ержан Қасымов", "cardiologist", hours="09:00-10:00")
    user, *_ = await policyholder(qamqor, person, "kk")
    await open_service(user)
    await user.press("tm:p")
    await user.reply()
    await user.press("tm:k:specialist")
    assert "tm:s:cardiologist" in buttons(await user.reply()).values()
    await user.press("tm:s:cardiologist")
    await user.reply()
    await user.press(f"tm:d:{(tomorrow_local() + timedelta(days=1)).isoformat()}")
    slots = await user.reply()
    assert list(buttons(slots))[:2] == ["09:00", "09:30"]
    await user.press(buttons(slots)["09:00"])
    booked = await user.reply()
    mine = await consultation(qamqor, user.id)
    starts = mine.starts_at
    t = translator("kk")
    values = dict(number=mine.number, speciality=catalogue("kk", m.SPECIALITIES["cardiologist"]).capitalize(),
                  doctor="Ержан Қасымов", when=m.when(t, starts), zone="UTC+5")
    assert booked["text"] == catalogue("kk", m.BOOKED, phone=PHONE,
                                       free_until=m.when(t, starts - timedelta(hours=24)), **values)
    sms = (await control.sms(wait=10, user_id=user.id))["messages"]
    assert sms[-1]["phone"] == PHONE and sms[-1]["text"] == catalogue("kk", m.SMS_BOOKED,
                                                                     service=service.service_name("kk"), **values)

    # Reminders the day before and an hour before, from the database: a restart neither loses nor repeats one.
    await user._mark()
    await qamqor.run_background_once(now=starts - timedelta(hours=25))
    assert await user.quiet_for(0.3) == []
    await qamqor.stop()
    again = await start_bot()
    await again.run_background_once(now=starts - timedelta(hours=23, minutes=59))
    day_before = await user.reply()
    assert day_before["text"] == catalogue("kk", m.REMINDER_DAY, **values)
    assert f"tm:c:{mine.id}" in buttons(day_before).values()
    await again.run_background_once(now=starts - timedelta(hours=23))
    assert await user.quiet_for(0.3) == []
    await again.run_background_once(now=starts - timedelta(minutes=59))
    assert (await user.reply())["text"] == catalogue("kk", m.REMINDER_HOUR, phone=PHONE, **values)
    await again.run_background_once(now=starts - timedelta(minutes=30))
    assert await user.quiet_for(0.3) == []

    # More than 24 hours ahead (real time), the reminder's cancel button cancels in one tap, free.
    await user.press(f"tm:c:{mine.id}", message_id=day_before["message_id"])
    assert (await user.reply())["text"] == catalogue("kk", m.CANCELLED_FREE, number=mine.number)
    cancelled = await consultation(again, user.id)
    assert (cancelled.status, cancelled.counted_as, cancelled.slot_key) == ("cancelled", None, None)


async def test_a_cancellation_under_24_hours_warns_first_and_counts_as_given(qamqor, person):
    # A slot 22-23 hours from now: once booked, it is already inside the 24 hours of Appendix 1.
    soon = utcnow() + timedelta(hours=23)
    soon = soon.replace(minute=0 if soon.minute < 30 else 30, second=0, microsecond=0)
    if (rules.local(soon).hour, rules.local(soon).minute) == (23, 30):
        soon -= timedelta(minutes=30)
    start = rules.local(soon)
    end = start + timedelta(minutes=30)
    await doctor(qamqor, "Гүлнар Сейітова", "therapist", days=service.WEEKDAYS[start.weekday()],
                 hours=f"{start:%H:%M}-{end:%H:%M}")
    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await book_first_slot(user, day=start.date())
    mine = await consultation(qamqor, user.id)
    assert mine.starts_at == soon and mine.next_reminder_at == soon - timedelta(hours=1)
    await user.press(f"tm:c:{mine.id}")
    warning = await user.reply()
    assert warning["text"] == catalogue("ru", m.CONFIRM_LATE_CANCEL, number=mine.number,
                                        when=f"{m.when(translator('ru'), soon)} (UTC+5)")
    await user.press(f"tm:v:{mine.id}")  # keep it
    assert catalogue("ru", m.STATUSES["booked"]) in (await user.reply())["text"]
    await user.press(f"tm:c:{mine.id}")
    await user.reply()
    await user.press(f"tm:cy:{mine.id}")
    assert (await user.reply())["text"] == catalogue("ru", m.CANCELLED_LATE, number=mine.number)
    late = await consultation(qamqor, user.id)
    assert (late.status, late.counted_as, late.slot_key) == ("late_cancellation", "late_cancellation", None)


async def test_two_customers_race_for_the_last_slot_one_wins_the_other_is_offered_the_next(qamqor, person):
    await doctor(qamqor, "Гүлнар Сейітова", "therapist", hours="10:00-10:30")
    await doctor(qamqor, "Данияр Омаров", "therapist", days="daily", hours="15:00-15:30")
    first, *_ = await policyholder(qamqor, person, "ky")
    second, *_ = await policyholder(qamqor, person, "ru")
    screens = {}
    for user in (first, second):
        await open_service(user)
        await user.press("tm:p")
        await user.reply()
        await user.press("tm:k:therapist")
        await user.reply()
        await user.press(f"tm:d:{tomorrow_local().isoformat()}")
        screens[user.id] = await user.reply()
    ten = next(d for label, d in buttons(screens[first.id]).items() if label == "10:00")
    assert ten in buttons(screens[second.id]).values()
    await asyncio.gather(first.press(ten, message_id=screens[first.id]["message_id"]),
                         second.press(ten, message_id=screens[second.id]["message_id"]))
    answers = {first.id: await first.reply(), second.id: await second.reply()}
    async with session_factory(qamqor.engine)() as session:
        holders = (await session.scalars(select(Consultation).where(Consultation.slot_key.is_not(None)))).all()
    assert len(holders) == 1
    winner, loser = (first, second) if holders[0].user_id == first.id else (second, first)
    assert holders[0].number in answers[winner.id]["text"] and "10:00" in answers[winner.id]["text"]
    offered = answers[loser.id]
    assert offered["text"].startswith(catalogue(loser.language, m.SLOT_TAKEN))
    assert list(buttons(offered))[:1] == ["15:00"]


async def test_bad_input_keeps_the_step_in_every_language(qamqor, person):
    await doctor(qamqor, "Гүлнар Сейітова", "therapist", hours="10:00-12:00")
    for language in ("kk", "ky", "ru"):
        user, *_ = await policyholder(qamqor, person, language)
        await open_service(user)
        await user.send("хочу к врачу")  # text where a button is expected
        nudge, screen = [e["message"] for e in await user.replies(2)]
        assert nudge["text"] == catalogue(language, "Please choose one of the buttons below.")
        assert "tm:u" in buttons(screen).values()
        await user.press("tm:p")
        await user.reply()
        await user.press("tm:k:therapist")
        await user.reply()
        await user.send("01.01.2020")  # a date in the past
        assert (await user.reply())["text"] == catalogue(language, m.DAY_PAST)
        await user.send("завтра")
        assert (await user.reply())["text"] == catalogue(language, DATE_FORMAT)
        await user.send(tomorrow_local().strftime("%d.%m.%Y"))
        slots = await user.reply()
        assert "10:00" in buttons(slots)
        # A slot that was never offered (a forged button) is refused like a taken one.
        off_grid = datetime.combine(tomorrow_local(), time(10, 15), rules.LOCAL_ZONE)
        forged = f"tm:t:1:{int(off_grid.timestamp())}"
        await user.press(forged, forge=True)
        assert (await user.reply())["text"].startswith(catalogue(language, m.SLOT_TAKEN))


async def test_the_sample_roster_gives_every_kind_of_consultation_a_doctor(qamqor, person):
    await clinic(qamqor, service.add_sample_roster)
    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await user.press("tm:p")
    await user.reply()
    await user.press("tm:k:second_opinion")
    await user.reply()
    for code in rules.SPECIALISTS:
        await user.press(f"tm:s:{code}")
        days = await user.reply()
        assert any(d.startswith("tm:d:") for d in buttons(days).values()), code
        await user.press("tm:k:second_opinion")  # back to the specialities
        await user.reply()
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        duty = {d.speciality for d in await service.repo(uow).doctors(on_duty=True)}
    assert duty == set(rules.DUTY_SPECIALITIES)


async def test_a_policy_not_started_or_ended_is_explained_with_its_dates(qamqor, person):
    today = date.today()
    cases = (("ru", today + timedelta(days=3), today + timedelta(days=300), m.NOT_STARTED),
             ("kk", today - timedelta(days=400), today - timedelta(days=35), m.ENDED))
    for language, start, end, message in cases:
        user = await person(language_code=language)
        user.language = language
        await ready(user)
        _, number = await give_policy(qamqor, user.id, "nomad_life", start=start, end=end)
        await user.send("/doctor")
        t = translator(language)
        assert (await user.reply())["text"] == catalogue(language, message, service=service.service_name(language),
                                                         number=number, start=t.date(start), end=t.date(end))
    nobody = await person(language_code="ky")
    nobody.language = "ky"
    await ready(nobody)
    await nobody.send("/doctor")
    assert (await nobody.reply())["text"] == catalogue("ky", m.NO_POLICY, service=service.service_name("ky"))


async def test_without_a_phone_on_the_policy_the_patient_shares_it_once(qamqor, person):
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    start, end = last_year()
    await give_policy(qamqor, user.id, "nomad_life", start=start, end=end)
    await open_service(user)
    asked = await user.last_bot_message()
    assert asked["text"] == catalogue("ky", m.ASK_PHONE)
    await user.send("0555 123 456")  # typed: only the button gives the number Telegram vouches for
    nudge, again = [e["message"] for e in await user.replies(2)]
    assert (nudge["text"], again["text"]) == (catalogue("ky", m.PHONE_BUTTON), catalogue("ky", m.ASK_PHONE))
    await user.share_contact("+77017654321")
    home = await user.reply()
    assert "+77017654321" in home["text"] and "tm:u" in buttons(home).values()
    await user.send("/doctor")
    assert "+77017654321" in (await user.reply())["text"]


async def test_the_illness_branch_of_a_claim_and_the_menu_lead_to_the_doctor(qamqor, person):
    user, policy_id, _ = await policyholder(qamqor, person, "ky")
    screen = await choose_event(user, policy_id, "illness")
    assert "tm" in buttons(screen).values()
    await user.press("tm")
    assert (await user.reply())["text"].startswith(catalogue("ky", m.CONSENT_TITLE, service="X").split("X")[0])
    await user.press("menu")
    assert "tm" in buttons(await user.reply()).values()


async def test_the_clinic_cli_reaches_the_patients_chat_and_answers_bad_arguments_in_one_line(qamqor, person, settings,
                                                                                             tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update({"PYTHONPATH": str(ROOT), "QAMQOR_DATA_DIR": str(settings.data_dir)})

    async def cli(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "telemedicine", *args, env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        return process.returncode, out.decode(), err.decode()

    code, out, _ = await cli("doctor", "--name", "Асель Нурланова", "--speciality", "therapist", "--duty")
    assert code == 0 and out.startswith("doctor 1: Асель Нурланова")
    code, out, _ = await cli("hours", "--doctor", "1", "--days", "mon-fri", "--hours", "09:00-13:00")
    assert code == 0 and "mon, tue, wed, thu, fri" in out
    for bad in (("hours", "--doctor", "1", "--days", "someday", "--hours", "09:00-13:00"),
                ("hours", "--doctor", "1", "--days", "mon", "--hours", "13:00-09:00"),
                ("doctor", "--name", "X", "--speciality", "astrologer"),
                ("next", "--doctor", "1"),
                ("finish", "TM-2026-999999", "--text", "x", "--file", "/nonexistent.pdf")):
        code, out, err = await cli(*bad)
        lines = [line for line in err.splitlines() if line.startswith("qamqor:")]
        assert code == 2 and len(lines) == 1 and "Traceback" not in err, (bad, err)
    code, out, _ = await cli("roster", "--json")
    assert code == 0 and '"on_duty": true' in out and "mon 09:00-13:00" in out
    code, out, err = await cli("sample-roster")  # only on an empty roster
    assert code == 2 and err.strip().endswith("the roster is not empty: add doctors one by one")

    user, *_ = await policyholder(qamqor, person, "kk")
    await open_service(user)
    await join_queue(user, "therapist")
    code, out, _ = await cli("queue")
    assert code == 0 and "Айгүл Өмүрбекова" in out and PHONE in out
    behind, *_ = await policyholder(qamqor, person, "ru")
    await open_service(behind)
    waiting = await join_queue(behind, "therapist")
    therapist = {"speciality": catalogue("ru", m.SPECIALITIES["therapist"]), "phone": PHONE}
    assert waiting["text"] == catalogue("ru", m.QUEUE, place=2, minutes=30, **therapist)
    second_duty = await doctor(qamqor, "Марат Ахметов", "therapist")
    code, out, _ = await cli("duty", "--doctor", str(second_duty), "on")
    assert code == 0 and out.strip().endswith("is on duty")
    await qamqor.run_background_once()
    assert (await behind.reply())["text"] == catalogue("ru", m.QUEUE, place=2, minutes=15, **therapist)
    code, out, _ = await cli("next", "--doctor", "1")
    assert code == 0 and out.startswith("TM-")
    await qamqor.run_background_once()  # what the bot's loop does every few seconds
    taken = await consultation(qamqor, user.id)
    connected = [e["message"] for e in await user.replies(2)][1]
    assert connected["text"] == catalogue("kk", m.CONNECTED_CALL, doctor="Асель Нурланова", phone=PHONE,
                                          number=taken.number)
    # The file is optional: a conclusion may be a text alone.
    code, out, _ = await cli("finish", taken.number, "--text", "Көп су ішу.")
    assert code == 0 and out.strip() == f"{taken.number}: conclusion sent, given"
    await qamqor.run_background_once()
    conclusion = await user.reply()
    assert conclusion.get("document") is None and "Көп су ішу." in conclusion["text"]


async def test_two_transactions_booking_one_slot_at_once_one_wins_without_an_error(qamqor, person, settings):
    """At the database level, where updates really run at once (PostgreSQL; SQLite has one
    writer, so the race above is all it can show): the unique slot key decides."""
    if settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers: run in tests/test_postgres.py")
    doctor_id = await doctor(qamqor, "Гүлнар Сейітова", "therapist", hours="10:00-10:30")
    first, first_policy, _ = await policyholder(qamqor, person, "ru")
    second, second_policy, _ = await policyholder(qamqor, person, "kk")
    starts = datetime.combine(tomorrow_local(), time(10, 0), rules.LOCAL_ZONE).astimezone(timezone.utc)
    sessions = session_factory(qamqor.engine)

    async def book(user_id: int, policy_id: int, hold: asyncio.Event | None):
        async with UnitOfWork(sessions) as uow:
            user, policy = await uow.users.get(user_id), await uow.policies.get(policy_id)
            who = await service.patient(uow, user, policy)
            booked = await service.book(uow, user, policy, who, "therapist", "therapist", doctor_id, starts)
            if hold is not None:
                await hold.wait()
            await uow.commit()
            return booked

    release = asyncio.Event()
    first_booking = asyncio.create_task(book(first.id, first_policy, release))
    await asyncio.sleep(0.3)  # the first holds the slot, uncommitted
    second_booking = asyncio.create_task(book(second.id, second_policy, None))
    await asyncio.sleep(0.3)
    release.set()
    assert await first_booking is not None
    assert await second_booking is None
