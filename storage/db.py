"""Engine, migrations and the unit of work (one per update)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from aiosqlite.core import _STOP_RUNNING_SENTINEL
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Table, event, insert, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).parent / "migrations"


# PostgreSQL connections a process keeps (as many as the steps it runs at once, see
# `bot.dispatcher.Dispatcher.write_slots`), and may open beyond them for a moment.
# SQLAlchemy's default (5 kept, 10 more) closed a connection after nearly every step
# under load and opened a new one for the next: a third of a worker's CPU went to
# connecting and preparing statements again (bench/workers.py, py-spy).
POSTGRES_POOL = 32
POSTGRES_OVERFLOW = 8


def create_engine(database_url: str | URL, *, transactional_ddl: bool = False) -> AsyncEngine:
    """An async engine; for SQLite the folder is created and WAL is switched on.

    `transactional_ddl` (SQLite, for migrations): Python's sqlite3 driver commits each
    CREATE/ALTER by itself when no transaction is open, so a process killed during the
    first migration left tables without a recorded revision, and every later start failed
    on "table already exists". With it, the driver leaves transactions to SQLAlchemy and
    each one starts with BEGIN IMMEDIATE: all revisions apply, or none."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _private_file(Path(url.database))
        # Migrations keep aiosqlite's thread: they may wait for another process's lock.
        connect = {"timeout": 30} if transactional_ddl else {"timeout": 30, "async_creator_fn": _sqlite_in_loop}
        engine = create_async_engine(url, connect_args=connect, poolclass=NullPool if transactional_ddl else None)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted and overwritten personal data is zeroed, not left in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()
            if transactional_ddl:
                dbapi_connection.isolation_level = None

        if transactional_ddl:
            @event.listens_for(engine.sync_engine, "begin")
            def _begin_immediate(connection: Connection) -> None:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_async_engine(url, pool_size=POSTGRES_POOL, max_overflow=POSTGRES_OVERFLOW, pool_use_lifo=True)
    _check_idle_connections(engine)
    return engine


# A pooled PostgreSQL connection unused for longer than this is checked before use.
CHECK_AFTER_IDLE = 1.0  # seconds


def _check_idle_connections(engine: AsyncEngine) -> None:
    """Check a connection that sat idle in the pool before handing it out, and replace
    it if the server has dropped it (a restart, a failover, a proxy's idle timeout).

    SQLAlchemy's `pool_pre_ping` checks every checkout, with three round trips on
    asyncpg (BEGIN, a query, ROLLBACK): under load that was most of the connection
    work of a step. A connection in steady use is not checked; if the server drops it
    anyway, the first statement on it fails, and SQLAlchemy then replaces every
    connection the pool holds (its `invalidate` on a disconnect)."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _idle_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < CHECK_AFTER_IDLE:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection was dropped ({exc.__class__.__name__})") from exc


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its worker thread: each call runs at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as the thread would
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(None if result is _STOP_RUNNING_SENTINEL else result)


class _SqliteInLoop(aiosqlite.Connection):
    """aiosqlite without its thread: SQLite's calls (microseconds each; WAL, and the
    dispatcher's write slot keeps writers from waiting on each other) run in the event
    loop's thread. A statement no longer waits for a thread hand-off and a loop turn,
    so a step holds the write slot only for its own work."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    def __await__(self) -> Any:
        return self._connect().__await__()  # no thread to start


def _sqlite_in_loop(database: str, **kwargs: Any) -> _SqliteInLoop:
    return _SqliteInLoop(partial(sqlite3.connect, database, **{**kwargs, "check_same_thread": False}))


def _private_file(path: Path) -> None:
    """The SQLite file (and the WAL and shared-memory files SQLite gives the same mode)
    readable by the owner only; its folder too."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if candidate.exists():
            os.chmod(candidate, 0o600)


class InsertReturningIds:
    """An INSERT of many rows that returns their ids in the rows' order, in one statement.

    SQLAlchemy, asked for ids in order, writes the rows one statement each on SQLite.
    SQLite numbers the rows of one INSERT in their order (the largest rowid plus one,
    under the write lock), so there its ids, sorted, are the rows'."""

    def __init__(self, table: Table) -> None:
        self._in_order = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        self._numbered_in_order = insert(table).returning(table.c.id)

    async def __call__(self, session: AsyncSession, rows: list[dict[str, Any]]) -> list[int]:
        if len(rows) > 1 and session.get_bind().dialect.name == "sqlite":
            return sorted((await session.scalars(self._numbered_in_order, rows)).all())
        return list((await session.scalars(self._in_order, rows)).all())


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# Any constant shared by every process: the key of the advisory lock migrations take.
MIGRATION_LOCK = 0x51414D51  # "QAMQ"


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest Alembic revision, in one transaction: a process
    killed or a revision failing half-way leaves the schema as it was.

    Several processes may start at once (N workers): on PostgreSQL the first takes a
    transaction-level advisory lock and migrates, the others wait for it and then find
    nothing left to do. SQLite's BEGIN IMMEDIATE does the same (one writer at a time).
    A schema already at the newest revision takes no lock at all: a CLI command run
    beside the bot does not queue behind (or hold up) the bot's writers."""
    async with engine.connect() as connection:
        if await connection.run_sync(_at_newest_revision):
            return
    if engine.dialect.name == "sqlite":
        migrator = create_engine(engine.url, transactional_ddl=True)
        try:
            await _upgrade(migrator)
        finally:
            await migrator.dispose()
    else:
        await _upgrade(engine)


def _at_newest_revision(connection: Connection) -> bool:
    newest = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == newest


async def _upgrade(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def single_statements(engine: AsyncEngine) -> AsyncEngine:
    """The engine for work whose statements need no transaction around them: on
    PostgreSQL each statement commits alone (autocommit), with no BEGIN and COMMIT
    round trips. SQLite keeps its transaction: one commit (one write to the log) for
    all of its statements."""
    return engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else engine
