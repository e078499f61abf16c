"""Engine, migrations and the unit of work (one per update)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from aiosqlite.core import _STOP_RUNNING_SENTINEL
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine; for SQLite the folder is created and WAL is switched on."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            _private_file(Path(url.database))
        engine = create_async_engine(url, connect_args={"timeout": 30, "async_creator_fn": _sqlite_in_loop})

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

        return engine
    return create_async_engine(url, pool_pre_ping=True)


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


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest Alembic revision."""
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
