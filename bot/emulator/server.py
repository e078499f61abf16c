"""The emulator's HTTP server: Bot API, file downloads and the control API on one aiohttp app."""

from __future__ import annotations

import asyncio
from pathlib import Path
import contextlib
import logging
import time
from types import TracebackType
from typing import TYPE_CHECKING

from aiohttp import web

from .botapi import BotApi, canonical_method
from .control import ControlApi, control_errors, json_response
from .errors import ApiError
from .flood import FloodControl
from .models import Signal
from .params import Params
from .webhook import WebhookDelivery
from .world import World

if TYPE_CHECKING:
    from bot.sandbox import SandboxPage

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:SANDBOX"
MAX_REQUEST_SIZE = 60 * 1024 * 1024
_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


class Emulator:
    """A fake api.telegram.org plus a control API, served inside the caller's event loop.

    Point python-telegram-bot at it with
    ``Application.builder().token(token).base_url(emu.bot_api_base_url)
    .base_file_url(emu.file_base_url)``. With ``sandbox_page=True`` it also serves the
    browser page of :mod:`bot.sandbox` at ``/``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        pre_checkout_timeout: float = 10.0,
        webhook_timeout: float = 10.0,
        webhook_max_attempts: int = 3,
        webhook_backoff: float = 0.2,
        sandbox_page: bool = False,
        update_id_file: Path | None = None,
        flood_control: bool | FloodControl = False,
    ) -> None:
        self.world = World(token)
        #: Telegram's sending limits enforced with 429 answers (``flood_control=True``).
        self.flood: FloodControl | None = (
            flood_control if isinstance(flood_control, FloodControl)
            else FloodControl() if flood_control else None
        )
        if update_id_file is not None:
            self.world.keep_update_ids_in(update_id_file)
        self.api = BotApi(self.world)
        self.control = ControlApi(self.world, pre_checkout_timeout=pre_checkout_timeout)
        self._delivery = WebhookDelivery(
            self.world,
            timeout=webhook_timeout,
            max_attempts=webhook_max_attempts,
            backoff=webhook_backoff,
        )
        self._runner: web.AppRunner | None = None
        self._delivery_task: asyncio.Task[None] | None = None
        self._base_url: str | None = None
        #: The browser page at ``/`` (docs/sandbox.md), when asked for with ``sandbox_page``.
        self.sandbox: SandboxPage | None = None
        if sandbox_page:
            from bot.sandbox import SandboxPage

            self.sandbox = SandboxPage(self.world)

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not running")
        return self._base_url

    @property
    def bot_api_base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` (PTB appends the token and method)."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url``."""
        return f"{self.base_url}/file/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving; ``port=0`` picks a free port. Returns the base URL."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        app = web.Application(client_max_size=MAX_REQUEST_SIZE, middlewares=[control_errors])
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        self.control.add_routes(app.router)
        if self.sandbox is not None:
            self.sandbox.add_routes(app.router)
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1]
        shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        if ":" in shown_host:
            shown_host = f"[{shown_host}]"
        self._base_url = f"http://{shown_host}:{bound_port}"
        self.world.base_url = self._base_url
        self.world.closing = False
        self.world.signal = Signal()  # asyncio primitives bind to the loop that first uses them
        self._delivery_task = asyncio.create_task(self._delivery.run(), name="emulator-webhook")
        logger.info("Telegram emulator listening on %s", self._base_url)
        return self._base_url

    async def stop(self) -> None:
        """Stop serving; pending long polls and waits return at once."""
        self.world.close()
        if self._delivery_task is not None:
            self._delivery_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery_task
            self._delivery_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._base_url = None
        logger.info("Telegram emulator stopped")

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _handle_bot_api(self, request: web.Request) -> web.Response:
        world = self.world
        if request.match_info["token"] != world.token:
            return json_response(_UNAUTHORIZED, 401)
        method = canonical_method(request.match_info["method"])
        started = time.monotonic()
        try:
            params = await Params.from_request(request)
        except ApiError as exc:
            record = world.log_request(method, {})
            record.status, record.description = exc.code, exc.description
            return json_response(exc.to_json(), exc.code)
        record = world.log_request(method, params.loggable())
        failure = world.pop_failure(method)
        if failure is not None:
            status, body = failure.code, failure.to_json()
        else:
            try:
                if self.flood is not None:
                    self.flood.check(method, params.raw("chat_id"))
                result = await self.api.dispatch(method, params)
            except ApiError as exc:
                status, body = exc.code, exc.to_json()
            else:
                status, body = 200, {"ok": True, "result": result}
        record.status = status
        record.description = body.get("description")
        record.duration_ms = round((time.monotonic() - started) * 1000, 3)
        if status != 200:
            logger.debug("%s -> %d %s", method, status, record.description)
        return json_response(body, status)

    async def _handle_download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.world.token:
            return json_response(_UNAUTHORIZED, 401)
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return json_response(_NOT_FOUND, 404)
        return web.Response(
            body=stored.data,
            headers={"Content-Type": stored.mime_type or "application/octet-stream"},
        )
