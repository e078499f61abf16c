"""Several worker processes on PostgreSQL (issue 15): throughput with 1 vs 2 workers.

    QAMQOR_TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/workers.py --users 30 --steps 12
    ... --users 60 --steps 20 --think 1 --workers 1,2,1,2   # one offered load: CPU per step

Each run gets a fresh database on that server, starts N `python -m bot run`
processes (the real deployment) against the project's Bot API emulator in this
process, and drives users through real steps (consent, then the language screen
and back to the menu), each user waiting for the bot's answer before the next
step, all users at once. Reported per worker count (JSON): steps per second,
p50/p95 step latency, the workers' CPU per step (from /proc), the time
PostgreSQL sessions spent waiting on locks (sampled from pg_stat_activity every
20 ms) in total and per step, and the audit of `audit()`: updates processed twice
or out of order, messages sent twice, 429 answers. The emulator and the users run
in this process, the users acting on its world directly (`WorldRider`): its CPU
per step is reported too, and PostgreSQL's, with the share of the machine's
cores in use during the run and its load average (a shared machine skews every
figure; near 1.0 busy, the cores have run out and a further worker cannot add). `--limits` turns on
Telegram's sending limits in the bot and their enforcement in the emulator (then
Telegram's 30 messages a second, not the bot, bound the throughput).

`tests/test_workers.py` uses `Cluster`, `Rider` (over the emulator's HTTP control
API), `journey`, `settle` and `audit`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
from collections import Counter
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crash import DATA_KEY, TOKEN, BotProcess  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from bot.emulator.client import EmulatorClient  # noqa: E402
from bot.emulator.flood import DEFAULT_SLACK, FloodControl  # noqa: E402
from bot.emulator.models import User as EmulatorUser, chat_topic  # noqa: E402
from bot.emulator.world import World  # noqa: E402
from bot.send_limits import counted  # noqa: E402
from storage.coordination import LOCKS, asyncpg_dsn  # noqa: E402
from bot.dispatcher import APOLOGY  # noqa: E402
from tests.chat import BOT_EVENTS, buttons, catalogue  # noqa: E402

STEP_TIMEOUT = 40.0
LOCK_SAMPLE_EVERY = 0.02


async def create_database(server: str) -> str:
    import asyncpg

    name = f"qamqor_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(asyncpg_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return server.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(server: str, url: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(asyncpg_dsn(server))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await admin.close()


class Cluster:
    """N worker processes (`python -m bot run`) on one PostgreSQL database and one emulator."""

    def __init__(self, database_url: str, workers: int, folder: Path, *, limits: bool = True,
                 lease: int = 30, log_level: str = "WARNING", slack: float = DEFAULT_SLACK) -> None:
        self.database_url = database_url
        self.count = workers
        self.folder = folder
        self.limits = limits
        self.lease = lease
        self.log_level = log_level
        self.emulator = Emulator(token=TOKEN, flood_control=FloodControl(slack=slack) if limits else False)
        self.workers: list[BotProcess] = []
        self.base = ""

    async def __aenter__(self) -> Cluster:
        self.base = await self.emulator.start(host="127.0.0.1", port=0)
        env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
        env.update(PYTHONPATH=str(ROOT), QAMQOR_BOT_TOKEN=TOKEN, QAMQOR_API_BASE_URL=self.base,
                   QAMQOR_DATA_DIR=str(self.folder), QAMQOR_DATA_KEY=DATA_KEY, QAMQOR_LOG_LEVEL=self.log_level,
                   QAMQOR_DATABASE_URL=self.database_url, QAMQOR_TEST_SETUP="1", QAMQOR_API_PORT="0",
                   QAMQOR_WORKER_LEASE_SECONDS=str(self.lease), QAMQOR_SEND_LIMITS="on" if self.limits else "off")
        self.workers = [BotProcess(env, self.folder / f"worker-{i}.log") for i in range(self.count)]
        for worker in self.workers:
            await worker.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.workers))
        await self.emulator.stop()

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process is not None and w.process.returncode is None]

    async def poller(self, timeout: float = 60.0) -> int:
        """The index of the worker elected to call getUpdates (it holds the poller's lock)."""
        import asyncpg

        deadline = time.monotonic() + timeout
        connection = await asyncpg.connect(asyncpg_dsn(self.database_url))
        try:
            while time.monotonic() < deadline:
                name = await connection.fetchval(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted", LOCKS["poller"])
                for index, pid in enumerate(w.process.pid for w in self.workers):
                    if name and f"-{pid}-" in name:
                        return index
                await asyncio.sleep(0.2)
        finally:
            await connection.close()
        raise LookupError("no worker holds the poller's lock")


@dataclass
class Load:
    steps: int = 0
    latencies: list[float] = field(default_factory=list)
    update_ids: dict[int, list[int]] = field(default_factory=dict)  # user -> the updates they sent
    lost: list[str] = field(default_factory=list)


class Rider:
    """One user, driven with few control calls (the emulator runs in this process and
    must not be the bottleneck): an input, then long polls until the answer."""

    def __init__(self, control: EmulatorClient, user: dict[str, Any]) -> None:
        self.control = control
        self.id: int = user["id"]
        self.seq = 0  # the last event seen
        self.screen: int | None = None  # the message id of the screen shown last

    async def send(self, text: str) -> int:
        return (await self.control.send_text(self.id, text))["update_id"]

    async def press(self, data: str) -> int:
        assert self.screen is not None
        return (await self.control.press(self.id, self.screen, data))["update_id"]

    async def messages(self) -> list[dict[str, Any]]:
        return await self.control.messages(self.id)

    async def events_after_seen(self, wait: float) -> list[dict[str, Any]]:
        """The chat's events after the last one seen, waiting up to `wait` s for one."""
        page = await self.control.events(self.id, after=self.seq, wait=wait, min_count=1)
        return page["events"]


class WorldRider(Rider):
    """The same user acting on the emulator's world in this process, as bench/steps.py's
    users do: no HTTP call per input and per wait, so the driver is not what the workers
    wait for (over HTTP it spent more CPU per step than a worker)."""

    def __init__(self, world: World, user: EmulatorUser) -> None:
        self.world, self.user, self.id = world, user, user.id
        self.seq = 0
        self.screen = None

    async def send(self, text: str) -> int:
        return self.world.user_send_text(self.user, text)[1]

    async def press(self, data: str) -> int:
        assert self.screen is not None
        return self.world.user_press(self.user, self.screen, data)[0]

    async def events_after_seen(self, wait: float) -> list[dict[str, Any]]:
        chat = self.world.chats[self.id]
        await self.world.signal.wait_for(lambda: bool(chat.events_after(self.seq)), wait, chat_topic(self.id))
        return [event.to_json() for event in chat.events_after(self.seq)]


async def step(rider: Rider, load: Load, action: Any, what: str, answer_button: str) -> None:
    """One input, timed until the bot shows the screen with a button `answer_button`
    (a step may also send other messages: a receipt, an edit of the screen left)."""
    started = time.monotonic()
    load.update_ids.setdefault(rider.id, []).append(await action())
    deadline = started + STEP_TIMEOUT
    while time.monotonic() < deadline:
        for event in await rider.events_after_seen(min(2.0, deadline - time.monotonic())):
            rider.seq = max(rider.seq, event["seq"])
            message = event.get("message") or {}
            if event["type"] in BOT_EVENTS and answer_button in buttons(message).values():
                rider.screen = message["message_id"]
                load.latencies.append(time.monotonic() - started)
                load.steps += 1
                return
    load.lost.append(f"user {rider.id}: {what}")
    raise LookupError(f"user {rider.id}: no answer to {what}")


async def journey(rider: Rider, load: Load, steps: int, *, burst: int = 0) -> None:
    """Consent, then `steps` steps between the language screen and the menu; then
    `burst` commands sent at once without waiting (their order must hold)."""
    await step(rider, load, lambda: rider.send("/start"), "/start", "consent:accept")
    await step(rider, load, lambda: rider.press("consent:accept"), "consent", "buy")
    await language_steps(rider, load, steps)
    for index in range(burst):
        load.update_ids[rider.id].append(await rider.send(("/menu", "/language")[index % 2]))


async def language_steps(rider: Rider, load: Load, steps: int, think: float = 0.0) -> None:
    """To the language screen and back to the menu (in another language), and again;
    `think` seconds between an answer and the next step."""
    for index in range(steps):
        if index and think:
            await asyncio.sleep(think)
        if index % 2 == 0:
            await step(rider, load, lambda: rider.send("/language"), "/language", "lang:kk")
        else:
            language = ("kk", "ky", "ru")[index // 2 % 3]
            await step(rider, load, lambda: rider.press(f"lang:{language}"), f"lang:{language}", "buy")


async def settle(database_url: str, timeout: float = 90.0) -> None:
    """Wait until every stored update is processed and every reply sent."""
    import asyncpg

    deadline = time.monotonic() + timeout
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        pending = -1
        while time.monotonic() < deadline:
            pending = await connection.fetchval(
                "SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL) + "
                "(SELECT count(*) FROM outbox WHERE sent_at IS NULL)")
            if pending == 0:
                return
            await asyncio.sleep(0.3)
    finally:
        await connection.close()
    raise LookupError(f"{pending} updates or replies still pending after {timeout:.0f} s")


def _camel(method: str) -> str:
    head, *rest = method.split("_")
    return head + "".join(part.title() for part in rest)


def _calls_telegram(payload: dict[str, Any]) -> bool:
    """Whether sending this outbox row makes one counted Bot API call (see Dispatcher._call)."""
    method = payload.get("method", "")
    if method == "send_sms" or not counted(method):
        return False
    if method.startswith("edit_message") and "message_id" not in payload:
        return False
    return not (method.endswith("_forum_topic") and method != "create_forum_topic"
                and "message_thread_id" not in payload)


async def audit(cluster: Cluster, load: Load) -> dict[str, int]:
    """What went wrong, counted: updates not processed, processed twice (the
    dispatcher's apology) or out of a user's order; Bot API calls beyond one per
    outbox row (a message sent twice); 429 answers of the emulator."""
    from sqlalchemy import select

    from storage import crypto
    from storage.db import create_engine, session_factory
    from storage.models import InboxUpdate, OutgoingMessage

    crypto.use_keys(crypto.keys_for(DATA_KEY, cluster.folder))
    engine = create_engine(cluster.database_url)
    try:
        async with session_factory(engine)() as session:
            # A step marks its inbox row processed in its own transaction (storage.inbox.fence).
            processed = (await session.execute(select(InboxUpdate.user_id, InboxUpdate.update_id)
                                               .where(InboxUpdate.processed_at.is_not(None))
                                               .order_by(InboxUpdate.processed_at))).all()
            rows = (await session.scalars(select(OutgoingMessage).where(
                OutgoingMessage.sent_at.is_not(None), OutgoingMessage.given_up_at.is_(None)))).all()
            expected = Counter((row.chat_id, _camel(row.payload["method"])) for row in rows
                               if _calls_telegram(row.payload))
    finally:
        await engine.dispose()
    seen = {update_id for _, update_id in processed}
    sent = [u for ids in load.update_ids.values() for u in ids]
    out_of_order = 0
    last: dict[int, int] = {}
    for user_id, update_id in processed:
        out_of_order += update_id < last.get(user_id, -1)
        last[user_id] = update_id
    calls = Counter((int(r.params.get("chat_id", 0)), r.method) for r in cluster.emulator.world.requests
                    if counted(r.method) and r.status not in (None, 429))
    surplus = calls - expected
    apologies = {catalogue(language, APOLOGY) for language in ("kk", "ky", "ru")}
    apologised = sum(1 for r in cluster.emulator.world.requests
                     if r.method == "sendMessage" and r.params.get("text") in apologies)
    return {
        "updates_sent": len(sent),
        "not_processed": len(set(sent) - seen),
        "processed_twice_apologies": apologised,
        "out_of_order": out_of_order,
        "calls_beyond_one_per_row": sum(surplus.values()),
        "surplus_calls": {f"{chat} {method}": n for (chat, method), n in surplus.items()},
        "refused_429": cluster.emulator.flood.refused if cluster.emulator.flood else 0,
    }


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _postgres_cpu_seconds() -> float:
    """CPU used so far by the PostgreSQL server's processes on this machine."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name", "cpu_times"]):
        if process.info["name"] in ("postgres", "postgresql") and process.info["cpu_times"] is not None:
            total += process.info["cpu_times"].user + process.info["cpu_times"].system
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, summed over its cores."""
    import psutil

    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle, sum(times)


async def _sample_lock_waits(database_url: str, stop: asyncio.Event) -> dict[str, float]:
    """Seconds PostgreSQL sessions of this database spent waiting on a lock (sampled),
    by kind of lock (pg_stat_activity.wait_event: tuple, transactionid, advisory...) and
    the waiting statement."""
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    waited: dict[str, float] = {}
    try:
        while not stop.is_set():
            for row in await connection.fetch(
                    "SELECT wait_event || ': ' || left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 60) AS kind, "
                    "count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' GROUP BY kind"):
                waited[row["kind"]] = waited.get(row["kind"], 0.0) + row["n"] * LOCK_SAMPLE_EVERY
            await asyncio.sleep(LOCK_SAMPLE_EVERY)
    finally:
        await connection.close()
    return waited


async def measure(server: str, workers: int, users: int, steps: int, limits: bool,
                  think: float = 0.0) -> dict[str, Any]:
    database_url = await create_database(server)
    folder = Path(tempfile.mkdtemp(prefix=f"qamqor-workers-{workers}-"))
    try:
        async with Cluster(database_url, workers, folder, limits=limits) as cluster:
            world = cluster.emulator.world
            people: list[Rider] = [WorldRider(world, world.create_user(first_name=f"W{i}", language_code="ru"))
                                   for i in range(users)]
            warm = Load()
            await asyncio.gather(*(journey(p, warm, 0) for p in people))  # start-up, consent
            await settle(database_url)
            load = Load()
            stop = asyncio.Event()
            sampler = asyncio.create_task(_sample_lock_waits(database_url, stop))
            cpu_before = _cpu_seconds(cluster.pids)
            driver_before = time.process_time()
            postgres_before, machine_before = _postgres_cpu_seconds(), _machine_busy()
            started = time.monotonic()
            await asyncio.gather(*(language_steps(p, load, steps, think) for p in people))
            wall = time.monotonic() - started
            cpu = _cpu_seconds(cluster.pids) - cpu_before
            driver = time.process_time() - driver_before
            postgres = _postgres_cpu_seconds() - postgres_before
            busy, every = (now - then for now, then in zip(_machine_busy(), machine_before))
            stop.set()
            lock_wait = await sampler
            await settle(database_url)
            report = await audit(cluster, Load(update_ids={
                k: warm.update_ids.get(k, []) + v for k, v in load.update_ids.items()}))
        latencies = sorted(load.latencies)
        return {
            "workers": workers, "users": users, "think_seconds": think, "steps": load.steps, "seconds": round(wall, 2),
            "steps_per_second": round(load.steps / wall, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
            "bot_cpu_ms_per_step": round(cpu / load.steps * 1000, 2),
            # this process: the emulator and the users; near a core, it is the bottleneck
            "emulator_and_users_cpu_ms_per_step": round(driver / load.steps * 1000, 2),
            "postgres_cpu_ms_per_step": round(postgres / load.steps * 1000, 2),
            # the machine's cores in use, all processes: near 1.0, the cores have run out
            "machine_cpu_busy": round(busy / every, 2) if every else 0.0,
            "load_average": round(os.getloadavg()[0], 1),
            "lock_wait_seconds": round(sum(lock_wait.values()), 3),
            "lock_wait_ms_per_step": round(sum(lock_wait.values()) / load.steps * 1000, 3),
            "lock_wait_by_kind": {kind: round(seconds, 3) for kind, seconds in lock_wait.items()},
            **report,
        }
    finally:
        await drop_database(server, database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare, e.g. 1,2,4")
    parser.add_argument("--limits", action="store_true", help="Telegram's sending limits on (and enforced)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds between a user's steps: the same load for every worker count, below what "
                             "the cores can take, compares CPU per step without the cores running out")
    args = parser.parse_args()
    server = os.environ.get("QAMQOR_TEST_POSTGRES_URL")
    if not server:
        parser.error("set QAMQOR_TEST_POSTGRES_URL to a PostgreSQL server (a database is created per run)")
    results = [asyncio.run(measure(server, int(n), args.users, args.steps, args.limits, args.think))
               for n in args.workers.split(",")]
    print(json.dumps({"machine": f"{os.cpu_count()} cores", "results": results}, indent=2))


if __name__ == "__main__":
    main()
