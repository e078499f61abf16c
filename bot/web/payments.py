"""An insurer confirms a premium paid outside Telegram: the policy is issued and
its certificate sent to the customer, once (the same path as the staff's `/paid N`)."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.conversation import Incoming, Turn
from bot.i18n import translator
from bot.web.auth import PartnerScope, partner
from bot.web.errors import COMMON, NOT_FOUND, ApiError, ErrorResponse, not_found
from bot.web.idempotency import IdempotencyKey, fingerprint, run_once
from handlers.purchase import confirm_outside_payment, payable_outside
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["applications"], responses=COMMON)


class PaymentIn(BaseModel):
    amount: str = Field(pattern=r"^\d{1,12}(\.\d{1,2})?$", description="the total paid, e.g. 2295.00")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="KZT or KGS, as in the application's quote")
    reference: str | None = Field(default=None, max_length=100, description="the insurer's payment reference")


class PaymentOut(BaseModel):
    application: int
    policy: str
    status: str


def outside_turn(qamqor: Any, uow: UnitOfWork, user: Any) -> Turn:
    """A turn that no chat update caused (the API acting for a customer): what it
    says becomes outbox rows like any reply."""

    async def no_files(_file_id: str) -> bytes:
        raise ValueError("no chat update to download from")

    return Turn(update_id=0, user=user, uow=uow, settings=qamqor.settings, t=translator(user.language or "ru"),
                incoming=Incoming(kind="other"), router=qamqor.dispatcher.router, documents=qamqor.documents,
                fetch_file=no_files, state="menu", data={})


@router.post("/applications/{application_id}/payment", response_model=PaymentOut,
             summary="Confirm a premium paid outside Telegram (issues the policy once)",
             responses={**NOT_FOUND, 409: {"model": ErrorResponse, "description": "already paid or not awaiting "
                                                                                   "payment"}})
async def confirm_payment(request: Request, body: PaymentIn, application_id: int = Path(ge=1, le=2**62),
                          idempotency_key: str = IdempotencyKey,
                          scope: PartnerScope = Depends(partner)) -> Response:
    qamqor = request.app.state.qamqor

    async def operation(uow: UnitOfWork) -> tuple[int, dict[str, Any]]:
        application = await uow.applications.get(application_id)
        if application is None:
            raise not_found("application")
        scope.check(application.product_code, "application")
        user = await uow.users.get(application.user_id)
        turn = outside_turn(qamqor, uow, user)
        if await payable_outside(turn, application.id) is None:
            raise ApiError(409, "not_awaiting_payment", "this application is already paid or not awaiting payment")
        quote = application.quote or {}
        try:
            due = Decimal(str(quote["total"]))
            paid = Decimal(body.amount)
        except (KeyError, InvalidOperation):
            raise ApiError(409, "not_awaiting_payment", "this application has no price to pay") from None
        problems = ([{"parameter": "amount", "code": "not_the_total"}] if paid != due else []) + \
            ([{"parameter": "currency", "code": "not_the_currency"}] if body.currency != quote.get("currency") else [])
        if problems:
            raise ApiError(422, "invalid_parameters", "the payment does not match the application's total",
                           problems=problems)
        number = await confirm_outside_payment(turn, application, method="partner",
                                               reference=f"{scope.name}:{body.reference or ''}"[:128])
        for row in turn.outgoing:
            uow.outbox.add(row.pop("chat_id"), row)
        return 200, {"application": application.id, "policy": number, "status": "paid"}

    response, ran = await run_once(qamqor, scope, idempotency_key,
                                   fingerprint("POST", request.url.path, body), operation)
    if ran:
        log.info("partner %s confirmed the payment of application %s", scope.name, application_id)
        qamqor.dispatcher.wake_outbox()
    return response
