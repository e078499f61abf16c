"""The telemedicine provider's side of the partner API (a partner of kind `telemedicine`):
publish a doctor's hours, read the duty queue and the day's bookings, take the next urgent
patient, connect, record a failed call, finish with a conclusion.

Each operation is the one the clinic CLI and the sandbox clinic pane call
(`bot.telemedicine.service`), so the same rules of Nomad Life Appendix 1 apply and the
patient reads the same messages in their language. A refusal keeps the service's code:
an unknown doctor or consultation answers 404, a state that does not allow it 409, bad
input 422.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.telemedicine import service
from bot.web.auth import PartnerScope, partner
from bot.web.errors import COMMON, ApiError, ErrorResponse
from bot.web.idempotency import IdempotencyKey, fingerprint, run_once
from insurance import telemedicine as rules
from storage.models import Consultation, utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

NOT_FOUND_CODES = frozenset({"no_doctor", "no_consultation"})
CONFLICT_CODES = frozenset({"nobody_waiting", "not_duty_doctor", "not_booked", "not_connected"})


def provider(scope: PartnerScope = Depends(partner)) -> PartnerScope:
    """Only the telemedicine provider: an insurer's or a bank's valid key answers 403."""
    if scope.kind != "telemedicine":
        raise ApiError(403, "not_telemedicine_provider", "these endpoints are for the telemedicine provider's key")
    return scope


REFUSALS = {403: {"model": ErrorResponse, "description": "a key of another kind of partner"}}
ACTION_REFUSALS = {**REFUSALS,
                   404: {"model": ErrorResponse, "description": "no such doctor or consultation (no_doctor, "
                                                                "no_consultation)"},
                   409: {"model": ErrorResponse, "description": "not possible in this state (nobody_waiting, "
                                                                "not_duty_doctor, not_booked, not_connected)"}}
router = APIRouter(prefix="/api/v1/telemedicine", tags=["telemedicine"], responses={**COMMON, **REFUSALS})


def refusal(refused: service.ClinicError) -> ApiError:
    status = 404 if refused.code in NOT_FOUND_CODES else 409 if refused.code in CONFLICT_CODES else 422
    return ApiError(status, refused.code, str(refused))


class HoursIn(BaseModel):
    days: str = Field(max_length=64, description="weekdays: mon-fri, sat,sun or daily")
    hours: str = Field(max_length=32, description="Kazakhstan time (UTC+5), e.g. 09:00-13:30")


class HoursOut(BaseModel):
    doctor: int
    hours: str
    days: list[str]


class LinkIn(BaseModel):
    link: str | None = Field(default=None, max_length=2048,
                             description="the video room's http(s) address; none: the doctor calls the patient's phone")


class NothingIn(BaseModel):
    """No fields."""


class ConclusionIn(BaseModel):
    text: str = Field(max_length=10000, description=f"the doctor's conclusion, up to {service.CONCLUSION_LIMIT} "
                                                    "characters; it states no diagnosis and prescribes no treatment")


class ConsultationOut(BaseModel):
    number: str
    kind: str = Field(description="urgent, or the planned kind (therapist, paediatrician, specialist, second_opinion)")
    speciality: str
    status: str
    starts_at: str | None = Field(description="planned start, Kazakhstan time (UTC+5)")
    doctor: str | None
    patient: str
    birth_date: str | None
    phone: str
    failed_calls: int
    place: int | None = None
    expected_wait_min: int | None = None
    join_link: str | None = None


class QueueOut(BaseModel):
    queue: list[ConsultationOut]


class BookingsOut(BaseModel):
    day: str
    zone: str
    bookings: list[ConsultationOut]


async def _row(uow: UnitOfWork, consultation: Consultation) -> dict[str, Any]:
    doctor = await service.repo(uow).doctor(consultation.doctor_id or 0)
    return {**service.consultation_row(consultation, doctor), "join_link": consultation.join_link}


async def _act(request: Request, scope: PartnerScope, key: str, body: BaseModel,
               operation: Callable[[UnitOfWork], Awaitable[dict[str, Any]]]) -> Response:
    """One clinic operation, once per Idempotency-Key, in the bot's write slot; then the
    bot's outbox wakes so the patient reads the result at once."""
    qamqor = request.app.state.qamqor

    async def once(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        try:
            return 200, await operation(uow)
        except service.ClinicError as refused:
            raise refusal(refused) from None

    response, ran = await run_once(qamqor, scope, key, fingerprint("POST", request.url.path, body), once)
    if ran:
        log.info("telemedicine partner %s: %s", scope.name, request.url.path.rsplit("/", 1)[-1])
        qamqor.dispatcher.wake_outbox()
    return response


@router.post("/doctors/{doctor_id}/hours", response_model=HoursOut, responses=ACTION_REFUSALS,
             summary="Publish a doctor's working hours (planned slots are generated from them)")
async def publish_hours(request: Request, body: HoursIn, doctor_id: int = Path(ge=1, le=2**31 - 1),
                        idempotency_key: str = IdempotencyKey, scope: PartnerScope = Depends(provider)) -> Response:
    async def operation(uow: UnitOfWork) -> dict[str, Any]:
        days = await service.publish_hours(uow, doctor_id, body.days, body.hours)
        return {"doctor": doctor_id, "hours": body.hours.strip(), "days": [service.WEEKDAYS[d] for d in days]}

    return await _act(request, scope, idempotency_key, body, operation)


@router.get("/queue", response_model=QueueOut, summary="The duty queue: who waits, with place and expected wait")
async def queue(request: Request, scope: PartnerScope = Depends(provider)) -> dict[str, Any]:
    async with UnitOfWork(request.app.state.qamqor.dispatcher.sessions) as uow:
        return {"queue": await service.queue_rows(uow)}


@router.get("/bookings", response_model=BookingsOut, summary="Planned consultations of one day (Kazakhstan time)")
async def bookings(request: Request, day: date | None = Query(default=None, description="YYYY-MM-DD; today if absent"),
                   scope: PartnerScope = Depends(provider)) -> dict[str, Any]:
    day = day or rules.local_today(utcnow())
    async with UnitOfWork(request.app.state.qamqor.dispatcher.sessions) as uow:
        return {"day": day.isoformat(), "zone": rules.ZONE_LABEL,
                "bookings": await service.booking_rows(uow, day=day)}


@router.post("/doctors/{doctor_id}/next", response_model=ConsultationOut, responses=ACTION_REFUSALS,
             summary="A duty doctor takes the next urgent patient of their speciality")
async def take_next(request: Request, body: LinkIn, doctor_id: int = Path(ge=1, le=2**31 - 1),
                    idempotency_key: str = IdempotencyKey, scope: PartnerScope = Depends(provider)) -> Response:
    async def operation(uow: UnitOfWork) -> dict[str, Any]:
        return await _row(uow, await service.connect_next(uow, doctor_id, body.link))

    return await _act(request, scope, idempotency_key, body, operation)


Number = Path(min_length=1, max_length=32, description="the consultation's number, e.g. TM-2026-000001")


@router.post("/consultations/{number}/connect", response_model=ConsultationOut, responses=ACTION_REFUSALS,
             summary="The booked doctor connects to a planned consultation")
async def connect(request: Request, body: LinkIn, number: str = Number, idempotency_key: str = IdempotencyKey,
                  scope: PartnerScope = Depends(provider)) -> Response:
    async def operation(uow: UnitOfWork) -> dict[str, Any]:
        return await _row(uow, await service.connect(uow, number, body.link))

    return await _act(request, scope, idempotency_key, body, operation)


@router.post("/consultations/{number}/call-failed", response_model=ConsultationOut, responses=ACTION_REFUSALS,
             summary=f"A call the patient did not answer; after {rules.FAILED_CALLS_TO_CLOSE} the consultation "
                     "closes and counts as given (Appendix 1)")
async def call_failed(request: Request, number: str = Number, idempotency_key: str = IdempotencyKey,
                      scope: PartnerScope = Depends(provider)) -> Response:
    async def operation(uow: UnitOfWork) -> dict[str, Any]:
        return await _row(uow, await service.call_failed(uow, number))

    return await _act(request, scope, idempotency_key, NothingIn(), operation)


@router.post("/consultations/{number}/finish", response_model=ConsultationOut, responses=ACTION_REFUSALS,
             summary="Finish with the doctor's written conclusion; the patient reads it in the chat")
async def finish(request: Request, body: ConclusionIn, number: str = Number, idempotency_key: str = IdempotencyKey,
                 scope: PartnerScope = Depends(provider)) -> Response:
    qamqor = request.app.state.qamqor

    async def operation(uow: UnitOfWork) -> dict[str, Any]:
        return await _row(uow, await service.finish(uow, qamqor.documents, number, body.text))

    return await _act(request, scope, idempotency_key, body, operation)
