"""Engine, migrations and the unit of work (one per update)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
        engine = create_async_engine(url, connect_args={"timeout": 30})

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
        if connection.dialect.name == "sqlite":
            # pysqlite opens no transaction before DDL, so each CREATE TABLE would commit
            # alone and a process killed mid-migration would leave half a schema behind.
            await connection.exec_driver_sql("BEGIN")  # deferred: a database at head is only read
        await connection.run_sync(lambda sync: command.upgrade(alembic_config(sync), "head"))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
