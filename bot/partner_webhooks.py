"""Events to partners' webhooks, from the `partner_events` table.

Each event is signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`,
`webhook-signature`: HMAC-SHA256 over `id.timestamp.body` with the partner's
`whsec_` secret, by the `standardwebhooks` package) and delivered in order per
partner (so in order per claim): a partner's later events wait behind its first
undelivered one. A failure is retried on a schedule of days (`RETRY_SCHEDULE`);
the rows survive restarts, and `GET /api/v1/events` serves them again whatever
happened to the webhook.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from storage.coordination import claim_job
from storage.models import OutgoingMessage, PartnerEvent, utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Standard Webhooks' suggested schedule, stretched over about three and a half days.
RETRY_SCHEDULE = tuple(timedelta(seconds=s) for s in (
    5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600))
POLL_EVERY = 2.0
UNREACHABLE_EVERY = timedelta(hours=24)


def new_secret() -> str:
    """A webhook signing secret in the Standard Webhooks format."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def event_payload(event: PartnerEvent) -> dict[str, Any]:
    """What a webhook delivers and `GET /api/v1/events` lists."""
    return {"id": event.id, "type": event.type, "created_at": event.created_at.isoformat(), "data": event.data}


def event_body(event: PartnerEvent) -> str:
    return json.dumps(event_payload(event), ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, event_id: str, at: datetime, body: str) -> dict[str, str]:
    return {"webhook-id": event_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(event_id, at, body), "content-type": "application/json"}


@dataclass(frozen=True)
class _Due:
    id: int
    partner_id: int
    attempts: int
    next_attempt_at: datetime | None
    body: str


class PartnerWebhooks:
    """Delivers due events; `wake()` after a commit that wrote some, `run()` in the background."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], write_slots: asyncio.Semaphore) -> None:
        self.sessions = sessions
        self.write_slots = write_slots
        self.clock: Callable[[], datetime] = utcnow
        self._work = asyncio.Event()
        self._client: httpx.AsyncClient | None = None

    def wake(self) -> None:
        self._work.set()

    async def run(self, stopping: asyncio.Event) -> None:
        async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as self._client:
            while not stopping.is_set():
                try:
                    await self.deliver_due()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("partner webhooks: a pass failed")
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._work.wait(), POLL_EVERY)
                self._work.clear()
        self._client = None

    async def deliver_due(self) -> int:
        """Send what is due now, oldest first, stopping each partner at its first failure.
        Several workers (PostgreSQL): one of them delivers at a time, holding the
        "partner_webhooks" lock for the pass; the others skip it (no event sent twice)."""
        async with UnitOfWork(self.sessions) as turn:
            if not await claim_job(turn.session, "partner_webhooks"):
                return 0
            return await self._deliver_due()

    async def _deliver_due(self) -> int:
        now = self.clock()
        async with UnitOfWork(self.sessions) as uow:
            events = [_Due(e.id, e.partner_id, e.attempts, e.next_attempt_at, event_body(e))
                      for e in await uow.partner_events.due(now)]
            partners = {p.id: (p.webhook_url, p.webhook_secret, p.name) for p in await uow.partners.all()}
        held: set[int] = set()
        delivered = 0
        for event in events:
            if event.partner_id in held:
                continue
            if event.next_attempt_at is not None and event.next_attempt_at > now:
                held.add(event.partner_id)
                continue
            url, secret, name = partners[event.partner_id]
            error = await self._post(url, secret, event)
            async with self.write_slots, UnitOfWork(self.sessions) as uow:
                if error is None:
                    await uow.partner_events.delivered(event.id, self.clock())
                    delivered += 1
                else:
                    held.add(event.partner_id)
                    again = (self.clock() + RETRY_SCHEDULE[event.attempts]
                             if event.attempts < len(RETRY_SCHEDULE) else None)
                    await uow.partner_events.failed(event.id, error, again, self.clock())
                    log.warning("event %s to partner %s not delivered (%s); %s", event.id, name, error,
                                f"again at {again:%Y-%m-%d %H:%M:%S}" if again else "given up (still in /events)")
                await uow.commit()
        return delivered

    async def _post(self, url: str | None, secret: str | None, event: _Due) -> str | None:
        """None when the partner answered 2xx; otherwise what went wrong."""
        if not url or not secret:
            return "no webhook"
        body = event.body
        client = self._client or httpx.AsyncClient(timeout=10.0)
        try:
            response = await client.post(url, content=body.encode("utf-8"),
                                         headers=signed_headers(secret, f"evt_{event.id}", self.clock(), body))
        except httpx.HTTPError as exc:
            return f"network: {exc.__class__.__name__}"
        finally:
            if client is not self._client:
                await client.aclose()
        return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


async def report_unreachable(uow: UnitOfWork, row: OutgoingMessage, error: str) -> None:
    """A customer who blocked the bot is reported to the insurers of their policies and
    claims as unreachable (once a day at most), not retried forever."""
    if not error.startswith("forbidden"):
        return
    policies = await uow.policies.for_user(row.chat_id)
    claims = await uow.claims.for_user(row.chat_id)
    for product in sorted({p.product_code for p in policies} | {c.product_code for c in claims}):
        data = {"policies": sorted(p.number for p in policies if p.product_code == product),
                "claims": sorted(c.number or "" for c in claims if c.product_code == product),
                "reason": "blocked_the_bot"}
        if not await _reported_lately(uow, product, data):
            await uow.partner_events.emit(product, "customer.unreachable", data)


async def _reported_lately(uow: UnitOfWork, product: str, data: dict[str, Any]) -> bool:
    since = utcnow() - UNREACHABLE_EVERY
    for partner in await uow.partners.for_product(product):
        recent = await uow.partner_events.recent(partner.id, "customer.unreachable", since)
        if any(e.data.get("policies") == data["policies"] and e.data.get("claims") == data["claims"]
               for e in recent):
            return True
    return False
