"""Bot API request parameters: decoding from query, JSON, urlencoded and multipart bodies.

python-telegram-bot sends every parameter as a form field: numbers and booleans as text,
complex values (reply_markup, entities, commands...) as JSON-encoded strings, and files as
multipart parts. :class:`Params` normalizes all of this to typed values once, so method
implementations and the request log see the same data whatever the encoding was.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request

JSON = dict[str, Any]

JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "media",
        "reply_parameters",
        "link_preview_options",
        "prices",
        "suggested_tip_amounts",
        "menu_button",
        "message_ids",
    }
)
INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "max_connections",
        "cache_time",
        "message_thread_id",
        "max_tip_amount",
    }
)
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "ok",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "is_flexible",
        "need_name",
        "need_phone_number",
        "need_email",
        "need_shipping_address",
        "send_phone_number_to_provider",
        "send_email_to_provider",
        "allow_paid_broadcast",
    }
)
_INTEGER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class UploadedFile:
    """A file sent as a multipart part."""

    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> JSON:
        return {
            "file_name": self.filename,
            "mime_type": self.content_type,
            "file_size": len(self.data),
        }


def _normalize(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if name in INT_PARAMS and _INTEGER.fullmatch(value):
        return int(value)
    if name in BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


class Params:
    """Typed access to the parameters of one Bot API call."""

    def __init__(self, values: JSON, files: dict[str, UploadedFile] | None = None) -> None:
        self.values = {name: _normalize(name, value) for name, value in values.items()}
        self.files = files or {}

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: JSON = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise bad_request("can't parse JSON body") from exc
                if not isinstance(body, dict):
                    raise bad_request("JSON body must be an object")
                values.update(body)
            elif request.content_type in (
                "multipart/form-data",
                "application/x-www-form-urlencoded",
            ):
                form = await request.post()
                for name, field in form.items():
                    if isinstance(field, web.FileField):
                        files[name] = UploadedFile(
                            field.filename, field.content_type, field.file.read()
                        )
                    elif isinstance(field, bytes):
                        values[name] = field.decode("utf-8", "replace")
                    else:
                        values[name] = field
        return cls(values, files)

    def loggable(self) -> JSON:
        """Parameters for the request log: values plus a description of each uploaded file."""
        return {**self.values, **{name: file.describe() for name, file in self.files.items()}}

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise bad_request(f"parameter {name!r} must be a string")
        return value

    def integer(
        self, name: str, *, required: bool = False, default: int | None = None
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(f"parameter {name!r} must be an integer")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if not isinstance(value, bool):
            raise bad_request(f"parameter {name!r} must be a boolean")
        return value

    def number(self, name: str, default: float = 0.0) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"parameter {name!r} must be a number") from exc

    def mapping(self, name: str) -> JSON | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name} JSON object")
        return value

    def array(self, name: str) -> list[Any] | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, list):
            raise bad_request(f"can't parse {name} JSON array")
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        """A chat identifier; ``@username`` is accepted but never matches (no public chats)."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad_request("chat not found")

    def input_file(self, name: str) -> UploadedFile | str | None:
        """An uploaded part (directly or via ``attach://``) or a file_id / URL string."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            attached = self.files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value!r} not found in the request")
            return attached
        if name in self.files:
            return self.files[name]
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ApiError(400, f"Bad Request: invalid file {name}")
        return value
