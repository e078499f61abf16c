"""Partner authentication: `Authorization: Bearer <key>`; only the key's SHA-256 is
looked up, and the key itself is never logged. A wrong or revoked key answers 401."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.web.errors import UNAUTHORIZED, not_found
from storage.unit_of_work import UnitOfWork

bearer = HTTPBearer(auto_error=False, description="the API key printed by `python -m bot partners add`")


@dataclass(frozen=True)
class PartnerScope:
    """Who is calling, and the products whose claims, policies and applications it sees."""

    id: int
    name: str
    kind: str
    products: frozenset[str]

    def check(self, product_code: str, what: str) -> None:
        """Outside the partner's products: the same 404 as a number that does not exist."""
        if product_code not in self.products:
            raise not_found(what)


async def partner(request: Request,
                  credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> PartnerScope:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise UNAUTHORIZED
    async with UnitOfWork(request.app.state.qamqor.dispatcher.sessions) as uow:
        found = await uow.partners.by_key(credentials.credentials)
        if found is None:
            raise UNAUTHORIZED
        return PartnerScope(found.id, found.name, found.kind, frozenset(found.products or ()))
