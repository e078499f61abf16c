"""Telegram's sending limits shared by every worker, in PostgreSQL.

One statement per message reserves a slot in the chat's bucket, then in the
overall bucket no earlier than the chat's slot (`bot.send_limits.schedule`, the
same GCRA in SQL), on the database's clock so that workers on several machines
agree. Rows are locked chat first, overall second, in every statement: no
deadlock. The caller sleeps until its slot.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import SendSlot

if TYPE_CHECKING:  # the rules are the bot's (bot.send_limits); storage only keeps the buckets
    from bot.send_limits import Limits

_RESERVE = text("""
WITH clock AS (SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS now),
chat AS (
    INSERT INTO send_slots AS s (key, tat, last_at)
    SELECT :chat_key, now + :chat_interval, now FROM clock
    ON CONFLICT (key) DO UPDATE SET
        last_at = GREATEST(EXCLUDED.last_at, s.tat - :chat_tolerance),
        tat = GREATEST(s.tat, EXCLUDED.last_at, s.tat - :chat_tolerance) + :chat_interval
    RETURNING last_at)
INSERT INTO send_slots AS s (key, tat, last_at)
SELECT 'overall', chat.last_at + :interval, chat.last_at FROM chat
ON CONFLICT (key) DO UPDATE SET
    last_at = GREATEST(EXCLUDED.last_at, s.tat - :tolerance),
    tat = GREATEST(s.tat, EXCLUDED.last_at, s.tat - :tolerance) + :interval
RETURNING last_at - (SELECT now FROM clock)
""")

_PENALISE = text("""
INSERT INTO send_slots AS s (key, tat, last_at)
SELECT :key, EXTRACT(EPOCH FROM clock_timestamp()) + :seconds + :tolerance, EXTRACT(EPOCH FROM clock_timestamp())
ON CONFLICT (key) DO UPDATE SET tat = GREATEST(s.tat, EXCLUDED.tat)
""")


class SharedLimiter:
    def __init__(self, engine: AsyncEngine, limits: Limits) -> None:
        # Each reservation is its own statement, committed at once: the bucket rows are
        # locked only for that statement.
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.limits = limits
        self.waited = 0.0

    async def acquire(self, chat_id: int) -> None:
        chat = self.limits.for_chat(chat_id)
        overall = self.limits.overall
        async with self.engine.connect() as connection:
            wait = (await connection.execute(_RESERVE, {
                "chat_key": f"chat:{chat_id}", "chat_interval": chat.interval, "chat_tolerance": chat.tolerance,
                "interval": overall.interval, "tolerance": overall.tolerance})).scalar_one()
        if wait > 0:
            self.waited += wait
            await asyncio.sleep(wait)

    async def penalise(self, chat_id: int, seconds: float) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(_PENALISE, {"key": f"chat:{chat_id}", "seconds": seconds,
                                                 "tolerance": self.limits.for_chat(chat_id).tolerance})

    async def prune(self) -> None:
        """Forget chats idle for a minute (their bucket is full again)."""
        async with self.engine.connect() as connection:
            await connection.execute(delete(SendSlot).where(
                SendSlot.key != "overall", SendSlot.tat < time.time() - 60))
