"""Journeys, one module each. `build_router()` wires them together."""

from __future__ import annotations

from bot.conversation import Router
from handlers import claims, consent, documents, originals, policies, purchase, start, support, telemedicine

JOURNEYS = (start, consent, purchase, policies, claims, documents, originals, support, telemedicine)


def build_router() -> Router:
    router = Router()
    for journey in JOURNEYS:
        journey.register(router)
    return router
