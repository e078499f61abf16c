"""The durable inbox: updates are committed here before Telegram is told we have them.

`store` is called by the poller (before the next getUpdates offset) and by the
webhook (before the 200). `claim` hands a worker the oldest unprocessed rows,
never two workers the same user's rows at once; `done` marks rows processed and
drops their payload; `prune` forgets what is older than Telegram's week.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.crypto import keyed_digest
from storage.models import InboxUpdate, ProcessedUpdate, utcnow

# Telegram keeps an unconfirmed update for 24 hours and may reuse ids after a week
# without updates: after this a record can only mislead.
KEEP_FOR = timedelta(days=7)
# A worker that has not renewed its claims within this is presumed dead (workers renew
# theirs every pass, see `renew`).
CLAIM_LEASE = timedelta(seconds=30)
_UPDATE_KINDS_WITHOUT_SENDER = ("poll",)


def update_digest(data: dict[str, Any]) -> str:
    """A keyed hash of the update's content: equal for a redelivery, different for a new
    update that happens to reuse an old id."""
    return keyed_digest(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def sender_of(data: dict[str, Any]) -> int | None:
    """The user whose updates must stay in order: `from` of whatever the update carries."""
    for key, value in data.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from") or (value.get("chat") if key not in _UPDATE_KINDS_WITHOUT_SENDER else None)
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return sender["id"]
    return None


class Inbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def store(self, updates: Sequence[dict[str, Any]]) -> int:
        """Commit new updates; a redelivered one (same id and content) is not stored again.
        Returns how many were new."""
        if not updates:
            return 0
        async with self.sessions() as session:
            ids = [u["update_id"] for u in updates]
            known = {(row.update_id, row.digest) for row in (await session.execute(
                select(InboxUpdate.update_id, InboxUpdate.digest).where(InboxUpdate.update_id.in_(ids)))).all()}
            stored = 0
            for data in updates:
                digest = update_digest(data)
                if (data["update_id"], digest) in known:
                    continue
                known.add((data["update_id"], digest))
                session.add(InboxUpdate(update_id=data["update_id"], user_id=sender_of(data), digest=digest,
                                        payload=data))
                stored += 1
            await session.commit()
            return stored

    async def claim(self, worker: str, *, exclude: set[int] = frozenset(), limit: int = 200,
                    now: datetime | None = None) -> list[InboxUpdate]:
        """The oldest unprocessed rows this worker may take, claimed for it.

        A user's rows go to one worker: rows of a user with a fresh claim by another
        worker are left alone. On PostgreSQL the rows are locked `FOR UPDATE SKIP
        LOCKED`, so concurrent workers never claim the same row.
        """
        now = now or utcnow()
        stale = now - CLAIM_LEASE
        async with self.sessions() as session:
            query = (select(InboxUpdate).where(InboxUpdate.processed_at.is_(None))
                     .order_by(InboxUpdate.id).limit(limit))
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = (await session.scalars(query)).all()
            busy_users = {row.user_id for row in rows
                          if row.claimed_by not in (None, worker) and row.claimed_at and row.claimed_at > stale}
            taken: list[InboxUpdate] = []
            for row in rows:
                if row.id in exclude or (row.user_id is not None and row.user_id in busy_users):
                    continue
                row.claimed_by, row.claimed_at = worker, now
                taken.append(row)
            await self._forget_stale_records(session, taken)
            await session.commit()
            return taken

    @staticmethod
    async def _forget_stale_records(session: AsyncSession, rows: Sequence[InboxUpdate]) -> None:
        """A processed-update record older than the row belongs to an earlier update with
        the same id (a restarted emulator, or Telegram reusing ids after a week): drop it,
        so the new update is not mistaken for the old one. A record made after the row
        arrived means the row itself was processed (a crash before `done`)."""
        if not rows:
            return
        arrived = {row.update_id: row.received_at for row in rows}
        records = (await session.scalars(
            select(ProcessedUpdate).where(ProcessedUpdate.update_id.in_(list(arrived))))).all()
        for record in records:
            if record.processed_at < arrived[record.update_id]:
                await session.delete(record)

    async def done(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        async with self.sessions() as session:
            await session.execute(update(InboxUpdate).where(InboxUpdate.id.in_(list(ids)))
                                  .values(processed_at=utcnow(), payload=None, claimed_by=None))
            await session.commit()

    async def renew(self, worker: str, now: datetime | None = None) -> None:
        """This worker is alive: its claims stay fresh."""
        async with self.sessions() as session:
            await session.execute(update(InboxUpdate).where(
                InboxUpdate.claimed_by == worker, InboxUpdate.processed_at.is_(None)).values(claimed_at=now or utcnow()))
            await session.commit()

    async def take_over(self) -> int:
        """The only worker starting: claims left by a stopped (or killed) process are void."""
        async with self.sessions() as session:
            result = await session.execute(update(InboxUpdate).where(
                InboxUpdate.claimed_by.is_not(None), InboxUpdate.processed_at.is_(None)).values(claimed_by=None))
            await session.commit()
            return result.rowcount or 0

    async def release(self, worker: str) -> None:
        """Give back this worker's unfinished claims (on stop)."""
        async with self.sessions() as session:
            await session.execute(update(InboxUpdate).where(
                InboxUpdate.claimed_by == worker, InboxUpdate.processed_at.is_(None)).values(claimed_by=None))
            await session.commit()

    async def pending_count(self) -> int:
        async with self.sessions() as session:
            return len((await session.scalars(select(InboxUpdate.id).where(InboxUpdate.processed_at.is_(None)))).all())

    async def prune(self, now: datetime | None = None) -> int:
        """Forget processed updates older than a week (the inbox and the dedupe records)."""
        cutoff = (now or utcnow()) - KEEP_FOR
        async with self.sessions() as session:
            inbox = await session.execute(delete(InboxUpdate).where(
                InboxUpdate.processed_at.is_not(None), InboxUpdate.processed_at < cutoff))
            records = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff))
            await session.commit()
            return (inbox.rowcount or 0) + (records.rowcount or 0)

