"""A journey step's cost: Qamqor next to a bare python-telegram-bot echo bot.

Each bot runs as its own process (`python -m bot run`; the echo bot is this file
with `echo-bot`) on the project's Bot API emulator, which runs here together with
the load generator. The load generator acts as Telegram users directly on the
emulator's world (no HTTP on the users' side) and waits on the emulator's per-chat
wake-ups, so what is measured is the bot, not the emulator.

The same load for both: `--users` users, at most `--concurrency` steps in flight,
`--think` seconds between a user's answer and their next step, for `--duration`
seconds. Qamqor's steps are real journey steps: /start, the personal-data consent,
the menu's "buy", a product, a cover option, a purchase field (the sum insured,
typed), the claim screen (/claim), then again from /start. The echo bot gets a
text for every step and echoes it. A step's latency is from the user's action to
the bot's first message or edit in that chat.

Printed per bot and as the ratio Qamqor / echo: steps per second, p50/p95/p99
latency, the bot process's CPU per step (psutil) and its peak resident memory;
also the CPU the emulator and load generator used, per step; then whether the
goals of this kind of load are met (`goals`).

    .venv/bin/python bench/steps.py --users 150 --concurrency 30 --duration 30
    .venv/bin/python bench/steps.py --users 100 --think 10 --duration 60      # online users
    .venv/bin/python bench/steps.py --rounds 3 --duration 15                 # medians on a noisy machine
    .venv/bin/python bench/steps.py --only qamqor --profile /tmp/step.prof   # cProfile the bot
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.emulator import Emulator  # noqa: E402
from bot.emulator.models import Chat, User, chat_topic  # noqa: E402
from bot.settings import SANDBOX_TOKEN  # noqa: E402

BOT_EVENTS = ("bot_message", "bot_edit", "invoice")
STEP_TIMEOUT = 30.0
SETTLE = 2.0  # seconds after the bot polls: Qamqor then starts its partner API (imports), not a step's cost
DATA_KEY = "YmVuY2gtc3RlcHMtZGF0YS1rZXktMzItYnl0ZXMhISE="  # 32 bytes, base64: bench only

# Qamqor's journey: ("send", text) or ("press", callback data); "press?" presses only
# when the bot's last message offers the button. The first two steps run once per
# user (consent); the rest repeat ("buy" offers to resume the application the last
# round left, or start anew).
FIRST_TIME = [("send", "/start"), ("press", "consent:accept")]
CYCLE = [
    ("press", "buy"),
    ("press?", "buy:new"),
    ("press", "buy:p:sakbol"),
    ("press", "buy:o:death_disability_injury"),
    ("send", "100000"),
    ("send", "/claim"),
    ("send", "/start"),
]


@dataclass
class Result:
    name: str
    steps: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0
    peak_rss: int = 0
    load_cpu_seconds: float = 0.0

    def row(self) -> dict[str, float]:
        ordered = sorted(self.latencies) or [0.0]

        def percentile(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

        return {
            "steps/s": self.steps / self.seconds if self.seconds else 0.0,
            "p50 ms": percentile(50),
            "p95 ms": percentile(95),
            "p99 ms": percentile(99),
            "CPU ms/step": self.cpu_seconds / self.steps * 1000 if self.steps else 0.0,
            "peak RSS MB": self.peak_rss / 2**20,
            "emulator+load CPU ms/step": self.load_cpu_seconds / self.steps * 1000 if self.steps else 0.0,
            "errors": self.errors,
        }


class Users:
    """Users acting on the emulator's world in this process."""

    def __init__(self, emulator: Emulator) -> None:
        self.world = emulator.world

    def create(self, index: int) -> User:
        return self.world.create_user(first_name=f"Bench{index}", language_code=("ru", "kk", "ky")[index % 3])

    def last_seq(self, chat: Chat) -> int:
        return chat.events[-1].seq if chat.events else 0

    async def answer(self, chat: Chat, after: int) -> bool:
        """Wait for the bot's first message or edit in `chat` after event `after`."""

        def answered() -> bool:
            for event in reversed(chat.events):
                if event.seq <= after:
                    return False
                if event.type in BOT_EVENTS:
                    return True
            return False

        return await self.world.signal.wait_for(answered, STEP_TIMEOUT, chat_topic(chat.id))

    async def button(self, chat: Chat, data: str) -> int:
        """The newest bot message with this button (waiting a little for it to arrive)."""

        def find() -> int | None:
            for message in reversed(list(chat.messages.values())):
                if message.from_bot and not message.deleted and any(
                        button.get("callback_data") == data for row in message.inline_keyboard for button in row):
                    return message.message_id
            return None

        found: list[int] = []
        await self.world.signal.wait_for(lambda: bool(found.append(find()) or found[-1]), 5.0, chat_topic(chat.id))
        if found[-1] is None:
            last = next((m for m in reversed(list(chat.messages.values())) if m.from_bot), None)
            offered = [button.get("callback_data") for row in (last.inline_keyboard if last else [])
                       for button in row]
            raise LookupError(f"no button {data!r} in chat {chat.id}; the last bot message offers {offered}")
        return found[-1]

    def offered(self, chat: Chat, data: str) -> bool:
        last = next((m for m in reversed(list(chat.messages.values())) if m.from_bot and not m.deleted), None)
        return last is not None and any(button.get("callback_data") == data
                                        for row in last.inline_keyboard for button in row)

    async def step(self, user: User, action: str, value: str) -> float | None:
        """The step's latency; None when an optional press was not offered."""
        chat = self.world.chats[user.id]
        if action == "press?":
            if not self.offered(chat, value):
                return None
            action = "press"
        message_id = await self.button(chat, value) if action == "press" else 0
        after = self.last_seq(chat)
        started = time.perf_counter()
        if action == "press":
            self.world.user_press(user, message_id, value)
        else:
            self.world.user_send_text(user, value)
        if not await self.answer(chat, after):
            raise TimeoutError(f"no answer to {action} {value!r} in chat {chat.id}")
        return time.perf_counter() - started


async def load(users: Users, script: Any, result: Result, *, count: int, concurrency: int, think: float,
               duration: float) -> None:
    slots = asyncio.Semaphore(concurrency)
    stop_at = time.perf_counter() + duration

    async def one(index: int) -> None:
        user = users.create(index)
        if think:  # users come online spread over one think time, not all in the same instant
            await asyncio.sleep(think * index / count)
        for action, value in script(index):
            if time.perf_counter() >= stop_at:
                return
            async with slots:
                try:
                    latency = await users.step(user, action, value)
                    if latency is not None:
                        result.latencies.append(latency)
                        result.steps += 1
                except (LookupError, TimeoutError) as exc:
                    result.errors += 1
                    print(f"  {result.name}: {exc}", file=sys.stderr)
                    await asyncio.sleep(1.0)
            if think:
                await asyncio.sleep(think)

    started = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    result.seconds = time.perf_counter() - started


def qamqor_script(index: int) -> Any:
    yield from FIRST_TIME
    while True:
        yield from CYCLE


def echo_script(index: int) -> Any:
    number = 0
    while True:
        number += 1
        yield ("send", f"step {number} of user {index}")


async def wait_for_poller(emulator: Emulator, process: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(record.method.lower() == "getupdates" for record in list(emulator.world.requests)[-50:]):
            return
        if process.returncode is not None:
            raise RuntimeError(f"the bot stopped: {log.read_text()[-2000:]}")
        await asyncio.sleep(0.2)
    raise RuntimeError("the bot did not start polling within two minutes")


async def run_one(name: str, args: argparse.Namespace, drive: Any = None) -> Result:
    """Start bot `name` on a new emulator, put the load on it (`drive`, by default
    `load`, called as `load` is once the bot polls), and stop it."""
    emulator = Emulator(token=SANDBOX_TOKEN)
    base = await emulator.start(host="127.0.0.1", port=0)
    folder = Path(tempfile.mkdtemp(prefix=f"qamqor-steps-{name}-"))
    log = folder / "bot.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    other_root = args.before if name == "before" else args.bot_root if name == "qamqor" else None
    bot_root = Path(other_root).resolve() if other_root else ROOT
    env.update(PYTHONPATH=str(bot_root), QAMQOR_BOT_TOKEN=SANDBOX_TOKEN, QAMQOR_API_BASE_URL=base,
               QAMQOR_DATA_DIR=str(folder), QAMQOR_DATA_KEY=DATA_KEY, QAMQOR_LOG_LEVEL="WARNING",
               QAMQOR_SMS_GATEWAY_URL=f"{base}/control/sms", QAMQOR_PAYMENT_PROVIDER_TOKEN="sandbox-payments",
               # the emulator here enforces no limits: what is measured is a step's cost, not
               # Telegram's 30 messages a second (bench/workers.py --limits measures those)
               QAMQOR_SEND_LIMITS="on" if args.limits else "off", QAMQOR_API_PORT="0")
    if args.database_url:
        env["QAMQOR_DATABASE_URL"] = args.database_url
    if args.event_loop:
        env["QAMQOR_EVENT_LOOP"] = args.event_loop
    if name in ("qamqor", "before"):
        command = ["-m", "bot", "run"]
        if args.profile:
            command = ["-m", "cProfile", "-o", args.profile, "-m", "bot", "run"]
        script = qamqor_script
    else:
        command = [str(Path(__file__).resolve()), "echo-bot", base]
        script = echo_script
    result = Result(name)
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(sys.executable, *command, cwd=bot_root, env=env,
                                                       stdout=output, stderr=output)
    try:
        await wait_for_poller(emulator, process, log)
        await asyncio.sleep(SETTLE)
        bot = psutil.Process(process.pid)
        here = psutil.Process()
        cpu_before, load_before = sum(bot.cpu_times()[:2]), sum(here.cpu_times()[:2])

        async def watch_memory() -> None:
            while True:
                result.peak_rss = max(result.peak_rss, bot.memory_info().rss)
                await asyncio.sleep(0.1)

        watcher = asyncio.create_task(watch_memory())
        spy = await start_py_spy(args.py_spy, process.pid, args.duration) if name == "qamqor" else None
        await (drive or load)(Users(emulator), script, result, count=args.users, concurrency=args.concurrency,
                              think=args.think, duration=args.duration)
        watcher.cancel()
        if spy is not None:
            await spy.wait()
        result.cpu_seconds = sum(bot.cpu_times()[:2]) - cpu_before
        result.load_cpu_seconds = sum(here.cpu_times()[:2]) - load_before
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
        await emulator.stop()
    return result


async def start_py_spy(output: str | None, pid: int, seconds: float) -> asyncio.subprocess.Process | None:
    if not output:
        return None
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return await asyncio.create_subprocess_exec(
        py_spy, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds) - 2)), "--rate", "200",
        "--format", "raw", "--output", output, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


#: Where the bot's time goes, by the package of the function running (py-spy's leaf frame).
PACKAGES = [
    ("SQLite (sqlite3, aiosqlite; storage/db.py runs its calls)", ("(sqlite3/", "(aiosqlite/", "(storage/db.py")),
    ("encryption at rest (cryptography)", ("(cryptography/", "(storage/crypto.py")),
    ("SQLAlchemy", ("(sqlalchemy/",)),
    ("asyncpg", ("(asyncpg/",)),
    ("HTTP client (aiohttp, yarl, multidict; httpx and httpcore)", ("(aiohttp/", "(yarl/", "(multidict/", "(httpx/",
                                                                   "(httpcore/", "(anyio/", "(h11/", "(sniffio/")),
    ("python-telegram-bot", ("(telegram/",)),
    ("event loop, sockets (asyncio, selectors, uvloop)", ("(asyncio/", "(selectors.py", "(ssl.py", "(socket.py",
                                                          "(uvloop/")),
    ("JSON", ("(json/",)),
    ("Babel, gettext", ("(babel/", "(gettext.py")),
    ("Qamqor's own code", ("(bot/", "(handlers/", "(storage/", "(insurance/")),
]


def py_spy_summary(path: str, top: int = 15) -> None:
    """Print the share of samples per package and the busiest functions."""
    by_package: dict[str, int] = {}
    by_function: dict[str, int] = {}
    total = 0
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        package = next((name for name, marks in PACKAGES if any(mark in leaf for mark in marks)), "other")
        by_package[package] = by_package.get(package, 0) + int(count)
        by_function[leaf] = by_function.get(leaf, 0) + int(count)
        total += int(count)
    if not total:
        print("py-spy: no samples")
        return
    print(f"\nWhere Qamqor's process spends its time (py-spy, {total} samples):")
    for name, count in sorted(by_package.items(), key=lambda item: -item[1]):
        print(f"  {count / total:6.1%}  {name}")
    print("Busiest functions:")
    for leaf, count in sorted(by_function.items(), key=lambda item: -item[1])[:top]:
        print(f"  {count / total:6.1%}  {leaf}")


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {psutil.cpu_count(logical=False)} cores "
            f"({psutil.cpu_count()} logical), {psutil.virtual_memory().total / 2**30:.0f} GB, "
            f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the start")


def median_row(results: list[Result]) -> dict[str, float]:
    """Each measure's median over the rounds."""
    rows = [result.row() for result in results]
    return {measure: statistics.median(row[measure] for row in rows) for measure in rows[0]}


def report(runs: dict[str, list[Result]], args: argparse.Namespace) -> None:
    rows = {name: median_row(results) for name, results in runs.items()}
    names = list(rows)
    rounds = f", median of {args.rounds} rounds" if args.rounds > 1 else ""
    print(f"\n{args.users} users, {args.concurrency} steps at once, think {args.think:g} s, {args.duration:g} s"
          f"{rounds}, {'PostgreSQL' if args.database_url else 'SQLite'}; {machine()}")
    header = f"{'':28}" + "".join(f"{name:>12}" for name in names)
    ratio = "qamqor" in rows and "echo" in rows
    if ratio:
        header += f"{'qamqor/echo':>12}"
    print(header)
    for measure in rows[names[0]]:
        line = f"{measure:28}" + "".join(f"{rows[name][measure]:12.1f}" for name in names)
        if ratio and rows["echo"][measure]:
            line += f"{rows['qamqor'][measure] / rows['echo'][measure]:12.2f}"
        print(line)
    if args.rounds > 1:  # a round's bots ran one after the other: their ratio is the steadier figure
        for other in ("echo", "before"):
            for measure in ("steps/s", "CPU ms/step") if "qamqor" in runs and other in runs else ():
                print(f"qamqor/{other} {measure} by round: " + "  ".join(
                    f"{mine.row()[measure] / theirs.row()[measure]:.2f}"
                    for mine, theirs in zip(runs["qamqor"], runs[other])))
    for line in goals(rows, args):
        print(line)
    if args.json:
        print(json.dumps(rows))


#: Issue 15's goals, each at its own load (users, steps at once, think time): under
#: load, Qamqor's steps per second at least this share of the echo bot's and its CPU
#: per step at most this multiple; with users online, Qamqor's p99 at most this.
GOAL_LOAD, GOAL_STEPS_SHARE, GOAL_CPU_MULTIPLE = (150, 30, 0.0), 0.60, 2.0
GOAL_ONLINE, GOAL_ONLINE_P99_MS = (100, 100, 10.0), 50.0


def goals(rows: dict[str, dict[str, float]], args: argparse.Namespace) -> list[str]:
    """The goals of this run's load, each met or not (medians when `--rounds`); none
    at another load, on PostgreSQL or with `--limits` (which caps the steps at
    Telegram's rate): the goals were set for SQLite at these loads."""
    qamqor, echo = rows.get("qamqor"), rows.get("echo")
    load = (args.users, args.concurrency, args.think)
    if qamqor is None or args.database_url or args.limits or load not in (GOAL_LOAD, GOAL_ONLINE):
        return []
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"
    if load == GOAL_ONLINE:
        return [f"Goal: Qamqor's p99 ≤ {GOAL_ONLINE_P99_MS:g} ms with users online: "
                f"{verdict(qamqor['p99 ms'] <= GOAL_ONLINE_P99_MS)} ({qamqor['p99 ms']:.1f} ms)"]
    if echo is None:
        return []
    share, multiple = qamqor["steps/s"] / echo["steps/s"], qamqor["CPU ms/step"] / echo["CPU ms/step"]
    return [f"Goal: Qamqor's steps/s ≥ {GOAL_STEPS_SHARE:.0%} of the echo bot's: "
            f"{verdict(share >= GOAL_STEPS_SHARE)} ({share:.0%})",
            f"Goal: Qamqor's CPU per step ≤ {GOAL_CPU_MULTIPLE:g}x the echo bot's: "
            f"{verdict(multiple <= GOAL_CPU_MULTIPLE)} ({multiple:.2f}x)"]


def echo_bot(base: str) -> None:
    """The bare python-telegram-bot echo bot, with the same connection pool and
    concurrency as Qamqor's Application."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    async def echo(update: Update, _context: Any) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    application = (ApplicationBuilder().token(SANDBOX_TOKEN).base_url(f"{base}/bot")
                   .base_file_url(f"{base}/file/bot").concurrent_updates(64).connection_pool_size(32)
                   .pool_timeout(10).get_updates_read_timeout(40).build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(timeout=30, allowed_updates=Update.ALL_TYPES)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "echo-bot":
        echo_bot(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=30, help="steps in flight at most")
    parser.add_argument("--think", type=float, default=0.0, help="seconds between a user's steps")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per bot")
    parser.add_argument("--only", choices=("qamqor", "echo"), help="run one bot only")
    parser.add_argument("--database-url", help="Qamqor's database (default: SQLite in a temporary folder)")
    parser.add_argument("--limits", action="store_true",
                        help="keep Qamqor's limiter of Telegram's sending limits on (30 messages a second)")
    parser.add_argument("--event-loop", choices=("asyncio", "uvloop"), help="Qamqor's QAMQOR_EVENT_LOOP")
    parser.add_argument("--profile", help="cProfile Qamqor's process into this file")
    parser.add_argument("--py-spy", help="sample Qamqor's process with py-spy into this file, and summarise it")
    parser.add_argument("--bot-root", help="run the Qamqor of another checkout (before and after a change)")
    parser.add_argument("--before", help="also run the Qamqor of this checkout, as 'before', in the same run")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the bots in turn this many times; each measure is the median (a noisy machine)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    args.concurrency = args.concurrency or args.users
    names = [args.only] if args.only else ["qamqor", "echo"]
    if args.before:
        names.insert(0, "before")
    runs: dict[str, list[Result]] = {name: [] for name in names}
    for _ in range(args.rounds):  # in turn, so that each round's bots share the machine's mood
        for name in names:
            runs[name].append(asyncio.run(run_one(name, args)))
    report(runs, args)
    if args.py_spy:
        py_spy_summary(args.py_spy)


if __name__ == "__main__":
    main()
