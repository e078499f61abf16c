"""`Idempotency-Key` with Stripe's semantics: the same key and the same body get the
first answer again and change nothing; the same key with another body answers 422.
The key and the answer are stored in the transaction that made the change, so an
answer exists exactly when the change does. Only successful answers are kept: an
error changed nothing, so repeating the request is harmless."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from bot.web.auth import PartnerScope
from bot.web.errors import ApiError
from storage.unit_of_work import UnitOfWork

IdempotencyKey = Header(alias="Idempotency-Key", min_length=1, max_length=255,
                        description="a unique key per intended change (e.g. a UUID); a retry sends the same key")

Operation = Callable[[UnitOfWork], Awaitable[tuple[int, dict[str, Any]]]]


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    canonical = body.model_dump_json() if body is not None else ""
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode("utf-8")).hexdigest()


async def run_once(qamqor: Any, scope: PartnerScope, key: str, request_sha256: str,
                   operation: Operation) -> tuple[JSONResponse, bool]:
    """Run `operation` in one transaction unless this key was used; returns the answer
    and whether the operation ran now (False: a replay)."""
    async with qamqor.dispatcher.write_slots, UnitOfWork(qamqor.dispatcher.sessions) as uow:
        earlier = await uow.idempotency.find(scope.id, key)
        if earlier is not None:
            if earlier.request_sha256 != request_sha256:
                raise ApiError(422, "idempotency_key_reused",
                               "this Idempotency-Key was used with another request; use a new key")
            return JSONResponse(earlier.response, status_code=earlier.status_code,
                                headers={"Idempotent-Replayed": "true"}), False
        status, body = await operation(uow)
        uow.idempotency.remember(scope.id, key, request_sha256, status, body)
        try:
            await uow.commit()
        except IntegrityError:
            raise ApiError(409, "idempotency_key_in_use",
                           "a request with this Idempotency-Key is being processed; retry it") from None
    return JSONResponse(body, status_code=status), True
