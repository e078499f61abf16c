"""Error types of the emulator: Bot API errors and control API errors."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]

#: Descriptions used for injected errors when the caller gives none.
DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """A Bot API failure, answered as ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")


def injected_error(
    code: int, description: str | None = None, retry_after: int | None = None
) -> ApiError:
    """Build the error that ``POST /control/fail`` schedules."""
    if code == 429 and retry_after is None:
        retry_after = 1
    if description is None:
        template = DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")
        description = template.format(retry_after=retry_after)
    return ApiError(code, description, retry_after=retry_after)


class ControlError(Exception):
    """A control API failure, answered as ``{"ok": false, "description": ...}``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
