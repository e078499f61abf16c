"""Every error the API answers has one shape: `{"error": {"code", "message", ...}}`,
with a machine-readable code; validation problems name the parameter."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException


class ProblemOut(BaseModel):
    parameter: str
    code: str


class ErrorBody(BaseModel):
    code: str
    message: str
    allowed: list[str] | None = None
    problems: list[ProblemOut] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message,
                          **{k: v for k, v in self.extra.items() if v is not None}}}

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def not_found(what: str) -> ApiError:
    """The same answer for a number that does not exist and one outside the partner's products."""
    return ApiError(404, "not_found", f"no such {what}")


UNAUTHORIZED = ApiError(401, "unauthorized", "a valid API key is required: Authorization: Bearer <key>")

# Answers every route may give, for the OpenAPI document.
COMMON = {401: {"model": ErrorResponse, "description": "missing, wrong or revoked key"},
          422: {"model": ErrorResponse, "description": "invalid request"}}
NOT_FOUND = {404: {"model": ErrorResponse, "description": "no such object for this partner"}}


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"parameter": ".".join(str(part) for part in error.get("loc", ())[1:]) or "body",
                     "code": str(error.get("type", "invalid"))} for error in exc.errors()]
        return ApiError(422, "invalid_request", "the request does not match the API document",
                        problems=problems).response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        return ApiError(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail)).response()
