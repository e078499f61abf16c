"""uvicorn inside the bot's own event loop: the API's commits wake the same outbox
worker that sends chat replies, so a status change goes out at once, not at shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import uvicorn

from bot.web.app import create_app

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    stopping: asyncio.Event | None = None  # set by `ApiServer.stop`: the main loop ends at once

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        """The bot's process handles SIGINT/SIGTERM and stops this server itself."""
        yield

    async def main_loop(self) -> None:
        """uvicorn's housekeeping (the Date header, the exit check) once a second, its
        header's resolution, where uvicorn wakes ten times a second: those wake-ups were
        a large share of an idle bot's CPU. `stop` wakes it at once."""
        self.stopping = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000  # a multiple of 10: uvicorn renews the header
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), 1.0)


class ApiServer:
    def __init__(self, qamqor: Any, host: str, port: int, *, reuse_port: bool = False) -> None:
        config = uvicorn.Config(create_app(qamqor), host=host, port=port, lifespan="off", log_config=None,
                                access_log=False, server_header=False)
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self._host = host
        self._reuse_port = reuse_port
        self.port = port

    async def start(self) -> int:
        """Listen; returns the port (the one chosen when asked for 0). The socket is
        SO_REUSEPORT: several workers on one machine share the port and the kernel spreads
        the connections (any worker may answer the webhook: it only stores the update).
        Only workers sharing PostgreSQL do so: a second SQLite bot or sandbox on the same
        port fails to start instead of silently taking half of the first one's requests."""
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self._reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((self._host, self.port))
        except OSError:
            sock.close()
            raise
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="api")
        while not self._server.started:
            if self._task.done():
                await self._task
                raise OSError("the API server did not start")
            await asyncio.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        if self._server.stopping is not None:
            self._server.stopping.set()
        with suppress(asyncio.CancelledError):
            await self._task
        self._task = None
