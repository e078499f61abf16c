"""Updates in: the poller that stores before it acknowledges, and the inbox processor.

Polling: `getUpdates` returns a batch; the batch is committed to the inbox, and
only then is the next offset (which confirms the batch to Telegram) asked for.
A webhook stores through `QamqorBot.receive_update` before answering 200.

Processing: the processor claims unprocessed rows and hands each user's rows,
in order, to that user's lane; lanes of different users run concurrently. Each
row goes through PTB's `Application.process_update` (and so the dispatcher's
single handler, whose transaction records the update id with its effects); the
row is then marked done. A crash anywhere leaves the row unprocessed or its
effects recorded, never both lost: on restart it is processed again and the
dispatcher skips it if its effects are already committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError

from bot.bot_api import raw_call
from storage.inbox import CURRENT_CLAIM, Claim, Inbox
from storage.models import InboxUpdate, utcnow

log = logging.getLogger(__name__)

MAX_LANES = 64
CLAIM_BATCH = 200
RENEWALS_PER_LEASE = 4
RECHECK_EVERY = 2.0  # seconds: rows of other workers whose claims lapsed, retries after an error
POLL_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
READ_SLACK = 30.0  # seconds a long poll's answer may take beyond its timeout

ProcessOne = Callable[[dict[str, Any]], Awaitable[None]]


class InboxProcessor:
    """Claims inbox rows and processes them in order per user, concurrently across users."""

    def __init__(self, inbox: Inbox, process: ProcessOne, write_slots: asyncio.Semaphore,
                 worker: str | None = None) -> None:
        self.inbox = inbox
        self.process = process
        self.write_slots = write_slots
        self.worker = worker or f"{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._queues: dict[int, deque[InboxUpdate]] = {}
        self._lanes: dict[int, asyncio.Task[None]] = {}
        self._taken: set[int] = set()
        self._done: list[int] = []
        self._lane_slots = asyncio.Semaphore(MAX_LANES)
        self._idle = asyncio.Event()
        self._idle.set()
        self._renewed = utcnow()
        #: The only worker, with no unclaimed backlog: rows are claimed as they are stored
        #: and handed over by `accept` (no claim query per batch).
        self.claims_on_store = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self, *, only_worker: bool = True) -> None:
        """Forever: claim what is new, feed the lanes, record what is done. Never dies.

        `only_worker`: this process is the inbox's only worker (SQLite), so claims a
        killed process left are taken over at once. With several workers (PostgreSQL)
        another one may be alive and busy with them: they lapse after the lease.
        """
        if only_worker:
            try:
                async with self.write_slots:
                    if taken := await self.inbox.take_over():
                        log.warning("%s updates were being processed when the last process stopped; "
                                    "processing them again", taken)
            except Exception:
                log.exception("could not take over the inbox's old claims; they lapse after the lease")
        while True:
            try:
                claimed = await self.run_once()
                # Nothing older left unclaimed: new rows may be claimed as they are stored
                # without overtaking an older row of the same user.
                self.claims_on_store = only_worker and claimed < CLAIM_BATCH
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("inbox processing failed; retrying")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RECHECK_EVERY)
            self._wake.clear()

    async def run_once(self) -> int:
        await self._record_done()
        async with self.write_slots:
            now = utcnow()
            if self._taken and now - self._renewed > self.inbox.lease / RENEWALS_PER_LEASE:
                await self.inbox.renew(self.worker, now)
                self._renewed = now
            rows = await self.inbox.claim(self.worker, limit=CLAIM_BATCH)
        self.accept(rows)
        return len(rows)

    def accept(self, rows: list[InboxUpdate]) -> None:
        """Rows claimed for this worker, in id order: each to its user's lane."""
        for row in rows:
            self._taken.add(row.id)
            lane = row.user_id if row.user_id is not None else -row.id  # no sender: its own lane
            self._queues.setdefault(lane, deque()).append(row)
            if lane not in self._lanes:
                self._idle.clear()
                self._lanes[lane] = asyncio.create_task(self._lane(lane), name=f"inbox-lane-{lane}")

    async def _lane(self, lane: int) -> None:
        queue = self._queues[lane]
        try:
            async with self._lane_slots:
                while queue:
                    row = queue[0]
                    claim = Claim(row.id, self.worker)
                    token = CURRENT_CLAIM.set(claim)
                    try:
                        if row.payload is not None:
                            await self.process(row.payload)
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        # PTB reports handler errors itself; this is a malformed update.
                        log.exception("inbox row %s (update %s) could not be processed", row.id, row.update_id)
                    finally:
                        CURRENT_CLAIM.reset(token)
                    queue.popleft()
                    if claim.settled:  # marked done in the step's own transaction
                        self._taken.discard(row.id)
                    else:
                        self._done.append(row.id)
                        self.wake()
        finally:
            self._queues.pop(lane, None)
            self._lanes.pop(lane, None)
            if not self._lanes:
                self._idle.set()

    async def _record_done(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, []
        try:
            async with self.write_slots:
                await self.inbox.done(done, self.worker)
        except BaseException:
            self._done.extend(done)
            raise
        self._taken.difference_update(done)

    async def drain(self, timeout: float) -> None:
        """Let the lanes finish what they hold (on stop), then record it."""
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        for task in list(self._lanes.values()):
            task.cancel()
        for task in list(self._lanes.values()):
            with suppress(asyncio.CancelledError):
                await task
        with suppress(Exception):
            await self._record_done()
        with suppress(Exception):
            async with self.write_slots:
                await self.inbox.release(self.worker)


class Poller:
    """Long polling that acknowledges a batch only after committing it to the inbox."""

    def __init__(self, bot: Bot, store: Callable[[list[dict[str, Any]]], Awaitable[int]],
                 *, timeout: int, poll_interval: float = 0.0) -> None:
        self.bot = bot
        self.store = store
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.offset: int | None = None

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                if failures == 0 and self.offset is None:
                    await self.bot.delete_webhook()
                # As JSON: the inbox stores what Telegram sent; Update objects are made
                # when a row is processed, not here as well.
                updates = await raw_call(self.bot, "getUpdates", offset=self.offset, timeout=self.timeout,
                                         allowed_updates=list(Update.ALL_TYPES),
                                         read_timeout=self.timeout + READ_SLACK)
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                log.error("Telegram refused the bot token; polling stops")
                raise
            except (Conflict, NetworkError, TelegramError) as exc:
                delay = POLL_BACKOFF[min(failures, len(POLL_BACKOFF) - 1)]
                failures += 1
                log.warning("getUpdates failed (%s); again in %ss", exc.__class__.__name__, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if updates:
                await self._store_until_stored(updates)
                self.offset = updates[-1]["update_id"] + 1  # acknowledged only now
            if self.poll_interval:
                await asyncio.sleep(self.poll_interval)

    async def _store_until_stored(self, batch: list[dict[str, Any]]) -> None:
        """Never move the offset past an update that is not committed."""
        attempt = 0
        while True:
            try:
                await self.store(batch)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = POLL_BACKOFF[min(attempt, len(POLL_BACKOFF) - 1)]
                attempt += 1
                log.exception("could not store %s updates in the inbox; again in %ss", len(batch), delay)
                await asyncio.sleep(delay)
