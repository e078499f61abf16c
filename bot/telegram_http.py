"""python-telegram-bot's HTTP backend on aiohttp, which the project already uses.

PTB's default backend is httpx. Under load its connection pool re-examines every
connection for every request it assigns (httpcore's `_assign_requests_to_connections`),
which cost a seventh of the bot's CPU with 30 steps in flight (bench/steps.py, cProfile).
aiohttp's connector hands out a free connection at once. PTB documents `BaseRequest`
as the way to bring another backend: it keeps the Bot API's error handling (the
answer's status and JSON become PTB's errors); this class only moves bytes. Calls
without files go as one JSON body, as the Bot API accepts, instead of a form with
each value JSON-encoded and URL-quoted.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `connection_pool_size` connections; timeouts
    as PTB's HTTPXRequest (seconds; None waits forever)."""

    def __init__(self, *, connection_pool_size: int = 1, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                json_serialize=json.dumps,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        default = BaseRequest.DEFAULT_NONE  # a timeout not given: this request's own
        read = self._read_timeout if read_timeout is default else read_timeout
        write = ((self._media_write_timeout if files else self._write_timeout)
                 if write_timeout is default else write_timeout)
        connect = self._connect_timeout if connect_timeout is default else connect_timeout
        pool = self._pool_timeout if pool_timeout is default else pool_timeout
        # aiohttp's `connect` includes the wait for a free connection; it has no write
        # timeout of its own, so sending a body counts against the read timeout too.
        timeout = aiohttp.ClientTimeout(
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=None if read is None or write is None else read + write,
        )
        body: dict[str, Any] = {}
        if files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mime_type) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime_type)
            body["data"] = form
        elif request_data is not None and request_data.parameters:
            body["json"] = request_data.parameters
        try:
            async with self._session.request(method, url, timeout=timeout, **body) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
