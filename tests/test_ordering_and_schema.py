"""Per-user ordering of updates, and the migrations matching the models."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import OperationalError
from telegram import Update, User

from bot.dispatcher import PerUserOrder
from storage.db import create_engine, migrate
from storage.models import Base

ROOT = Path(__file__).resolve().parents[1]


def update_from(update_id: int, user_id: int) -> Update:
    from telegram import Chat, Message

    user = User(user_id, "U", False)
    chat = Chat(user_id, "private")
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text="x"))


async def test_one_users_updates_wait_for_each_other_while_another_user_goes_ahead():
    processor = PerUserOrder(max_concurrent_updates=8)
    first_may_finish = asyncio.Event()
    log: list[str] = []

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        log.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        log.append(f"{name} end")

    a1 = asyncio.create_task(processor.process_update(update_from(1, 10), work("a1", first_may_finish)))
    a2 = asyncio.create_task(processor.process_update(update_from(2, 10), work("a2")))
    b1 = asyncio.create_task(processor.process_update(update_from(3, 20), work("b1")))
    await asyncio.wait_for(b1, 5)
    assert log == ["a1 start", "b1 start", "b1 end"], "user 20 is not held up by user 10"
    first_may_finish.set()
    await asyncio.wait_for(asyncio.gather(a1, a2), 5)
    assert log[3:] == ["a1 end", "a2 start", "a2 end"], "user 10's second update waits for the first"


async def test_migrations_create_exactly_the_models_schema(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'schema.sqlite3'}")
    await migrate(engine)
    await migrate(engine)  # a second start finds nothing to do
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    assert diff == []


async def test_a_migration_failing_half_way_leaves_the_database_as_it_was(tmp_path):
    """A deploy whose third revision fails (here: a table in its way) must not leave the
    first two revisions' tables behind without a recorded revision: the next start would
    fail on "table already exists" forever (a `kill -9` during the first start did this)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'half.sqlite3'}")
    async with engine.begin() as connection:
        await connection.exec_driver_sql("CREATE TABLE claims (id INTEGER PRIMARY KEY)")
    with pytest.raises(OperationalError, match="claims already exists"):
        await migrate(engine)
    async with engine.begin() as connection:
        tables = {row[0] for row in await connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"claims"}
        await connection.exec_driver_sql("DROP TABLE claims")
    await migrate(engine)  # the operator removes the obstacle; the next start completes
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    assert diff == []


def test_migrate_command_creates_the_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(PYTHONPATH=str(ROOT), QAMQOR_DATA_DIR=str(tmp_path / "db"))
    result = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db" / "qamqor.sqlite3").stat().st_size > 0
