"""Several worker processes on one PostgreSQL database (issue 15).

Skipped without QAMQOR_TEST_POSTGRES_URL, like tests/test_postgres.py (CI starts
PostgreSQL and sets it).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import text

from storage.db import create_engine
from tests.test_postgres import database_url  # noqa: F401  (fixture: a fresh database)

ROOT = Path(__file__).resolve().parents[1]


def _env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    return env | {"QAMQOR_DATABASE_URL": database_url, "QAMQOR_DATA_DIR": str(data_dir),
                  "QAMQOR_DATA_KEY": "uW1ZQ9n4mDq6xg0oB3aYQm2Qm2bXx6uGQWZ0x8Hk3pM=", **extra}


async def test_four_processes_migrating_one_fresh_database_at_once_all_succeed(database_url, tmp_path):
    env = _env(database_url, tmp_path)
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT) for _ in range(4)]
    outputs = await asyncio.gather(*(p.communicate() for p in processes))
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [o[0].decode()[-2000:] for o in outputs]
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    await engine.dispose()
    assert len(versions) == 1
