"""Several worker processes on one PostgreSQL database: what they share besides rows.

- `claim_job`: a background job (reminders, partner webhooks) runs in one worker at a time; the
  others skip that pass. A transaction-level advisory lock: released with the
  transaction that wrote the job's effects, so the next worker sees them.
- `ClusterLink`: one dedicated connection per worker for LISTEN (a new inbox row
  wakes the worker it is meant for at once, not at its next recheck) and for the
  session-level advisory lock that elects the one worker calling getUpdates. A
  killed worker's connection closes, and PostgreSQL releases its lock at once.
  These connections, named after their workers, are also the list of the live
  workers (`members`) that the inbox shares users over (`storage.inbox.owner_of`).

On SQLite (one process) every job is this process's and nothing is shared.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

log = logging.getLogger(__name__)

# Advisory lock keys: any constants all workers agree on (storage.db.MIGRATION_LOCK too).
LOCKS = {"reminders": 0x51414D52, "poller": 0x51414D50, "partner_webhooks": 0x51414D57}
INBOX_CHANNEL = "qamqor_inbox"
WORKER_PREFIX = "qamqor "  # a worker's own connection's application_name: the prefix, then its name
_NOTIFY_INBOX = text("SELECT pg_notify(:channel, worker) FROM unnest(CAST(:workers AS text[])) AS worker")
_MEMBERS = (f"SELECT coalesce(array_agg(application_name ORDER BY application_name), '{{}}') FROM pg_stat_activity "
            f"WHERE datname = current_database() AND application_name LIKE '{WORKER_PREFIX}%'")
CHECK_TIMEOUT = 5.0


async def claim_job(session: AsyncSession, job: str) -> bool:
    """Whether this transaction may run `job` now (False: another worker is running it)."""
    if session.bind.dialect.name != "postgresql":
        return True
    return bool((await session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                       {"key": LOCKS[job]})).scalar_one())


async def notify_inbox(connection: AsyncConnection, workers: Collection[str]) -> None:
    """Wake these workers ("": every worker) when this transaction commits (PostgreSQL's
    NOTIFY, one notification each on one channel)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(_NOTIFY_INBOX, {"channel": INBOX_CHANNEL, "workers": list(workers)})


def asyncpg_dsn(url: str | URL) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ClusterLink:
    """This worker's own connection to PostgreSQL (see the module's docstring)."""

    def __init__(self, database_url: str | URL, name: str = "qamqor") -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.name = (WORKER_PREFIX + name)[:63]  # shown in pg_stat_activity.application_name
        self._connection = None
        self._listeners: dict[str, Callable[[str], None]] = {}
        self.held: set[str] = set()
        #: The live workers' names, sorted (as of the last `check`).
        self.members: list[str] = []

    async def open(self) -> None:
        import asyncpg

        self.held.clear()
        self._connection = await asyncpg.connect(self.dsn, server_settings={"application_name": self.name})
        for channel, wake in self._listeners.items():
            await self._connection.add_listener(channel, _payload_to(wake))

    async def listen(self, channel: str, wake: Callable[[str], None]) -> None:
        """Call `wake(payload)` for each notification on `channel`."""
        self._listeners[channel] = wake
        if self._connection is not None:
            await self._connection.add_listener(channel, _payload_to(wake))

    async def try_lock(self, name: str) -> bool:
        """Take the session-level lock `name` if no other worker holds it."""
        if name in self.held:
            return True
        if self._connection is not None and await self._connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", LOCKS[name]):
            self.held.add(name)
        return name in self.held

    async def check(self) -> bool:
        """The connection still works (and so its locks are still held); reopened if not.
        Reads the live workers (`members`) on the way."""
        try:
            if self._connection is None or self._connection.is_closed():
                raise ConnectionError("closed")
            names = await asyncio.wait_for(self._connection.fetchval(_MEMBERS), CHECK_TIMEOUT)
            self.members = [name.removeprefix(WORKER_PREFIX) for name in names]
            return True
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("lost the worker's own database connection (%s); reconnecting", exc.__class__.__name__)
            await self.close()
            try:
                await self.open()
            except Exception as again:
                log.warning("could not reconnect (%s); trying again shortly", again.__class__.__name__)
            return False

    async def close(self) -> None:
        self.members = []
        connection, self._connection = self._connection, None
        self.held.clear()
        if connection is not None:
            try:
                await asyncio.wait_for(connection.close(), CHECK_TIMEOUT)
            except Exception:
                connection.terminate()


def _payload_to(wake: Callable[[str], None]) -> Callable[..., None]:
    """asyncpg's listener callback (connection, pid, channel, payload) as `wake(payload)`."""
    return lambda _connection, _pid, _channel, payload: wake(payload)
