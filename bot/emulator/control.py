"""The JSON control API under ``/control/``: act as Telegram users and inspect what the bot did."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from aiohttp import web

from .botapi import canonical_method
from .errors import ControlError, injected_error
from .models import PRE_CHECKOUT, SMS, Message, chat_topic
from .world import World

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
MAX_WAIT_SECONDS = 300.0
_ACTIVE_CONTENT = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
_SIMPLE_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")

_dumps = partial(json.dumps, ensure_ascii=False)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


@web.middleware
async def control_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Render :class:`ControlError` as ``{"ok": false, "description": ...}``."""
    try:
        return await handler(request)
    except ControlError as exc:
        return json_response({"ok": False, "description": exc.description}, exc.status)


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        data = await request.json()
    except ValueError as exc:
        raise ControlError(400, "the request body must be JSON") from exc
    if not isinstance(data, dict):
        raise ControlError(400, "the request body must be a JSON object")
    return data


def _int(data: Any, name: str) -> int | None:
    """An optional integer from a JSON body or a query/form mapping (digits accepted)."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ControlError(400, f"{name} must be an integer") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"{name} must be an integer")
    return value


def _required_int(data: Any, name: str) -> int:
    value = _int(data, name)
    if value is None:
        raise ControlError(400, f"{name} is required")
    return value


def _str(data: Any, name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"{name} must be a string")
    return value


def _required_str(data: Any, name: str) -> str:
    value = _str(data, name)
    if value is None:
        raise ControlError(400, f"{name} is required")
    return value


def _float(data: Any, name: str, default: float) -> float:
    value = data.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be a number") from None


def _path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise ControlError(404, f"{name} must be an integer") from None


class ControlApi:
    """aiohttp handlers of the control API; see docs/emulator.md for the reference."""

    def __init__(self, world: World, *, pre_checkout_timeout: float = 10.0) -> None:
        self.world = world
        self.pre_checkout_timeout = pre_checkout_timeout

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/control/users", self.create_user)
        router.add_get("/control/users", self.list_users)
        router.add_get("/control/users/{user_id}", self.get_user)
        router.add_post("/control/users/{user_id}/block", self.block)
        router.add_post("/control/chats", self.create_chat)
        router.add_get("/control/chats", self.list_chats)
        router.add_get("/control/chats/{chat_id}", self.get_chat)
        router.add_get("/control/chats/{chat_id}/events", self.events)
        router.add_get("/control/chats/{chat_id}/messages", self.messages)
        router.add_post("/control/send", self.send)
        router.add_post("/control/press", self.press)
        router.add_post("/control/contact", self.contact)
        router.add_post("/control/upload", self.upload)
        router.add_post("/control/pay", self.pay)
        router.add_post("/control/redeliver", self.redeliver)
        router.add_get("/control/updates", self.updates)
        router.add_post("/control/fail", self.fail)
        router.add_get("/control/requests", self.requests)
        router.add_get("/control/commands", self.commands)
        router.add_get("/control/files/{file_id}", self.file)
        router.add_post("/control/sms", self.send_sms)
        router.add_get("/control/sms", self.sms)
        router.add_post("/control/reset", self.reset)
        router.add_post("/control/edit", self.edit)
        router.add_post("/control/location", self.location)
        router.add_post("/control/chats/{chat_id}/members", self.set_member)

    def _snapshot(self, message: Message) -> JSON:
        return message.snapshot(self.world.base_url)

    # Users and chats

    async def create_user(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self.world.create_user(
            first_name=_required_str(body, "first_name"),
            last_name=_str(body, "last_name"),
            username=_str(body, "username"),
            language_code=_str(body, "language_code"),
            user_id=_int(body, "id"),
            phone_number=_str(body, "phone_number"),
        )
        return json_response(user.to_control())

    async def list_users(self, request: web.Request) -> web.Response:
        return json_response([user.to_control() for user in self.world.users.values()])

    async def get_user(self, request: web.Request) -> web.Response:
        return json_response(self.world.user(_path_int(request, "user_id")).to_control())

    async def block(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self.world.user(_path_int(request, "user_id"))
        blocked = body.get("blocked", True)
        if not isinstance(blocked, bool):
            raise ControlError(400, "blocked must be a boolean")
        update_id = self.world.set_blocked(user, blocked)
        return json_response({**user.to_control(), "update_id": update_id})

    async def create_chat(self, request: web.Request) -> web.Response:
        body = await _body(request)
        bot_is_admin = body.get("bot_is_admin", False)
        is_forum = body.get("is_forum", False)
        if not isinstance(bot_is_admin, bool) or not isinstance(is_forum, bool):
            raise ControlError(400, "bot_is_admin and is_forum must be booleans")
        chat = self.world.create_group(
            title=_required_str(body, "title"),
            chat_id=_int(body, "id"),
            chat_type=_str(body, "type") or "group",
            bot_is_admin=bot_is_admin,
            is_forum=is_forum,
        )
        return json_response(chat.to_control())

    async def list_chats(self, request: web.Request) -> web.Response:
        return json_response([chat.to_control() for chat in self.world.chats.values()])

    async def get_chat(self, request: web.Request) -> web.Response:
        return json_response(self.world.control_chat(_path_int(request, "chat_id")).to_control())

    async def events(self, request: web.Request) -> web.Response:
        world = self.world
        chat = world.control_chat(_path_int(request, "chat_id"))
        after = _int(request.query, "after") or 0
        minimum = max(_int(request.query, "min") or 1, 1)
        wait = min(max(_float(request.query, "wait", 0.0), 0.0), MAX_WAIT_SECONDS)

        await world.signal.wait_for(
            lambda: world.closing or len(chat.events_after(after)) >= minimum, wait, chat_topic(chat.id)
        )
        events = [event.to_json() for event in chat.events_after(after)]
        return json_response({"events": events, "last_seq": events[-1]["seq"] if events else after})

    async def messages(self, request: web.Request) -> web.Response:
        chat = self.world.control_chat(_path_int(request, "chat_id"))
        return json_response(
            [self._snapshot(message) for message in chat.messages.values() if not message.deleted]
        )

    # What users do

    async def send(self, request: web.Request) -> web.Response:
        body = await _body(request)
        message, update_id = self.world.user_send_text(
            self.world.user(_required_int(body, "user_id")),
            _required_str(body, "text"),
            chat_id=_int(body, "chat_id"),
            reply_to_message_id=_int(body, "reply_to_message_id"),
            message_thread_id=_int(body, "message_thread_id"),
        )
        return json_response({"update_id": update_id, "message": self._snapshot(message)})

    async def press(self, request: web.Request) -> web.Response:
        body = await _body(request)
        forge = body.get("forge", False)
        if not isinstance(forge, bool):
            raise ControlError(400, "forge must be a boolean")
        update_id, query_id = self.world.user_press(
            self.world.user(_required_int(body, "user_id")),
            _required_int(body, "message_id"),
            _required_str(body, "data"),
            chat_id=_int(body, "chat_id"),
            forge=forge,
        )
        return json_response({"update_id": update_id, "callback_query_id": query_id})

    async def contact(self, request: web.Request) -> web.Response:
        body = await _body(request)
        contact_user_id = _int(body, "contact_user_id") if "contact_user_id" in body else ...
        message, update_id = self.world.user_share_contact(
            self.world.user(_required_int(body, "user_id")),
            _str(body, "phone_number"),
            first_name=_str(body, "first_name"),
            last_name=_str(body, "last_name"),
            contact_user_id=contact_user_id,
            chat_id=_int(body, "chat_id"),
        )
        return json_response({"update_id": update_id, "message": self._snapshot(message)})

    async def upload(self, request: web.Request) -> web.Response:
        if request.content_type == "multipart/form-data":
            form = await request.post()
            upload = form.get("file")
            if not isinstance(upload, web.FileField):
                raise ControlError(400, "the multipart field 'file' must be a file")
            fields: Any = form
            data = upload.file.read()
            file_name: str | None = _str(form, "filename") or upload.filename
            mime_type: str | None = _str(form, "mime_type") or upload.content_type
        else:
            fields = await _body(request)
            try:
                data = base64.b64decode(_required_str(fields, "content_base64"), validate=True)
            except binascii.Error as exc:
                raise ControlError(400, "content_base64 is not valid base64") from exc
            file_name = _str(fields, "filename")
            mime_type = _str(fields, "mime_type")
        message, update_id = self.world.user_upload(
            self.world.user(_required_int(fields, "user_id")),
            _required_str(fields, "kind"),
            data,
            file_name,
            mime_type,
            caption=_str(fields, "caption"),
            media_group_id=_str(fields, "media_group_id"),
            chat_id=_int(fields, "chat_id"),
            message_thread_id=_int(fields, "message_thread_id"),
        )
        return json_response({"update_id": update_id, "message": self._snapshot(message)})

    async def pay(self, request: web.Request) -> web.Response:
        body = await _body(request)
        world = self.world
        query = world.begin_payment(
            world.user(_required_int(body, "user_id")),
            _required_int(body, "message_id"),
            chat_id=_int(body, "chat_id"),
        )
        await world.signal.wait_for(
            lambda: world.closing or query.ok is not None, self.pre_checkout_timeout, PRE_CHECKOUT
        )
        result: JSON = {"pre_checkout_query_id": query.id}
        if query.ok is None:
            world.pre_checkouts.pop(query.id, None)
            return json_response({**result, "ok": False, "error_message": None, "timed_out": True})
        if not query.ok:
            return json_response(
                {**result, "ok": False, "error_message": query.error_message, "timed_out": False}
            )
        message, update_id = world.complete_payment(query)
        return json_response(
            {**result, "ok": True, "update_id": update_id, "message": self._snapshot(message)}
        )

    # Updates, failures, logs

    async def redeliver(self, request: web.Request) -> web.Response:
        body = await _body(request)
        update_id = _required_int(body, "update_id")
        self.world.redeliver(update_id)
        return json_response({"update_id": update_id, "pending": len(self.world.pending)})

    async def updates(self, request: web.Request) -> web.Response:
        world = self.world
        return json_response(
            {
                "pending": [update.body for update in world.deliverable()],
                "last_confirmed_update_id": world.last_confirmed_update_id,
                "dropped_update_ids": list(world.dropped_update_ids),
            }
        )

    async def fail(self, request: web.Request) -> web.Response:
        body = await _body(request)
        method = canonical_method(_required_str(body, "method"))
        code = _required_int(body, "error_code")
        if not 400 <= code <= 599:
            raise ControlError(400, "error_code must be an HTTP error status (400-599)")
        count = _int(body, "count") or 1
        if count < 1:
            raise ControlError(400, "count must be positive")
        error = injected_error(code, _str(body, "description"), _int(body, "retry_after"))
        queued = self.world.inject_failure(method, error, count)
        return json_response(
            {
                "method": method,
                "error_code": code,
                "description": error.description,
                "retry_after": error.retry_after,
                "queued": queued,
            }
        )

    async def requests(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        after = _int(request.query, "after") or 0
        wanted = method.lower() if method else None
        return json_response(
            [
                record.to_json()
                for record in self.world.requests
                if record.id > after and (wanted is None or record.method.lower() == wanted)
            ]
        )

    async def commands(self, request: web.Request) -> web.Response:
        query = request.query
        scope = query.get("scope", "default")
        key: tuple[Any, ...]
        if scope in _SIMPLE_SCOPES:
            key = (scope,)
        elif scope in ("chat", "chat_administrators"):
            key = (scope, _required_int(query, "chat_id"))
        elif scope == "chat_member":
            key = (scope, _required_int(query, "chat_id"), _required_int(query, "user_id"))
        else:
            raise ControlError(400, f"unknown scope {scope!r}")
        language = query.get("language_code") or ""
        for candidate in dict.fromkeys([language, ""]):
            commands = self.world.commands.get((key, candidate))
            if commands is not None:
                return json_response(
                    {"commands": commands, "language_code": candidate, "scope": scope}
                )
        return json_response({"commands": [], "language_code": None, "scope": scope})

    async def file(self, request: web.Request) -> web.Response:
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "file not found")
        headers = {
            "Content-Type": stored.mime_type or "application/octet-stream",
            "X-Content-Type-Options": "nosniff",
        }
        # Documents download under their name; ?inline=1 asks the browser to open them
        # instead. Photos and unnamed files open inline (named after their storage path).
        name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
        inline = request.query.get("inline", "") not in ("", "0", "false")
        shown = inline or stored.kind == "photo" or not stored.file_name
        disposition = "inline" if shown else "attachment"
        if (stored.mime_type or "").split(";")[0].strip().lower() in _ACTIVE_CONTENT:
            # Served on the sandbox page's origin: never let an uploaded page run scripts there.
            disposition = "attachment"
            headers["Content-Security-Policy"] = "sandbox"
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
        encoded = quote(name, safe="")
        headers["Content-Disposition"] = (
            f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
        )
        return web.Response(body=stored.data, headers=headers)

    # SMS outbox

    async def send_sms(self, request: web.Request) -> web.Response:
        body = await _body(request)
        sms = self.world.send_sms(
            _required_str(body, "phone"), _required_str(body, "text"), _int(body, "user_id")
        )
        return json_response(sms.to_json())

    async def sms(self, request: web.Request) -> web.Response:
        world = self.world
        after = _int(request.query, "after") or 0
        user_id = _int(request.query, "user_id")
        wait = min(max(_float(request.query, "wait", 0.0), 0.0), MAX_WAIT_SECONDS)

        def fresh() -> list[JSON]:
            return [
                sms.to_json()
                for sms in world.sms
                if sms.seq > after and (user_id is None or sms.user_id == user_id)
            ]

        await world.signal.wait_for(lambda: world.closing or bool(fresh()), wait, SMS)
        messages = fresh()
        return json_response(
            {"messages": messages, "last_seq": messages[-1]["seq"] if messages else after}
        )

    async def reset(self, request: web.Request) -> web.Response:
        self.world.reset()
        logger.info("World reset")
        return json_response({"ok": True})

    # Edits, locations, group members (support desk)

    async def edit(self, request: web.Request) -> web.Response:
        body = await _body(request)
        message, update_id = self.world.user_edit(
            self.world.user(_required_int(body, "user_id")),
            _required_int(body, "message_id"),
            _required_str(body, "text"),
            chat_id=_int(body, "chat_id"),
        )
        return json_response({"update_id": update_id, "message": self._snapshot(message)})

    async def location(self, request: web.Request) -> web.Response:
        body = await _body(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (latitude, longitude)):
            raise ControlError(400, "latitude and longitude must be numbers")
        message, update_id = self.world.user_send_location(
            self.world.user(_required_int(body, "user_id")), float(latitude), float(longitude),
            chat_id=_int(body, "chat_id"), message_thread_id=_int(body, "message_thread_id"),
        )
        return json_response({"update_id": update_id, "message": self._snapshot(message)})

    async def set_member(self, request: web.Request) -> web.Response:
        body = await _body(request)
        chat = self.world.control_chat(_path_int(request, "chat_id"))
        self.world.set_member(chat, self.world.user(_required_int(body, "user_id")),
                              _str(body, "status") or "member")
        return json_response(chat.to_control())
