"""Webhook delivery: POST pending updates to the bot's webhook, in order, with bounded retries."""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from .models import UPDATES, PendingUpdate, Webhook, unix_now
from .world import World

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDelivery:
    """Runs as one background task; delivers one update at a time so order is kept.

    An update is retried ``max_attempts`` times with exponential backoff starting at
    ``backoff`` seconds, then dropped (listed in ``/control/updates`` as dropped) and the error
    is reported by getWebhookInfo. Real Telegram keeps retrying for much longer.
    """

    def __init__(self, world: World, *, timeout: float, max_attempts: int, backoff: float) -> None:
        self.world = world
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff

    async def run(self) -> None:
        world = self.world
        client_timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=client_timeout) as session:
            while True:
                await world.signal.wait_for(
                    lambda: (
                        world.closing or (world.webhook is not None and world.has_deliverable())
                    ),
                    None,
                    UPDATES,
                )
                if world.closing:
                    return
                webhook = world.webhook
                if webhook is None:
                    continue
                update = world.deliverable()[0]
                update.forced = False
                delivered = await self._deliver(session, webhook, update)
                if delivered or world.webhook is webhook:
                    world.acknowledge(update, delivered)

    async def _deliver(
        self, session: aiohttp.ClientSession, webhook: Webhook, update: PendingUpdate
    ) -> bool:
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        for attempt in range(self.max_attempts):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            if self.world.webhook is not webhook:
                return False
            try:
                async with session.post(webhook.url, json=update.body, headers=headers) as response:
                    if 200 <= response.status < 300:
                        return True
                    error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except TimeoutError:
                error = "Read timeout expired"
            except aiohttp.ClientError as exc:
                error = f"Connection failed: {exc}"
            webhook.last_error_date = unix_now()
            webhook.last_error_message = error
            logger.info(
                "Webhook delivery of update %d failed (attempt %d/%d): %s",
                update.update_id,
                attempt + 1,
                self.max_attempts,
                error,
            )
        logger.warning(
            "Dropping update %d after %d failed deliveries", update.update_id, self.max_attempts
        )
        return False
