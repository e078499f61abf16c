"""The Telegram webhook (python-telegram-bot's "custom webhook" pattern): the update
is committed to the inbox (`QamqorBot.receive_update`) before Telegram gets its 200."""

from __future__ import annotations

import hmac
import json

from fastapi import APIRouter, Request, Response

router = APIRouter()


@router.post("/telegram", include_in_schema=False)
async def telegram(request: Request) -> Response:
    qamqor = request.app.state.qamqor
    secret = qamqor.settings.webhook_secret or ""
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return Response(status_code=403)
    try:
        await qamqor.receive_update(json.loads(await request.body()))
    except ValueError:  # not JSON, or not an update
        return Response(status_code=400)
    return Response(status_code=200)
