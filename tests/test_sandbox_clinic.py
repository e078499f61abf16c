"""The sandbox page's clinic endpoints over HTTP (no browser): `/control/clinic/*`.

A person plays Dariger Online's clinic from the page; each endpoint runs the same
operation of `bot.telemedicine.service` as the clinic CLI, in the running bot's
database, and the patient reads the result in the chat (Nomad Life rules,
Appendix 1). Bad input answers 400 with a code the pane puts in its own words, and
changes nothing. The browser side is in tests/test_sandbox_page.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from bot.emulator import Emulator
from bot.i18n import translator
from bot.sandbox import sample_patient
from bot.sandbox.clinic import ClinicDesk
from bot.telemedicine.service import service_name
from handlers.telemedicine import messages as m
from insurance import sample_patient as sample
from insurance import telemedicine as rules
from storage.models import utcnow
from tests.chat import buttons, catalogue
from tests.test_journeys_telemedicine import PDF, PHONE, join_queue, open_service, policyholder
from tests.test_sandbox_page import emulator  # noqa: F401  (the emulator with the page)


@pytest.fixture
async def desk(emulator: Emulator, qamqor: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the control API, the clinic attached to the running bot as
    `python -m bot sandbox` attaches it."""
    assert emulator.sandbox is not None
    emulator.sandbox.clinic = ClinicDesk.for_bot(qamqor)
    async with httpx.AsyncClient(base_url=f"{emulator.base_url}/control", timeout=20) as http:
        yield http


async def refused(response: httpx.Response, code: str, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["code"] == code, body
    assert body["description"]  # the English line the CLI prints
    return body


async def overview(desk: httpx.AsyncClient, **query: str) -> dict[str, Any]:
    response = await desk.get("/clinic", params=query)
    assert response.status_code == 200, response.text
    return response.json()


async def test_without_a_bot_in_the_process_the_clinic_says_so(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=f"{emulator.base_url}/control") as http:
        await refused(await http.get("/clinic"), "no_clinic", 503)
        await refused(await http.post("/clinic/next", json={"doctor": 1}), "no_clinic", 503)
        assert (await http.get("/sandbox")).json()["clinic"] is False


async def test_roster_and_hours_refuse_bad_input_and_change_nothing(desk: httpx.AsyncClient) -> None:
    assert (await desk.get("/sandbox")).json()["clinic"] is True
    await refused(await desk.get("/clinic", params={"day": "tomorrow"}), "bad_day")
    await refused(await desk.post("/clinic/teleport", json={}), "unknown_action", 404)
    await refused(await desk.post("/clinic/hours", content=b"not json",
                                  headers={"Content-Type": "application/json"}), "bad_body")
    await refused(await desk.post("/clinic/hours", json=[1, 2]), "bad_body")
    # JSON labelled as a form, as `curl -d '{...}'` sends it, is read as JSON.
    body = await refused(await desk.post("/clinic/hours", content=b'{"doctor": 7, "days": "mon", "hours": "9-10"}',
                                         headers={"Content-Type": "application/x-www-form-urlencoded"}), "no_doctor")
    assert body["values"] == {"doctor": 7}
    body = await refused(await desk.post("/clinic/hours", json={"days": "mon", "hours": "09:00-10:00"}), "missing")
    assert body["values"] == {"field": "doctor"}
    body = await refused(await desk.post("/clinic/hours", json={"doctor": "x", "days": "mon",
                                                                "hours": "09:00-10:00"}), "bad_field")
    assert body["values"] == {"field": "doctor"}
    body = await refused(await desk.post("/clinic/hours", json={"doctor": 7, "days": "mon",
                                                                "hours": "09:00-10:00"}), "no_doctor")
    assert body["values"] == {"doctor": 7}

    added = await desk.post("/clinic/sample-roster", json={})
    assert added.status_code == 200 and added.json()["result"]["doctors"] == 8
    await refused(await desk.post("/clinic/sample-roster"), "roster_not_empty")
    roster = (await overview(desk))["roster"]
    cardiologist = next(d for d in roster if d["speciality"] == "cardiologist")
    before = cardiologist["hours"]
    for days, hours, code in (("someday", "09:00-10:00", "bad_weekdays"), ("mon", "9-5", "bad_hours"),
                              ("mon", "10:15-11:00", "bad_hours"), ("mon", "12:00-11:00", "bad_hours"),
                              ("", "09:00-10:00", "missing"), ("mon", 930, "bad_field")):
        answer = await desk.post("/clinic/hours", json={"doctor": cardiologist["id"], "days": days, "hours": hours})
        await refused(answer, code)
    assert next(d for d in (await overview(desk))["roster"] if d["id"] == cardiologist["id"])["hours"] == before

    published = await desk.post("/clinic/hours", json={"doctor": cardiologist["id"], "days": "sat,sun",
                                                       "hours": "10:00-12:30"})
    assert published.json()["result"] == {"doctor": cardiologist["id"], "hours": "10:00-12:30",
                                          "days": ["sat", "sun"]}
    hours = next(d for d in (await overview(desk))["roster"] if d["id"] == cardiologist["id"])["hours"]
    assert "sat 10:00-12:30" in hours and "sun 10:00-12:30" in hours

    # Appendix 1: only therapists and paediatricians are on duty.
    await refused(await desk.post("/clinic/duty", json={"doctor": cardiologist["id"], "on_duty": True}),
                  "duty_speciality")
    therapist = next(d for d in roster if d["speciality"] == "therapist")
    await refused(await desk.post("/clinic/duty", json={"doctor": therapist["id"], "on_duty": "yes"}), "bad_field")
    await refused(await desk.post("/clinic/next", json={"doctor": cardiologist["id"]}), "not_duty_doctor")
    body = await refused(await desk.post("/clinic/next", json={"doctor": therapist["id"]}), "nobody_waiting")
    assert body["values"] == {"speciality": "therapist"}
    await refused(await desk.post("/clinic/connect", json={"number": "TM-2026-999999"}), "no_consultation")
    await refused(await desk.post("/clinic/call-failed", json={}), "missing")
    await refused(await desk.post("/clinic/finish", data={"number": "TM-2026-999999", "text": "x"}), "no_consultation")


async def test_urgent_patient_taken_three_failed_calls_close_it_as_given(desk, qamqor, person) -> None:
    """Appendix 1: "не смог с 3 попыток дозвониться": the third failed call closes it, counted as given."""
    await desk.post("/clinic/sample-roster")
    therapist = next(d for d in (await overview(desk))["roster"] if d["speciality"] == "therapist")
    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await join_queue(user, "therapist")
    queue = (await overview(desk))["queue"]
    assert [(row["patient"], row["place"], row["phone"]) for row in queue] == [("Айгүл Өмүрбекова", 1, PHONE)]
    number = queue[0]["number"]

    # A bad join link is refused before anything changes: the patient keeps their place.
    for link in ("javascript:alert(1)", "meet example", "ftp://meet.example/r", "https://[::1/room",
                 "https://" + "a" * 260 + ".kz"):
        await refused(await desk.post("/clinic/next", json={"doctor": therapist["id"], "link": link}), "bad_link")
    assert [row["number"] for row in (await overview(desk))["queue"]] == [number]
    await refused(await desk.post("/clinic/call-failed", json={"number": number}), "not_connected")

    taken = await desk.post("/clinic/next", json={"doctor": str(therapist["id"]), "link": ""})
    assert taken.json()["result"] == {"number": number, "patient": "Айгүл Өмүрбекова", "phone": PHONE}
    done, called = await user.replies(2)
    assert done["type"] == "bot_edit"
    assert called["message"]["text"] == catalogue("ru", m.CONNECTED_CALL, doctor="Асель Нурланова", phone=PHONE,
                                                  number=number)
    state = await overview(desk)
    assert state["queue"] == [] and [row["number"] for row in state["connected"]] == [number]

    for attempt in (1, 2):
        answer = (await desk.post("/clinic/call-failed", json={"number": number.lower()})).json()["result"]
        assert answer == {"number": number, "failed_calls": attempt, "status": "connected"}
        assert (await user.reply())["text"] == catalogue("ru", m.CALL_FAILED, count=attempt, total=3, phone=PHONE)
    third = (await desk.post("/clinic/call-failed", json={"number": number})).json()["result"]
    assert third == {"number": number, "failed_calls": 3, "status": rules.NO_ANSWER}
    assert (await user.reply())["text"] == catalogue("ru", m.CLOSED_NO_ANSWER, total=3, number=number)
    assert (await overview(desk))["connected"] == []
    body = await refused(await desk.post("/clinic/finish", data={"number": number, "text": "Поздно."}),
                         "not_connected")
    assert body["values"] == {"number": number, "status": rules.NO_ANSWER}


async def test_conclusion_with_a_link_then_text_only_and_bad_files_refused(desk, qamqor, person) -> None:
    await desk.post("/clinic/sample-roster")
    paediatrician = next(d for d in (await overview(desk))["roster"] if d["speciality"] == "paediatrician")
    user, *_ = await policyholder(qamqor, person, "kk")
    await open_service(user)
    await join_queue(user, "paediatrician")
    link = "https://meet.example/room-7"
    number = (await desk.post("/clinic/next", json={"doctor": paediatrician["id"], "link": f"  {link} "})) \
        .json()["result"]["number"]
    connected = (await user.replies(2))[1]["message"]
    assert connected["text"] == catalogue("kk", m.CONNECTED_LINK, doctor="Марат Ахметов", number=number, link=link,
                                          phone=PHONE)
    assert (await overview(desk))["connected"][0]["join_link"] == link

    await refused(await desk.post("/clinic/finish", data={"number": number, "text": "   "}), "conclusion_text")
    await refused(await desk.post("/clinic/finish", data={"number": number, "text": "ж" * 3001}), "conclusion_long")
    body = await refused(await desk.post("/clinic/finish", data={"number": number, "text": "Демалу."},
                                         files={"file": ("note.txt", b"just text", "text/plain")}), "conclusion_file")
    assert body["values"] == {"reason": "unsupported"}
    await refused(await desk.post("/clinic/finish", data={"number": number, "text": "Демалу."},
                                  files={"file": ("empty.pdf", b"", "application/pdf")}), "conclusion_file")
    assert [row["number"] for row in (await overview(desk))["connected"]] == [number]

    # Text only (the file is optional): the patient gets the conclusion without a document.
    finished = await desk.post("/clinic/finish", data={"number": number, "text": "Көп су ішу, демалу."})
    assert finished.json()["result"] == {"number": number, "status": rules.GIVEN, "file": None}
    conclusion = await user.reply()
    assert conclusion.get("document") is None
    assert conclusion["text"].startswith(catalogue("kk", m.CONCLUSION, number=number, doctor="Марат Ахметов",
                                                   text="Көп су ішу, демалу.", deadline="X").split("X")[0])
    assert await user.quiet_for(0.3) == []  # no file follows


async def test_a_days_bookings_connect_with_a_file_conclusion(desk, qamqor, person) -> None:
    """The planned side: a booking shows on its day; the clinic connects and finishes with a file."""
    await desk.post("/clinic/sample-roster")
    user, *_ = await policyholder(qamqor, person, "ky")
    await open_service(user)
    await user.press("tm:p")
    await user.reply()
    await user.press("tm:k:therapist")
    day_data = next(data for data in buttons(await user.reply()).values() if data.startswith("tm:d:"))
    await user.press(day_data)
    slot_data = next(data for data in buttons(await user.reply()).values() if data.startswith("tm:t:"))
    await user.press(slot_data)
    await user.reply()
    day = day_data.removeprefix("tm:d:")
    bookings = (await overview(desk, day=day))["bookings"]
    assert [(row["status"], row["patient"]) for row in bookings] == [("booked", "Айгүл Өмүрбекова")]
    assert bookings[0]["starts_at"].startswith(day) and bookings[0]["starts_at"].endswith("+05:00")
    number = bookings[0]["number"]

    await refused(await desk.post("/clinic/connect", json={"number": number, "link": "meet"}), "bad_link")
    await desk.post("/clinic/connect", json={"number": number})
    await user.reply()
    await refused(await desk.post("/clinic/connect", json={"number": number}), "not_booked")
    finished = await desk.post("/clinic/finish", data={"number": number, "text": "Жакшы."},
                               files={"file": ("corytyndy.pdf", PDF, "application/pdf")})
    assert finished.json()["result"]["file"] == "corytyndy.pdf"
    document, _text = await user.replies(2)
    assert document["message"]["document"]["file_name"] == "corytyndy.pdf"


async def test_sample_patient_refuses_bad_input_then_can_see_a_doctor_today(desk, qamqor, person) -> None:
    """Rules 5.1: a policy bought today starts tomorrow at the earliest, and 9.5: the service opens
    with the cover. The sandbox's sample patient has cover from yesterday, so the journey runs today."""
    for body, code in (({}, "missing"), ({"user": "Aigerim"}, "bad_field"), ({"user": True}, "bad_field"), ({"user": 10**20}, "bad_field"),
                       ({"user": 424242}, "unknown_user")):
        await refused(await desk.post("/clinic/sample-patient", json=body), code)
    user = await person(language_code="kk", first_name="Dana")
    user.language = "kk"
    await user.send("/start")
    await user.reply()
    body = await refused(await desk.post("/clinic/sample-patient", json={"user": user.id}), "no_consent")
    assert body["values"] == {"user": user.id}
    assert await user.quiet_for(0.3) == []  # nothing issued, nothing said
    await user.press("consent:accept")
    await user.replies(2)

    issued = (await desk.post("/clinic/sample-patient", json={"user": user.id})).json()["result"]
    today = rules.local_today(utcnow())
    assert issued["cover_start"] == (today - timedelta(days=1)).isoformat()
    assert issued["cover_end"] > today.isoformat()
    number = issued["number"]
    assert number.startswith("NL-SANDBOX-")
    message = await user.reply()
    kk = translator("kk")
    assert message["text"] == catalogue("kk", sample_patient.ISSUED, number=number, service=service_name("kk"),
                                        start=kk.date(today - timedelta(days=1)),
                                        end=kk.date(date.fromisoformat(issued["cover_end"])))
    assert list(buttons(message).values()) == ["tm", "menu", "support"]

    # Twice: the first sample is in force, so no second one.
    body = await refused(await desk.post("/clinic/sample-patient", json={"user": str(user.id)}), "policy_in_force")
    assert body["values"] == {"user": user.id, "number": number}
    assert await user.quiet_for(0.3) == []

    # The way to the doctor, today: consent, then the service's home with the patient from the policy.
    await user.press("tm")
    await user.reply()
    await user.press("tm:ok")
    home = await user.reply()
    assert number in home["text"] and sample.PHONE in home["text"] and sample.NAME in home["text"]
    await join_queue(user, "therapist")
    await desk.post("/clinic/sample-roster")
    queue = (await overview(desk))["queue"]
    assert [(row["patient"], row["phone"]) for row in queue] == [(sample.NAME, sample.PHONE)]
