"""`/healthz` for a load balancer: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

log = logging.getLogger(__name__)
router = APIRouter()


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}}, tags=["service"])
async def healthz(request: Request) -> JSONResponse:
    try:
        async with request.app.state.qamqor.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; the reason is logged, not answered
        log.warning("health check: the database did not answer (%s)", exc.__class__.__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
