"""Partners of the API, their idempotent requests, and the events owed to them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import IdempotentRequest, Partner, PartnerEvent, utcnow


def key_digest(key: str) -> str:
    """Only this is stored: the SHA-256 of the key, never the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Partners:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, **fields: Any) -> Partner:
        partner = Partner(created_at=utcnow(), **fields)
        self._session.add(partner)
        await self._session.flush()
        return partner

    async def by_key(self, key: str) -> Partner | None:
        """The active partner holding `key`; None for a wrong or revoked key."""
        partner = (await self._session.scalars(
            select(Partner).where(Partner.key_sha256 == key_digest(key)))).first()
        return partner if partner is not None and partner.revoked_at is None else None

    async def by_name(self, name: str) -> Partner | None:
        return (await self._session.scalars(select(Partner).where(Partner.name == name))).first()

    async def get(self, partner_id: int) -> Partner | None:
        return await self._session.get(Partner, partner_id)

    async def all(self) -> Sequence[Partner]:
        return (await self._session.scalars(select(Partner).order_by(Partner.id))).all()

    async def for_product(self, product_code: str) -> list[Partner]:
        """Active partners whose scope includes `product_code` (few rows: filtered here)."""
        active = (await self._session.scalars(select(Partner).where(Partner.revoked_at.is_(None))
                                              .order_by(Partner.id))).all()
        return [p for p in active if product_code in (p.products or [])]


INSURANCE_PARTNERS = ("insurer", "bank")
TELEMEDICINE_PROVIDERS = ("telemedicine",)


class IdempotentRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, partner_id: int, key: str) -> IdempotentRequest | None:
        return (await self._session.scalars(select(IdempotentRequest).where(
            IdempotentRequest.partner_id == partner_id, IdempotentRequest.key == key))).first()

    def remember(self, partner_id: int, key: str, request_sha256: str, status_code: int,
                 response: dict[str, Any]) -> None:
        self._session.add(IdempotentRequest(partner_id=partner_id, key=key, request_sha256=request_sha256,
                                            status_code=status_code, response=response, created_at=utcnow()))


class PartnerEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, partner_id: int, type_: str, data: dict[str, Any], claim_number: str | None = None) -> PartnerEvent:
        event = PartnerEvent(partner_id=partner_id, type=type_, data=data, claim_number=claim_number,
                             created_at=utcnow(), attempts=0)
        self._session.add(event)
        return event

    async def emit(self, product_code: str, type_: str, data: dict[str, Any],
                   claim_number: str | None = None, kinds: tuple[str, ...] = INSURANCE_PARTNERS) -> int:
        """One event for each active partner of the product and of these kinds, in the
        caller's transaction: claims and policies go to insurers and banks, never to the
        medical organisation; consultations go to the telemedicine provider only."""
        partners = [p for p in await Partners(self._session).for_product(product_code) if p.kind in kinds]
        for partner in partners:
            self.add(partner.id, type_, {"product": product_code, **data}, claim_number)
        return len(partners)

    async def after(self, partner_id: int, cursor: int, limit: int) -> Sequence[PartnerEvent]:
        return (await self._session.scalars(select(PartnerEvent).where(
            PartnerEvent.partner_id == partner_id, PartnerEvent.id > cursor)
            .order_by(PartnerEvent.id).limit(limit))).all()

    async def recent(self, partner_id: int, type_: str, since: datetime) -> Sequence[PartnerEvent]:
        return (await self._session.scalars(select(PartnerEvent).where(
            PartnerEvent.partner_id == partner_id, PartnerEvent.type == type_, PartnerEvent.created_at >= since)
            .order_by(PartnerEvent.id))).all()

    async def due(self, now: datetime, limit: int = 100) -> Sequence[PartnerEvent]:
        """Undelivered events whose partner has a webhook, oldest first; the caller
        stops a partner at its first event not yet due, so order holds per partner."""
        return (await self._session.scalars(
            select(PartnerEvent).join(Partner, Partner.id == PartnerEvent.partner_id)
            .where(PartnerEvent.delivered_at.is_(None), PartnerEvent.given_up_at.is_(None),
                   Partner.webhook_url.is_not(None), Partner.revoked_at.is_(None))
            .order_by(PartnerEvent.id).limit(limit))).all()

    async def delivered(self, event_id: int, now: datetime) -> None:
        await self._session.execute(update(PartnerEvent).where(PartnerEvent.id == event_id).values(
            delivered_at=now, attempts=PartnerEvent.attempts + 1, last_error=None, next_attempt_at=None))

    async def failed(self, event_id: int, error: str, next_attempt_at: datetime | None, now: datetime) -> None:
        values: dict[str, Any] = {"attempts": PartnerEvent.attempts + 1, "last_error": error[:300],
                                  "next_attempt_at": next_attempt_at}
        if next_attempt_at is None:
            values["given_up_at"] = now
        await self._session.execute(update(PartnerEvent).where(PartnerEvent.id == event_id).values(**values))
