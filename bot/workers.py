"""`python -m bot run --workers N`: N worker processes on one machine (PostgreSQL).

The supervisor migrates once, starts N `python -m bot run` processes, restarts
one that dies, and passes SIGTERM/SIGINT on to all of them. Each worker is a
whole bot: it answers the webhook (a shared port) or, if elected, polls; every
one of them processes the inbox and sends the outbox (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from bot.settings import Settings
from storage.db import create_engine, migrate

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0
CONFIGURATION_ERROR = 2  # a worker that exits with this would fail the same way again
STOP_TIMEOUT = 30.0


async def _migrate(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


async def _supervise(count: int) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def start(index: int) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run")
        log.info("worker %s started (pid %s)", index, process.pid)
        return process

    workers = {index: await start(index) for index in range(count)}
    status = 0
    while not stop.is_set():
        waits = {asyncio.ensure_future(p.wait()): i for i, p in workers.items()}
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait([*waits, stopping], return_when=asyncio.FIRST_COMPLETED)
        for future in waits:
            if future not in done:
                future.cancel()
        stopping.cancel()
        for future in done:
            if future is stopping:
                continue
            index = waits[future]
            code = future.result()
            if code == CONFIGURATION_ERROR:
                log.error("worker %s stopped on a configuration error; stopping all", index)
                status = CONFIGURATION_ERROR
                stop.set()
                break
            if not stop.is_set():
                log.warning("worker %s (pid %s) exited with %s; restarting it", index, workers[index].pid, code)
                await asyncio.sleep(RESTART_DELAY)
                workers[index] = await start(index)
    for process in workers.values():
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in workers.values():
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
    return status


def run_workers(settings: Settings, count: int) -> int:
    """Migrate (the workers then find nothing to do), run `count` workers until stopped."""
    asyncio.run(_migrate(settings))
    return asyncio.run(_supervise(count))
