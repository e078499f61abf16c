"""Insurer endpoints for claims: list changed claims, read one, download its
documents or the whole claim as a zip, and move it through the status machine."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from bot.claims_cli import EXTENSIONS, MissingDocument, claim_archive
from bot.web.auth import PartnerScope, partner
from bot.web.errors import COMMON, NOT_FOUND, ApiError, ErrorResponse, not_found
from bot.web.idempotency import IdempotencyKey, fingerprint, run_once
from handlers import claim_status as news
from insurance.application import local_today
from insurance.catalogue import get_product
from insurance.claim_status import STATUSES, ClaimFacts, InvalidParameters, TransitionForbidden, allowed_from, \
    change_status
from insurance.money import from_minor_units
from storage import claim_progress
from storage.models import Claim, ClaimEvent, utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["claims"], responses=COMMON)

CLAIM_NUMBER = Path(pattern=r"^CLM-\d{4}-\d{6}$", description="the claim's number, e.g. CLM-2026-000001")
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf", "heic": "image/heic"}
Status = Literal["registered", "documents_requested", "documents_complete", "under_review", "approved", "paid",
                 "refused", "closed"]
assert set(Status.__args__) == set(STATUSES)  # type: ignore[attr-defined]


class ClaimSummary(BaseModel):
    number: str
    product: str
    policy: str
    status: Status
    event_type: str
    event_date: date
    reported_at: datetime
    documents_delivered: int
    documents_total: int
    cursor: int = Field(description="the position of the claim's latest change, for `after`")


class ClaimPage(BaseModel):
    claims: list[ClaimSummary]
    next_cursor: int = Field(description="pass as `after` to get the claims changed since")


class PolicyOut(BaseModel):
    number: str
    holder_name: str
    cover_option: str
    cover_start: date
    cover_end: date
    currency: str
    sum_insured: Decimal


class ClaimantOut(BaseModel):
    relation: str
    contact_phone: str
    language: str | None


class EventOut(BaseModel):
    type: str
    date: date
    description: str
    disability_group: int | None
    disability_set_on: date | None
    outside_cover: str | None
    outside_option: str | None


class DatesOut(BaseModel):
    reported_at: datetime
    reporting_deadline: date
    late: bool
    days_late: int
    documents_complete_at: datetime | None
    missing_documents_due: date | None
    decision_due: date | None
    payment_due: date | None


class DocumentOut(BaseModel):
    id: int
    kind: str
    size: int
    sha256: str
    original_name: str | None
    uploaded_at: datetime


class ChecklistItemOut(BaseModel):
    item: str
    name: str
    clause: str | None
    forms: list[str]
    state: Literal["missing", "awaiting_original", "received"]
    original_confirmed_at: datetime | None
    documents: list[DocumentOut]


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    details: dict[str, Any]


class ClaimDetail(BaseModel):
    number: str
    product: str
    status: Status
    allowed_transitions: list[str]
    policy: PolicyOut
    claimant: ClaimantOut
    event: EventOut
    dates: DatesOut
    checklist: list[ChecklistItemOut]
    timeline: list[TimelineOut]


class StatusChanged(BaseModel):
    """The answer to a status change: the claim's new status and what it rests on."""

    number: str
    status: Status
    parameters: dict[str, Any]
    clause: str | None = Field(description="the clause the status rests on, when one applies")
    allowed_transitions: list[str]
    cursor: int = Field(description="the position of this change in the claims list")


class StatusChangeIn(BaseModel):
    status: Status
    parameters: dict[str, Any] = Field(default_factory=dict, description=(
        "documents_requested: items (checklist item codes); approved: amount; paid: amount, paid_on (YYYY-MM-DD); "
        "refused: reason (a ground of the product), clause (optional unless the reason is 'other')"))
    note: str | None = Field(default=None, max_length=1000,
                             description="optional free text shown to the customer as the insurer's own words")


async def _claim(uow: UnitOfWork, scope: PartnerScope, number: str) -> Claim:
    claim = await uow.claims.by_number(number)
    if claim is None:
        raise not_found("claim")
    scope.check(claim.product_code, "claim")
    return claim


@router.get("/claims", response_model=ClaimPage, summary="Claims changed since a cursor")
async def list_claims(request: Request, scope: PartnerScope = Depends(partner),
                      after: int = Query(0, ge=0, le=2**62, description="`next_cursor` of the previous page"),
                      limit: int = Query(100, ge=1, le=500)) -> ClaimPage:
    async with UnitOfWork(request.app.state.qamqor.dispatcher.sessions) as uow:
        latest = func.max(ClaimEvent.id)
        rows = (await uow.session.execute(
            select(ClaimEvent.claim_id, latest).join(Claim, Claim.id == ClaimEvent.claim_id)
            .where(ClaimEvent.id > after, Claim.product_code.in_(sorted(scope.products)))
            .group_by(ClaimEvent.claim_id).order_by(latest).limit(limit))).all()
        claims = []
        for claim_id, cursor in rows:
            claim = await uow.claims.get(claim_id)
            assert claim is not None
            claims.append(await _summary(uow, claim, cursor))
    return ClaimPage(claims=claims, next_cursor=max([after, *(c.cursor for c in claims)]))


async def _summary(uow: UnitOfWork, claim: Claim, cursor: int) -> ClaimSummary:
    policy = await uow.policies.get(claim.policy_id)
    states = await claim_progress.statuses(uow, claim)
    return ClaimSummary(number=claim.number or "", product=claim.product_code, policy=policy.number if policy else "",
                        status=claim.status, event_type=claim.event_type, event_date=claim.event_date,
                        reported_at=claim.reported_at, documents_total=len(states),
                        documents_delivered=sum(s.scan_received_at is not None or s.original_confirmed_at is not None
                                                for s in states), cursor=cursor)


@router.get("/claims/{number}", response_model=ClaimDetail, responses=NOT_FOUND, summary="One claim")
async def read_claim(request: Request, number: str = CLAIM_NUMBER,
                     scope: PartnerScope = Depends(partner)) -> ClaimDetail:
    async with UnitOfWork(request.app.state.qamqor.dispatcher.sessions) as uow:
        return await claim_detail(uow, await _claim(uow, scope, number))


async def claim_detail(uow: UnitOfWork, claim: Claim) -> ClaimDetail:
    policy = await uow.policies.get(claim.policy_id)
    user = await uow.users.get(claim.user_id)
    assert policy is not None
    states, clock = await claim_progress.clock(uow, claim)
    documents = await uow.claims.documents(claim.id)
    checklist = []
    for state in states:
        item = state.item
        received = state.received_at is not None
        checklist.append(ChecklistItemOut(
            item=item.code, name=item.document.name.ru, clause=item.clause, forms=list(item.document.forms),
            state="received" if received else "awaiting_original" if state.scan_received_at else "missing",
            original_confirmed_at=state.original_confirmed_at,
            documents=[DocumentOut(id=d.id, kind=d.kind, size=d.size, sha256=d.sha256, original_name=d.original_name,
                                   uploaded_at=d.uploaded_at) for d in documents if d.item_code == item.code]))
    return ClaimDetail(
        number=claim.number or "", product=claim.product_code, status=claim.status,
        allowed_transitions=list(allowed_from(claim.status)),
        policy=PolicyOut(number=policy.number, holder_name=policy.holder_name, cover_option=policy.cover_option,
                         cover_start=policy.cover_start, cover_end=policy.cover_end, currency=policy.currency,
                         sum_insured=from_minor_units(policy.sum_insured_minor)),
        claimant=ClaimantOut(relation=claim.reporter_relation, contact_phone=claim.contact_phone,
                             language=user.language if user else None),
        event=EventOut(type=claim.event_type, date=claim.event_date, description=claim.description,
                       disability_group=claim.disability_group, disability_set_on=claim.disability_set_on,
                       outside_cover=claim.outside_cover, outside_option=claim.outside_option),
        dates=DatesOut(reported_at=claim.reported_at, reporting_deadline=claim.reporting_deadline, late=claim.late,
                       days_late=claim.days_late, documents_complete_at=claim.documents_complete_at,
                       missing_documents_due=clock.missing_notice.due_on if clock.missing_notice else None,
                       decision_due=clock.decision.due_on if clock.decision else None,
                       payment_due=clock.payment.due_on if clock.payment else None),
        checklist=checklist,
        timeline=[TimelineOut(at=e.at, kind=e.kind, details=e.details) for e in await uow.claims.timeline(claim.id)],
    )


@router.get("/claims/{number}/documents/{document_id}", responses={
    **NOT_FOUND, 200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "the file as delivered"}},
    response_class=Response, summary="Download one document")
async def download_document(request: Request, number: str = CLAIM_NUMBER,
                            document_id: int = Path(ge=1, le=2**62),
                            scope: PartnerScope = Depends(partner)) -> Response:
    qamqor = request.app.state.qamqor
    async with UnitOfWork(qamqor.dispatcher.sessions) as uow:
        claim = await _claim(uow, scope, number)
        document = next((d for d in await uow.claims.documents(claim.id) if d.id == document_id), None)
        if document is None:
            raise not_found("document")
        sha256, kind, item_code = document.sha256, document.kind, document.item_code
    try:
        content = qamqor.documents.get(sha256)
    except (OSError, ValueError):
        log.error("claim %s: document %s cannot be read from the document store", number, document_id)
        raise ApiError(503, "document_unavailable", "the document cannot be read now; try again later") from None
    filename = f"{number}-{item_code}-{document_id}.{EXTENSIONS[kind]}"
    return Response(content, media_type=MEDIA_TYPES[kind],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/claims/{number}/archive", responses={
    **NOT_FOUND, 200: {"content": {"application/zip": {}}, "description": "documents and manifest.json"}},
    response_class=Response, summary="The whole claim as a zip with a manifest")
async def download_archive(request: Request, number: str = CLAIM_NUMBER,
                           scope: PartnerScope = Depends(partner)) -> Response:
    qamqor = request.app.state.qamqor
    async with UnitOfWork(qamqor.dispatcher.sessions) as uow:
        await _claim(uow, scope, number)
        try:
            archive = await claim_archive(uow, qamqor.documents, number)
        except MissingDocument:
            log.error("claim %s: a document cannot be read from the document store", number)
            raise ApiError(503, "document_unavailable", "a document cannot be read now; try again later") from None
    return Response(archive, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{number}.zip"'})


@router.post("/claims/{number}/status", response_model=StatusChanged, summary="Move the claim to another status",
             responses={**NOT_FOUND, 409: {"model": ErrorResponse, "description": "not allowed from the current "
                                                                                   "status; `allowed` lists what is"}})
async def post_status(request: Request, body: StatusChangeIn, number: str = CLAIM_NUMBER,
                      idempotency_key: str = IdempotencyKey, scope: PartnerScope = Depends(partner)) -> Response:
    qamqor = request.app.state.qamqor

    async def operation(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        claim = await _claim(uow, scope, number)
        policy = await uow.policies.get(claim.policy_id)
        assert policy is not None
        product = get_product(claim.product_code)
        today = local_today(product, utcnow())
        facts = ClaimFacts(product, claim.event_type,
                           tuple(i.code for i in product.event_type(claim.event_type).checklist),
                           from_minor_units(policy.sum_insured_minor), local_today(product, claim.reported_at), today)
        try:
            change = change_status(claim.status, body.status, body.parameters, facts)
        except TransitionForbidden as forbidden:
            raise ApiError(409, "transition_forbidden", f"a claim that is {forbidden.current} cannot become "
                           f"{forbidden.wanted}", allowed=list(forbidden.allowed)) from None
        except InvalidParameters as invalid:
            raise ApiError(422, "invalid_parameters", "the parameters do not fit this status",
                           problems=[{"parameter": p.parameter, "code": p.code} for p in invalid.problems]) from None
        cursor = await news.apply(uow, claim, change, (body.note or "").strip() or None, f"partner:{scope.name}")
        return 200, StatusChanged(number=number, status=change.status, parameters=change.parameters,
                                  clause=change.clause, allowed_transitions=list(allowed_from(change.status)),
                                  cursor=cursor).model_dump(mode="json")

    response, ran = await run_once(qamqor, scope, idempotency_key,
                                   fingerprint("POST", request.url.path, body), operation)
    if ran:
        log.info("partner %s moved claim %s to %s", scope.name, number, body.status)
        qamqor.dispatcher.wake_outbox()
    return response
