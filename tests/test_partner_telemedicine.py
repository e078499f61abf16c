"""The telemedicine provider over the partner API: the running uvicorn service, a real
HTTP client with a `telemedicine` partner's key, a Nomad Life policyholder in the chat.

Nomad Life rules 7.12, 9.5 and Appendix 1 (bot.telemedicine.service, insurance.telemedicine).
"""

from __future__ import annotations

import pytest

from bot.i18n import translator
from handlers.telemedicine import messages as m
from insurance import telemedicine as rules
from storage.models import utcnow
from tests.chat import catalogue
from tests.partner_api import Api, add_partner
from tests.test_journeys_telemedicine import PHONE, doctor, join_queue, open_service, policyholder
from tests.test_partner_api import service  # noqa: F401  (the fixture: the running API and an httpx client)

API = "/api/v1/telemedicine"


@pytest.fixture
async def clinic_api(service, settings) -> Api:
    key, _ = await add_partner(settings, "Dariger Online", "nomad_life", kind="telemedicine")
    return Api(service, key)


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_the_provider_takes_a_patient_from_the_queue_to_the_conclusion(qamqor, clinic_api, person,
                                                                             language):
    therapist = await doctor(qamqor, "Асель Нурланова", "therapist", duty=True)
    published = await clinic_api.post(f"{API}/doctors/{therapist}/hours", {"days": "mon-fri", "hours": "08:00-20:00"})
    assert published.status_code == 200, published.text
    assert published.json() == {"doctor": therapist, "hours": "08:00-20:00",
                                "days": ["mon", "tue", "wed", "thu", "fri"]}

    user, *_ = await policyholder(qamqor, person, language)
    await open_service(user)
    queued = await join_queue(user, "therapist")
    waiting = (await clinic_api.get(f"{API}/queue")).json()["queue"]
    assert [(w["place"], w["phone"], w["status"], w["kind"]) for w in waiting] == [(1, PHONE, "queued", "urgent")]
    number = waiting[0]["number"]

    key = "take-1"
    taken = await clinic_api.post(f"{API}/doctors/{therapist}/next", {"link": "https://meet.example/r1"}, key)
    assert taken.status_code == 200, taken.text
    assert (taken.json()["number"], taken.json()["status"]) == (number, "connected")
    edited, connected = await user.replies(2)
    assert edited["type"] == "bot_edit" and edited["message"]["message_id"] == queued["message_id"]
    assert connected["message"]["text"] == catalogue(language, m.CONNECTED_LINK, doctor="Асель Нурланова",
                                                     number=number, link="https://meet.example/r1", phone=PHONE)
    replayed = await clinic_api.post(f"{API}/doctors/{therapist}/next", {"link": "https://meet.example/r1"}, key)
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.json() == taken.json()
    assert (await clinic_api.get(f"{API}/queue")).json() == {"queue": []}

    finished = await clinic_api.post(f"{API}/consultations/{number}/finish", {"text": "Покой, обильное питьё."})
    assert finished.status_code == 200, finished.text
    assert finished.json()["status"] == "given"
    # The replayed take sent nothing: the next message is the conclusion.
    conclusion = await user.reply()
    assert conclusion["text"] == catalogue(language, m.CONCLUSION, number=number, doctor="Асель Нурланова",
                                           text="Покой, обильное питьё.",
                                           deadline=translator(language).date(rules.complaint_deadline(utcnow())))


async def test_three_failed_calls_reported_by_the_provider_close_it_as_given(qamqor, clinic_api, person):
    therapist = await doctor(qamqor, "Асель Нурланова", "therapist", duty=True)
    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await join_queue(user, "therapist")
    number = (await clinic_api.post(f"{API}/doctors/{therapist}/next", {})).json()["number"]
    await user.replies(2)
    for attempt in (1, 2):
        called = await clinic_api.post(f"{API}/consultations/{number}/call-failed", {})
        assert called.json()["failed_calls"] == attempt
        assert (await user.reply())["text"] == catalogue("ru", m.CALL_FAILED, count=attempt, total=3, phone=PHONE)
    closed = await clinic_api.post(f"{API}/consultations/{number}/call-failed", {})
    assert closed.json()["status"] == "no_answer"
    assert (await user.reply())["text"] == catalogue("ru", m.CLOSED_NO_ANSWER, total=3, number=number)
    again = await clinic_api.post(f"{API}/consultations/{number}/call-failed", {})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_connected")


async def test_only_the_telemedicine_provider_key_is_accepted(service, settings):
    insurer_key, _ = await add_partner(settings, "Nomad Life", "nomad_life")
    insurer = Api(service, insurer_key)
    for answer in (await insurer.get(f"{API}/queue"),
                   await insurer.post(f"{API}/doctors/1/next", {})):
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "not_telemedicine_provider"
    assert (await Api(service, None).get(f"{API}/bookings")).status_code == 401


async def test_bad_input_answers_the_service_code_and_changes_nothing(qamqor, clinic_api, person):
    async def refused(path: str, body: dict, status: int, code: str) -> None:
        answer = await clinic_api.post(f"{API}{path}", body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text

    therapist = await doctor(qamqor, "Асель Нурланова", "therapist", duty=True)
    cardiologist = await doctor(qamqor, "Ержан Қасымов", "cardiologist")
    await refused("/doctors/999/hours", {"days": "daily", "hours": "09:00-18:00"}, 404, "no_doctor")
    await refused(f"/doctors/{therapist}/hours", {"days": "daily", "hours": "18:00-09:00"}, 422, "bad_hours")
    await refused(f"/doctors/{therapist}/hours", {"days": "someday", "hours": "09:00-18:00"}, 422, "bad_weekdays")
    await refused(f"/doctors/{therapist}/next", {}, 409, "nobody_waiting")
    await refused(f"/doctors/{cardiologist}/next", {}, 409, "not_duty_doctor")
    await refused("/consultations/TM-2026-999999/finish", {"text": "Покой."}, 404, "no_consultation")

    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await join_queue(user, "therapist")
    await refused(f"/doctors/{therapist}/next", {"link": "javascript:alert(1)"}, 422, "bad_link")
    waiting = (await clinic_api.get(f"{API}/queue")).json()["queue"]
    assert [w["status"] for w in waiting] == ["queued"]  # the patient keeps their place
    number = waiting[0]["number"]
    await refused(f"/consultations/{number}/finish", {"text": "Покой."}, 409, "not_connected")
    await refused(f"/consultations/{number}/connect", {}, 409, "not_booked")
    await clinic_api.post(f"{API}/doctors/{therapist}/next", {})
    await refused(f"/consultations/{number}/finish", {"text": "   "}, 422, "conclusion_text")
    day = (await clinic_api.get(f"{API}/bookings", day="2026-13-01"))
    assert (day.status_code, day.json()["error"]["code"]) == (422, "invalid_request")
    today = (await clinic_api.get(f"{API}/bookings")).json()
    assert today == {"day": rules.local_today(utcnow()).isoformat(), "zone": "UTC+5", "bookings": []}


async def test_the_provider_is_told_of_each_queued_patient_and_the_insurer_is_not(qamqor, clinic_api, service,
                                                                                  settings, person):
    """Appendix 1: the medical organisation learns of a consultation to serve; the event
    names the consultation, never the patient (read through the API), and consultations
    are not the insurer's events."""
    insurer_key, _ = await add_partner(settings, "Nomad Life", "nomad_life")
    insurer = Api(service, insurer_key)
    await doctor(qamqor, "Асель Нурланова", "therapist", duty=True)
    user, *_ = await policyholder(qamqor, person, "ru")
    await open_service(user)
    await join_queue(user, "therapist")
    number = (await clinic_api.get(f"{API}/queue")).json()["queue"][0]["number"]

    events = (await clinic_api.get("/api/v1/events", after=0)).json()["events"]
    queued = [e for e in events if e["type"] == "consultation.queued"]
    assert [e["data"]["number"] for e in queued] == [number]
    assert queued[0]["data"]["urgent"] is True and queued[0]["data"]["speciality"] == "therapist"
    assert PHONE not in str(queued[0]) and "Айгүл" not in str(queued[0])
    assert not [e for e in (await insurer.get("/api/v1/events", after=0)).json()["events"]
                if e["type"].startswith("consultation.")]
