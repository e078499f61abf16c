"""Helpers for the partner API tests: a running API, partners made with the real
CLI code, claims written through the real repositories, a partner's webhook."""

from __future__ import annotations

import argparse
import asyncio
import re
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from aiohttp import web

from bot.partners_cli import execute
from storage.db import session_factory
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork
from tests.test_journeys_claims import give_policy


async def add_partner(settings: Any, name: str, products: str, *, kind: str = "insurer",
                      webhook_url: str | None = None) -> tuple[str, str | None]:
    """`python -m bot partners add` in process: the key (and webhook secret) it printed once."""
    out = await execute(settings, argparse.Namespace(action="add", name=name, kind=kind, products=products,
                                                     webhook_url=webhook_url))
    key = re.search(r"API key \(shown once, keep it secret\): (\S+)", out).group(1)
    secret = re.search(r"webhook signing secret \(shown once\): (\S+)", out)
    return key, secret.group(1) if secret else None


async def registered_claim(qamqor: Any, user_id: int, product_code: str = "sakbol", event: str = "injury",
                           language: str = "ru") -> str:
    """A claim on a policy in force, registered through the repositories; its number."""
    today = date.today()
    policy_id, _ = await give_policy(qamqor, user_id, product_code, start=today - timedelta(days=60),
                                     end=today + timedelta(days=300))
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        user = await uow.users.get(user_id)
        user.language = language
        claim = await uow.claims.register(
            user_id=user_id, policy_id=policy_id, product_code=product_code, reporter_relation="holder",
            event_type=event, disability_group=None, event_date=today - timedelta(days=2),
            description="Упал на льду, перелом руки", contact_phone="+996555123456", reported_at=utcnow(),
            reporting_deadline=today + timedelta(days=8), late=False, days_late=0, outside_cover=None)
        await uow.commit()
        return claim.number


class Api:
    """A real HTTP client against the running service, with one partner's key."""

    def __init__(self, client: httpx.AsyncClient, key: str | None) -> None:
        self.client, self.key = client, key

    def headers(self, idempotency_key: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers | extra

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.headers())

    async def post(self, path: str, body: Any, key: str | None = None) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.headers(key or str(uuid.uuid4())))

    async def status(self, number: str, status: str, key: str | None = None, note: str | None = None,
                     **parameters: Any) -> httpx.Response:
        body: dict[str, Any] = {"status": status, "parameters": parameters}
        if note is not None:
            body["note"] = note
        return await self.post(f"/api/v1/claims/{number}/status", body, key)


class Receiver:
    """The partner's webhook: an aiohttp server that can be down (answers 503)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.refused = 0
        self.down = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        async def hook(request: web.Request) -> web.Response:
            body = await request.read()
            if self.down:
                self.refused += 1
                return web.Response(status=503)
            self.received.append(({k.lower(): v for k, v in request.headers.items()}, body))
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/hook", hook)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} webhook calls, got {len(self.received)}")
            await asyncio.sleep(0.05)
