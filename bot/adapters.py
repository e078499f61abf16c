"""Adapters to the outside world, each with an embedded default.

One-time signing codes: an SMS gateway over HTTP when configured; in the
sandbox, the emulator's SMS panel; otherwise (a test setup) nothing is sent.
"""

from __future__ import annotations

import logging
from typing import Protocol

import httpx

log = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send(self, phone: str, text: str, user_id: int | None) -> None: ...


def masked(phone: str) -> str:
    return phone[:5] + "*" * max(0, len(phone) - 7) + phone[-2:]


class LoggedSms:
    """No gateway configured (a test setup): only the fact is logged, never the text,
    which carries a signing code."""

    async def send(self, phone: str, text: str, user_id: int | None) -> None:
        log.warning("no SMS gateway (QAMQOR_SMS_GATEWAY_URL): an SMS to %s was not sent (text withheld)",
                    masked(phone))


class EmulatorSms:
    """The sandbox: the emulator shows the message in its SMS panel."""

    def __init__(self, base_url: str) -> None:
        self._url = f"{base_url}/control/sms"

    async def send(self, phone: str, text: str, user_id: int | None) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(self._url, json={"phone": phone, "text": text, "user_id": user_id})
            response.raise_for_status()


class HttpSmsGateway:
    """POSTs {"phone", "text"} as JSON with a bearer token."""

    def __init__(self, url: str, token: str | None) -> None:
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def send(self, phone: str, text: str, user_id: int | None) -> None:
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.post(self._url, json={"phone": phone, "text": text}, headers=self._headers)
            response.raise_for_status()
