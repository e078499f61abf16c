"""The app factory: one FastAPI application for the webhook, the partner API and health."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from bot.web import claims, errors, events, health, payments, telegram, telemedicine

API_DESCRIPTION = """\
The Qamqor partner API for insurers, the telemedicine provider and partner banks.

Authenticate with `Authorization: Bearer <key>` (the key `python -m bot partners add`
printed once). A partner sees only the claims, policies and applications of its own
products; anything else answers 404 like a number that does not exist.

Every POST needs an `Idempotency-Key` header: repeating the same key with the same
body returns the first answer (header `Idempotent-Replayed: true`) and changes
nothing; the same key with another body answers 422.

Partners send codes and parameters, never sentences: the customer reads every
message in their own language from the bot's catalogues.
"""


def create_app(qamqor: Any) -> FastAPI:
    """`qamqor` is the running `bot.app.QamqorBot` whose database, outbox and inbox the routes use."""
    app = FastAPI(title="Qamqor partner API", version="1.0.0", description=API_DESCRIPTION,
                  openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None)
    app.state.qamqor = qamqor
    errors.install(app)
    for module in (telegram, health, claims, payments, events, telemedicine):
        app.include_router(module.router)
    return app
