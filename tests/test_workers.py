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

from bench.workers import Cluster, Load, Rider, audit, journey, settle
from bot.emulator.client import EmulatorClient
from storage.db import create_engine
from tests.chat import buttons
from tests.test_postgres import database_url, worker_template  # noqa: F401  (fixtures: a fresh database)

ROOT = Path(__file__).resolve().parents[1]


def _env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    return env | {"QAMQOR_DATABASE_URL": database_url, "QAMQOR_DATA_DIR": str(data_dir),
                  "QAMQOR_DATA_KEY": "uW1ZQ9n4mDq6xg0oB3aYQm2Qm2bXx6uGQWZ0x8Hk3pM=", "QAMQOR_API_PORT": "0", **extra}


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


async def _processed_by(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT claimed_by, count(*) FROM inbox WHERE processed_at IS NOT NULL GROUP BY claimed_by"))).all()
    await engine.dispose()
    return dict(rows)


async def test_two_workers_keep_each_users_order_process_each_update_once_and_send_each_message_once(
        database_url, tmp_path):
    """36 users start at once (over Telegram's ~30 messages a second, enforced by the
    emulator), then step on and send four commands without waiting for the answers."""
    # The emulator forgives a second of scheduling jitter: on a loaded test machine a worker
    # may send a message reserved for one moment a little later, right before the next one.
    # (tests/test_send_limits.py shows the enforcement refusing a burst the limiter holds back.)
    async with Cluster(database_url, 2, tmp_path, limits=True, slack=1.0) as cluster:
        async with EmulatorClient(cluster.base, timeout=60) as control:
            people = [Rider(control, await control.create_user(first_name=f"W{i}", language_code="ru"))
                      for i in range(36)]
            load = Load()
            await asyncio.gather(*(journey(p, load, 2, burst=4) for p in people))
            await settle(database_url)
            # The commands sent at once were handled in order: the last one's screen is last.
            for person in people:
                last = [m for m in await person.messages() if m.get("from_bot") and buttons(m)][-1]
                assert "lang:kk" in buttons(last).values()
        report = await audit(cluster, load)
    assert load.lost == []
    assert report["updates_sent"] == 36 * 8
    assert report | {"updates_sent": 0} == {
        "updates_sent": 0, "not_processed": 0, "processed_twice_apologies": 0, "out_of_order": 0,
        "calls_beyond_one_per_row": 0, "surplus_calls": {}, "refused_429": 0}
    workers = await _processed_by(database_url)
    assert len(workers) == 2 and sum(workers.values()) == 36 * 8  # both took a share


async def test_a_worker_killed_mid_journey_loses_nothing_the_other_takes_over(database_url, tmp_path):
    async with Cluster(database_url, 2, tmp_path, limits=True, lease=5, slack=1.0) as cluster:  # as above
        poller = await cluster.poller()
        async with EmulatorClient(cluster.base, timeout=60) as control:
            people = [Rider(control, await control.create_user(first_name=f"K{i}", language_code="ky"))
                      for i in range(6)]
            load = Load()

            async def kill_the_poller() -> None:
                while load.steps < 15:
                    await asyncio.sleep(0.05)
                await cluster.workers[poller].kill()

            await asyncio.gather(kill_the_poller(), *(journey(p, load, 8) for p in people))
            await settle(database_url)
        survivor = await cluster.poller()  # the other worker polls now
        report = await audit(cluster, load)
    assert survivor != poller
    assert load.lost == [] and load.steps == 6 * 10
    assert report["not_processed"] == 0 and report["out_of_order"] == 0
    assert report["processed_twice_apologies"] == 0 and report["refused_429"] == 0
    # A message the killed worker had sent but not yet recorded goes once more (as with
    # one process): at most one per user whose reply was in flight.
    assert report["calls_beyond_one_per_row"] <= len(people)


async def test_a_worker_stalled_past_its_lease_cannot_commit_the_update_another_worker_took(database_url, tmp_path):
    """A stalled worker's users go to another after the lease; when the stalled one
    wakes, its step's transaction finds the row no longer its own and rolls back."""
    from datetime import timedelta

    import pytest

    from storage import crypto
    from storage.db import migrate, session_factory
    from storage.inbox import CURRENT_CLAIM, Claim, Inbox, LostClaim, fence
    from storage.models import utcnow

    crypto.use_keys(crypto.keys_for(None, tmp_path))
    engine = create_engine(database_url)
    await migrate(engine)
    inbox = Inbox(session_factory(engine), lease=timedelta(seconds=5))
    update = {"update_id": 7, "message": {"message_id": 1, "from": {"id": 42}, "chat": {"id": 42}, "text": "hi"}}
    await inbox.store([update, update | {"update_id": 8}])
    taken_by_a = await inbox.claim("a")
    assert [row.update_id for row in taken_by_a] == [7, 8]
    assert await inbox.claim("b") == []  # the user is a's while a's claim is fresh
    later = utcnow() + timedelta(seconds=6)
    taken_by_b = await inbox.claim("b", now=later)
    assert [row.update_id for row in taken_by_b] == [7, 8]
    async with session_factory(engine)() as session:
        token = CURRENT_CLAIM.set(Claim(taken_by_a[0].id, "a"))
        with pytest.raises(LostClaim):
            await fence(session)
        CURRENT_CLAIM.reset(token)
        token = CURRENT_CLAIM.set(Claim(taken_by_b[0].id, "b"))
        await fence(session)
        await session.commit()
        CURRENT_CLAIM.reset(token)
    await inbox.done([taken_by_a[1].id], "a")  # a's late bookkeeping changes nothing
    assert await inbox.pending_count() == 1
    await engine.dispose()


async def test_an_update_stored_by_two_workers_at_once_is_stored_once(database_url, tmp_path):
    """A webhook retried by Telegram while the first delivery is still being stored may
    reach another worker: both store it at the same moment, and one row results."""
    from storage import crypto
    from storage.db import migrate, session_factory
    from storage.inbox import Inbox

    crypto.use_keys(crypto.keys_for(None, tmp_path))
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        await migrate(engines[0])
        first, second = (Inbox(session_factory(engine)) for engine in engines)
        for update_id in range(100, 130):
            update = {"update_id": update_id,
                      "message": {"message_id": update_id, "from": {"id": 42}, "chat": {"id": 42}, "text": "hi"}}
            assert sorted(await asyncio.gather(first.store([update]), second.store([update]))) == [0, 1]
        # An id Telegram reuses (after a week without updates) with other content is a new update.
        reused = {"update_id": 100, "message": {"message_id": 1, "from": {"id": 43}, "chat": {"id": 43}, "text": "hey"}}
        assert await first.store([reused, reused]) == 1
        async with engines[0].connect() as connection:
            rows = (await connection.execute(text("SELECT update_id, count(*) FROM inbox GROUP BY update_id"))).all()
        assert dict(rows) == {update_id: 1 for update_id in range(101, 130)} | {100: 2}
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_new_update_wakes_the_one_worker_its_user_belongs_to_and_waits_for_it(database_url, tmp_path):
    """Users are shared over the live workers: a new row wakes only its user's worker,
    and the other workers leave it to that one, unless it waits past the handover (its
    worker died, or the workers' lists differ while one starts or stops)."""
    from datetime import timedelta

    from storage import crypto
    from storage.coordination import INBOX_CHANNEL, ClusterLink
    from storage.db import migrate, session_factory
    from storage.inbox import HANDOVER, Inbox, owner_of
    from storage.models import utcnow

    crypto.use_keys(crypto.keys_for(None, tmp_path))
    engine = create_engine(database_url)
    links = {name: ClusterLink(database_url, name) for name in ("worker-a", "worker-b")}
    heard: list[str] = []
    try:
        await migrate(engine)
        for link in links.values():
            await link.open()
        await links["worker-a"].listen(INBOX_CHANNEL, heard.append)
        assert await links["worker-a"].check()
        assert links["worker-a"].members == ["worker-a", "worker-b"]  # the live workers, from their connections
        inbox = Inbox(session_factory(engine))
        inbox.workers = links["worker-a"].members
        users = {owner_of(user_id, inbox.workers): user_id for user_id in (42, 43)}
        assert set(users) == {"worker-a", "worker-b"}
        update = {"update_id": 1, "message": {"message_id": 1, "from": {"id": users["worker-b"]},
                                              "chat": {"id": users["worker-b"]}, "text": "hi"}}
        await inbox.store([update])
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.02)
        assert heard == ["worker-b"]  # one notification, naming the user's worker only
        assert await inbox.claim("worker-a") == []  # not a's user: left to b
        later = utcnow() + HANDOVER + timedelta(seconds=1)
        [taken] = await inbox.claim("worker-a", now=later)  # b did not come: a takes it over
        assert taken.update_id == 1
        # A worker that does not know the list (SQLite's only process, or its link lost) takes anyone.
        await inbox.store([update | {"update_id": 2, "message": update["message"] | {"from": {"id": 7}}}])
        inbox.workers = []
        assert [row.update_id for row in await inbox.claim("worker-c")] == [2]
    finally:
        for link in links.values():
            await link.close()
        await engine.dispose()


async def test_the_reminder_job_runs_in_one_worker_at_a_time(database_url):
    """Two workers' background passes at once: one runs the reminders, the other skips
    that pass (and finds the first one's effects on its next pass)."""
    from storage.coordination import claim_job
    from storage.db import session_factory

    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions() as first, sessions() as second:
        assert await claim_job(first, "reminders") is True
        assert await claim_job(second, "reminders") is False
        await first.commit()  # the job's transaction ends: the next pass may run it
        assert await claim_job(second, "reminders") is True
        await second.rollback()
    await engine.dispose()


async def test_run_with_workers_starts_them_restarts_one_killed_and_stops_all_on_sigterm(database_url, tmp_path):
    import signal

    from bench.crash import DATA_KEY
    from bot.emulator import Emulator

    def children(pid: int) -> set[int]:
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return {int(child) for child in path.read_text().split()} if path.exists() else set()

    async def wait_for(condition, what: str):
        for _ in range(600):
            if result := condition():
                return result
            await asyncio.sleep(0.1)
        raise AssertionError(what)

    emulator = Emulator(token="123456:WORKERS-TOKEN")
    base = await emulator.start("127.0.0.1", 0)
    env = _env(database_url, tmp_path, QAMQOR_BOT_TOKEN="123456:WORKERS-TOKEN", QAMQOR_API_BASE_URL=base,
               QAMQOR_TEST_SETUP="1", QAMQOR_DATA_KEY=DATA_KEY)
    supervisor = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", "--workers", "2",
                                                      cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                      stderr=asyncio.subprocess.DEVNULL)
    try:
        first = await wait_for(lambda: c if len(c := children(supervisor.pid)) == 2 else None, "two workers")
        async with EmulatorClient(base) as control:
            rider = Rider(control, await control.create_user(first_name="S", language_code="ru"))
            await journey(rider, Load(), 0)  # answered: consent, then the menu
        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        now = await wait_for(lambda: c if len(c := children(supervisor.pid)) == 2 and killed not in c else None,
                             "a worker restarted")
        supervisor.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(supervisor.wait(), 60) == 0
        await wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in now), "every worker stopped")
    finally:
        if supervisor.returncode is None:
            supervisor.kill()
        await emulator.stop()
