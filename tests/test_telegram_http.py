"""The bot's HTTP backend (bot/telegram_http.py) fails the way PTB's own does: an
unreachable Telegram is a NetworkError, a slow one TimedOut, so the outbox retries."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.telegram_http import AiohttpRequest


@pytest.fixture
async def slow_telegram() -> AsyncIterator[str]:
    async def answer(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_telegram_is_a_network_error():
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp.Client"):
            await request.post(f"http://127.0.0.1:{free_port()}/botTOKEN/getMe", RequestData())
    finally:
        await request.shutdown()


async def test_a_slow_telegram_times_out_as_asked(slow_telegram):
    request = AiohttpRequest(read_timeout=0.2, write_timeout=0.1)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{slow_telegram}/botTOKEN/getMe", RequestData())
    finally:
        await request.shutdown()


async def test_a_request_before_initialize_is_refused():
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/", "POST")
