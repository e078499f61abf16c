"""What the concurrent steps have sent, recorded in shared transactions (group commit).

A step sends its replies right after its own commit; then the rows must be marked
sent and a new screen's message id kept, so that the user's next step edits it. Each
step waiting for a transaction of its own would cost a begin, a statement and a commit
per step; instead a step hands its record in and waits for the next transaction, which
takes every record handed in until the write slot is free. With one step in flight
that is one transaction right away, as before; with thirty, one for many steps. The
step still waits for its record to be committed, so the user's next update (which
runs after it) reads the new screen, and a crash can re-send no more than before:
rows sent but not yet recorded. On PostgreSQL the two statements (the rows sent,
the screens shown) commit one by one, without BEGIN and COMMIT round trips: they
are independent facts. A crash between them loses only the screens' message ids
(the next screen then comes as a new message, and the unrecorded one keeps its
buttons), as a crash before both already did, which also re-sends the rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import session_factory, single_statements
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SentRecord:
    """One step's sent outbox rows, and the screens (user id, message id) it showed."""

    message_ids: Sequence[int]
    screens: Sequence[tuple[int, int]] = ()


class SentReplies:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 write_slot: Callable[[], AbstractAsyncContextManager[object]],
                 clock: Callable[[], datetime]) -> None:
        self._sessions = session_factory(single_statements(sessions.kw["bind"]))
        self._write_slot = write_slot
        self._clock = clock
        self._waiting: list[tuple[SentRecord, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, record: SentRecord) -> None:
        """Return once `record` is committed; raise what the transaction raised. A
        caller cancelled meanwhile leaves its record in the transaction."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((record, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        while self._waiting:
            async with self._write_slot():
                batch, self._waiting = self._waiting, []
                try:
                    async with UnitOfWork(self._sessions) as uow:
                        await uow.outbox.mark_all_sent([i for record, _ in batch for i in record.message_ids],
                                                       self._clock())
                        await uow.screens.shown_all([s for record, _ in batch for s in record.screens])
                        await uow.commit()
                except Exception as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                    continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
