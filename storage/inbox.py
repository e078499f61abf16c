"""The durable inbox: updates are committed here before Telegram is told we have them.

`store` is called by the poller (before the next getUpdates offset) and by the
webhook (before the 200). `claim` hands a worker the oldest unprocessed rows,
never two workers the same user's rows at once; `done` marks rows processed and
drops their payload; `prune` forgets what is older than Telegram's week.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Executable, Update, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.coordination import notify_inbox
from storage.crypto import keyed_digest
from storage.db import single_statements
from storage.models import InboxUpdate, utcnow

# Telegram keeps an unconfirmed update for 24 hours and may reuse ids after a week
# without updates: after this a record can only mislead.
KEEP_FOR = timedelta(days=7)
# A worker that has not renewed its claims within this is presumed dead (workers renew
# theirs several times per lease, see `renew`); QAMQOR_WORKER_LEASE_SECONDS.
CLAIM_LEASE = timedelta(seconds=30)
# A user's new row waits this long for the worker it was meant for (`owner_of`) before
# any worker may take it: that worker may have died, or the workers' lists may differ
# for a moment while one starts or stops.
HANDOVER = timedelta(seconds=2)
_UPDATE_KINDS_WITHOUT_SENDER = ("poll",)


def update_digest(data: dict[str, Any]) -> str:
    """A keyed hash of the update's content: equal for a redelivery, different for a new
    update that happens to reuse an old id."""
    return keyed_digest(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def owner_of(user_id: int | None, workers: Sequence[str]) -> str:
    """The worker meant to process this user's updates: users are shared over the live
    workers (sorted by name) by their id, so one update wakes one worker, and a user
    stays with one worker while the list stays the same. "": every worker (a row
    without a sender, or no list known)."""
    if user_id is None or not workers:
        return ""
    return workers[abs(user_id) % len(workers)]


def sender_of(data: dict[str, Any]) -> int | None:
    """The user whose updates must stay in order: `from` of whatever the update carries."""
    for key, value in data.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        sender = value.get("from") or (value.get("chat") if key not in _UPDATE_KINDS_WITHOUT_SENDER else None)
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return sender["id"]
    return None


class LostClaim(Exception):
    """Another worker took this update over (this one was stalled past the lease)."""


@dataclass
class Claim:
    """The inbox row a step is processing, and the worker holding it."""

    row_id: int
    worker: str
    #: The step committed with its `fence`: the row is marked done already.
    settled: bool = False


#: The inbox row being processed in this task (set by the processor around each
#: update; the step's transaction checks it, see `fence`).
CURRENT_CLAIM: ContextVar[Claim | None] = ContextVar("CURRENT_CLAIM", default=None)


# Core statements on the table (not the mapped class): the ORM's bulk-update
# bookkeeping cost four times the statement itself.
_INBOX = InboxUpdate.__table__
_FENCE = (update(_INBOX).where(_INBOX.c.id == bindparam("row_id"), _INBOX.c.claimed_by == bindparam("worker"),
                               _INBOX.c.processed_at.is_(None))
          .values(processed_at=bindparam("now"), payload=None))
# New rows only (see `Inbox.store_claimed`); their ids tell them apart.
_STORE = {dialect: insert_into(_INBOX).on_conflict_do_nothing(index_elements=[_INBOX.c.update_id, _INBOX.c.digest])
          .returning(_INBOX.c.id, _INBOX.c.update_id, _INBOX.c.digest)
          for dialect, insert_into in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))}


def _claim_statement() -> Update:
    """`Inbox.claim` in one statement: lock the free heads of this worker's users, then
    claim their users' rows and the new rows of the users this worker holds (see
    `claim`)."""
    pending, worker = _INBOX.c.processed_at.is_(None), bindparam("worker")
    heads_of_users = (select(func.min(_INBOX.c.id)).where(pending, _INBOX.c.user_id.is_not(None))
                      .group_by(_INBOX.c.user_id))
    # Heads held by a live worker (this one too) are filtered in SQL, not after locking
    # them: a lock would make that worker's step wait for this claim.
    free = or_(_INBOX.c.claimed_by.is_(None), _INBOX.c.claimed_at.is_(None), _INBOX.c.claimed_at <= bindparam("stale"))
    # This worker's share of the users (`owner_of`), and any user whose row has waited
    # past the handover.
    share = or_(_INBOX.c.user_id.is_(None), func.abs(_INBOX.c.user_id) % bindparam("workers") == bindparam("index"),
                _INBOX.c.received_at <= bindparam("handover"))
    heads = (select(_INBOX.c.id, _INBOX.c.user_id)
             .where(pending, free, share, or_(_INBOX.c.user_id.is_(None), _INBOX.c.id.in_(heads_of_users)))
             .order_by(_INBOX.c.id).limit(bindparam("limit")).with_for_update(skip_locked=True).cte("heads"))
    held = (select(_INBOX.c.user_id).where(pending, _INBOX.c.claimed_by == worker, _INBOX.c.user_id.is_not(None))
            .cte("held"))
    return (update(_INBOX)
            .where(pending, _INBOX.c.claimed_by.is_distinct_from(worker),
                   or_(_INBOX.c.id.in_(select(heads.c.id)), _INBOX.c.user_id.in_(select(heads.c.user_id)),
                       and_(_INBOX.c.claimed_by.is_(None), _INBOX.c.user_id.in_(select(held.c.user_id)))))
            .values(claimed_by=worker, claimed_at=bindparam("now"))
            .returning(*_INBOX.c))


_CLAIM = _claim_statement()
# A row this worker's step is committing right now is skipped, not waited for: it is
# about to be done.
_RENEW = (update(_INBOX).where(_INBOX.c.id.in_(
    select(_INBOX.c.id).where(_INBOX.c.claimed_by == bindparam("worker"), _INBOX.c.processed_at.is_(None))
    .with_for_update(skip_locked=True))).values(claimed_at=bindparam("now")))


async def fence(session: AsyncSession) -> Claim | None:
    """In the step's transaction: mark the row being processed done, if this worker
    still holds it; else raise `LostClaim` (the transaction must roll back). So a
    worker stalled past its lease never commits an update another worker took over.
    The step sets the returned claim's `settled` once it has committed. The row is
    also what says the update was processed: a redelivery is not stored again.
    None: the update did not come through the inbox (nothing to mark)."""
    claim = CURRENT_CLAIM.get()
    if claim is None:
        return None
    result = await session.execute(_FENCE, {"row_id": claim.row_id, "worker": claim.worker, "now": utcnow()})
    if result.rowcount == 0:
        raise LostClaim(f"inbox row {claim.row_id} is no longer {claim.worker}'s")
    return claim


class Inbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], lease: timedelta = CLAIM_LEASE) -> None:
        self.sessions = sessions
        self.lease = lease
        #: The live workers, sorted (PostgreSQL: kept up to date by each worker from its
        #: `ClusterLink`); empty: this process is the only one, or it does not know.
        self.workers: list[str] = []
        # Each of the inbox's operations is one statement.
        self._single_statements = single_statements(sessions.kw["bind"])

    async def _execute(self, statement: Executable, params: dict[str, Any] | None = None) -> CursorResult[Any]:
        async with self._single_statements.begin() as connection:
            return await connection.execute(statement, params)

    async def store(self, updates: Sequence[dict[str, Any]]) -> int:
        """Commit new updates; a redelivered one (same id and content) is not stored again.
        Returns how many were new."""
        return len(await self.store_claimed(updates, None))

    async def store_claimed(self, updates: Sequence[dict[str, Any]], worker: str | None) -> list[InboxUpdate]:
        """As `store`, the new rows claimed for `worker` as they are written (the only
        worker, with nothing older unclaimed: see `InboxProcessor.accept`); returns them.

        One statement: a row whose update id and digest are stored already is skipped by
        the unique index, so two workers storing one redelivered update at once (a
        webhook retried while the first delivery is still being stored) store it once."""
        now = utcnow()
        rows: dict[tuple[int, str], dict[str, Any]] = {}
        for data in updates:
            digest = update_digest(data)
            rows.setdefault((data["update_id"], digest), {
                "update_id": data["update_id"], "user_id": sender_of(data), "digest": digest, "payload": data,
                "received_at": now, "claimed_by": worker, "claimed_at": now if worker else None, "processed_at": None})
        if not rows:
            return []
        async with self._single_statements.begin() as connection:
            stored = (await connection.execute(_STORE[connection.dialect.name], list(rows.values()))).all()
            ids = {(row.update_id, row.digest): row.id for row in stored}
            if ids:
                owners = {owner_of(rows[key]["user_id"], self.workers) for key in ids}
                await notify_inbox(connection, [""] if "" in owners else sorted(owners))
        return sorted((InboxUpdate(id=id_, **rows[key]) for key, id_ in ids.items()), key=lambda row: row.id)

    async def claim(self, worker: str, *, limit: int = 200, now: datetime | None = None) -> list[InboxUpdate]:
        """The oldest unprocessed rows this worker may take, claimed for it: one statement.

        A user's oldest unprocessed row (its head) stands for the user. A worker takes
        new users by locking heads `FOR UPDATE SKIP LOCKED` (PostgreSQL) that are
        unclaimed or whose claim lapsed (a worker killed stops renewing), and claims all
        their unprocessed rows; for users it already holds, it claims their new rows. So
        two workers never hold one user's rows at once, even while both are claiming,
        and a user's rows stay in order. Rows without a sender are their own head.
        Rows this worker holds already are not returned again. New users are taken
        from this worker's share (`owner_of`: the users whose rows wake it), and any
        user whose oldest row has waited past the handover.
        """
        now = now or utcnow()
        workers, index = (len(self.workers), self.workers.index(worker)) if worker in self.workers else (1, 0)
        rows = (await self._execute(_CLAIM, {"worker": worker, "now": now, "stale": now - self.lease,
                                             "limit": limit, "workers": workers, "index": index,
                                             "handover": now - HANDOVER})).all()
        return sorted((InboxUpdate(**row._mapping) for row in rows), key=lambda row: row.id)

    async def done(self, ids: Sequence[int], worker: str) -> None:
        """Mark this worker's rows processed (`claimed_by` stays: who processed them)."""
        if not ids:
            return
        await self._execute(update(_INBOX).where(
            _INBOX.c.id.in_(list(ids)), _INBOX.c.claimed_by == worker, _INBOX.c.processed_at.is_(None))
            .values(processed_at=utcnow(), payload=None))

    async def renew(self, worker: str, now: datetime | None = None) -> None:
        """This worker is alive: its claims stay fresh."""
        await self._execute(_RENEW, {"worker": worker, "now": now or utcnow()})

    async def take_over(self) -> int:
        """The only worker starting (SQLite: one process): claims left by a stopped (or
        killed) process are void. With several workers, claims lapse after the lease."""
        result = await self._execute(update(_INBOX).where(
            _INBOX.c.claimed_by.is_not(None), _INBOX.c.processed_at.is_(None)).values(claimed_by=None))
        return result.rowcount or 0

    async def release(self, worker: str) -> None:
        """Give back this worker's unfinished claims (on stop)."""
        await self._execute(update(_INBOX).where(
            _INBOX.c.claimed_by == worker, _INBOX.c.processed_at.is_(None)).values(claimed_by=None))

    async def pending_count(self) -> int:
        async with self.sessions() as session:
            return len((await session.scalars(select(InboxUpdate.id).where(InboxUpdate.processed_at.is_(None)))).all())

    async def prune(self, now: datetime | None = None) -> int:
        """Forget processed updates older than a week (each row is also the record that
        its update was processed: `store` does not store a redelivery again)."""
        cutoff = (now or utcnow()) - KEEP_FOR
        result = await self._execute(delete(_INBOX).where(_INBOX.c.processed_at.is_not(None),
                                                          _INBOX.c.processed_at < cutoff))
        return result.rowcount or 0

