"""aiohttp routes of the sandbox page: the static files and ``GET /control/sandbox``."""

from __future__ import annotations

import json
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.emulator.models import Chat, User
from bot.emulator.world import World

if TYPE_CHECKING:
    from bot.sandbox.clinic import ClinicDesk

logger = logging.getLogger(__name__)

OPERATOR_NAME = "Operator"
#: Outside the range ordinary users get (100000001 up), so scripts' first user stays 100000001.
OPERATOR_USER_ID = 900000001
OPERATOR_USERNAME = "qamqor_operator"
OPERATOR_LANGUAGE = "ru"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Everything the page loads comes from this server; nothing from another host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _static_names() -> dict[str, str]:
    folder = resources.files(__package__).joinpath("static")
    return {
        entry.name: _CONTENT_TYPES[suffix]
        for entry in folder.iterdir()
        if entry.is_file() and (suffix := "." + entry.name.rsplit(".", 1)[-1]) in _CONTENT_TYPES
    }


class SandboxPage:
    """Serves the page and tells it which chat is the staff chat.

    ``staff_chat_id`` is the group where the bot posts support requests; when it is not
    set, the first group chat created in the emulator is taken. A staff member, the
    "Operator" user, is created on demand so the page can answer in that chat.

    ``clinic`` (a :class:`bot.sandbox.clinic.ClinicDesk`, set by ``python -m bot sandbox``)
    serves the clinic pane's ``/control/clinic`` endpoints; without it they answer 503.
    """

    def __init__(self, world: World, staff_chat_id: int | None = None) -> None:
        self.world = world
        self.staff_chat_id = staff_chat_id
        self._operator_id: int | None = None
        self.clinic: ClinicDesk | None = None
        self._files = _static_names()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/", self.index)
        router.add_get("/sandbox/{name}", self.static)
        router.add_get("/control/sandbox", self.settings)
        router.add_get("/control/clinic", self.clinic_overview)
        router.add_post("/control/clinic/{action}", self.clinic_action)

    # Static files

    def _read(self, name: str) -> bytes:
        return resources.files(__package__).joinpath("static", name).read_bytes()

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self._read("index.html"),
            headers={
                **_HEADERS,
                "Content-Type": _CONTENT_TYPES[".html"],
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            },
        )

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        content_type = self._files.get(name)
        if content_type is None or name == "index.html":
            raise web.HTTPNotFound()
        return web.Response(
            body=self._read(name), headers={**_HEADERS, "Content-Type": content_type}
        )

    # What the page needs to know

    def staff_chat(self) -> Chat | None:
        chats = self.world.chats
        if self.staff_chat_id is not None:
            return chats.get(self.staff_chat_id)
        return next((chat for chat in chats.values() if chat.type != "private"), None)

    def operator(self) -> User:
        """The staff member who answers in the staff chat (re-created after a reset)."""
        user = self.world.users.get(self._operator_id) if self._operator_id else None
        if user is None:
            user = next(
                (u for u in self.world.users.values() if u.username == OPERATOR_USERNAME), None
            )
        if user is None:
            free = OPERATOR_USER_ID not in self.world.users
            user = self.world.create_user(
                OPERATOR_NAME,
                username=OPERATOR_USERNAME,
                language_code=OPERATOR_LANGUAGE,
                user_id=OPERATOR_USER_ID if free else None,
            )
            logger.info("sandbox: created staff user %s (%s)", user.id, OPERATOR_NAME)
        self._operator_id = user.id
        return user

    async def settings(self, request: web.Request) -> web.Response:
        chat = self.staff_chat()
        operator = self.operator() if chat is not None else None
        if chat is not None and operator is not None and chat.members.get(operator.id) != "administrator":
            # Staff are the staff chat's administrators: the operator answers customers.
            self.world.set_member(chat, operator, "administrator")
        bot = self.world.bot
        body: dict[str, Any] = {
            "staff_chat_id": chat.id if chat is not None else self.staff_chat_id,
            "staff_chat": chat.to_control() if chat is not None else None,
            "operator": operator.to_control() if operator is not None else None,
            "bot": {"id": bot.id, "first_name": bot.first_name, "username": bot.username},
            "clinic": self.clinic is not None,
        }
        return web.json_response(body, dumps=lambda data: json.dumps(data, ensure_ascii=False))

    # The clinic pane (Dariger Online), when a bot runs in this process

    def _no_clinic(self) -> web.Response:
        return web.json_response(
            {"ok": False, "code": "no_clinic", "values": {},
             "description": "no clinic here: start the sandbox with `python -m bot sandbox`"},
            status=503,
        )

    async def clinic_overview(self, request: web.Request) -> web.Response:
        if self.clinic is None:
            return self._no_clinic()
        return await self.clinic.overview(request)

    async def clinic_action(self, request: web.Request) -> web.Response:
        if self.clinic is None:
            return self._no_clinic()
        return await self.clinic.act(request)
