"""Events for the partner, readable again: `GET /api/v1/events?after=CURSOR`, so a
partner whose webhook was down catches up (the same events its webhook receives)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from bot.partner_webhooks import event_payload
from bot.web.auth import PartnerScope, partner
from bot.web.errors import COMMON
from storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["events"], responses=COMMON)


class EventOut(BaseModel):
    id: int = Field(description="the cursor; also `evt_<id>` in the webhook-id header")
    type: str
    created_at: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    events: list[EventOut]
    next_cursor: int


@router.get("/events", response_model=EventPage, summary="Events since a cursor, oldest first")
async def list_events(request: Request, scope: PartnerScope = Depends(partner),
                      after: int = Query(0, ge=0, le=2**62), limit: int = Query(100, ge=1, le=500)) -> EventPage:
    async with UnitOfWork(request.app.state.qamqor.dispatcher.sessions) as uow:
        events = [EventOut(**event_payload(e)) for e in await uow.partner_events.after(scope.id, after, limit)]
    return EventPage(events=events, next_cursor=events[-1].id if events else after)
