"""The bot process's resident memory with N users mid-journey: Qamqor next to a bare
python-telegram-bot echo bot. The issue's goal: Qamqor ≤ 200 MB with 10,000 users.

Each bot is started by bench/steps.py's `run_one`, as in that benchmark (its own
process on the project's Bot API emulator; the users act directly on the emulator's
world and wait on its per-chat wake-ups; see that file's docstring). Each of Qamqor's
users does /start, accepts the personal-data consent, presses "buy", chooses a
product and a cover option and types the sum insured, and stays there: a dialog with
its answers and its screen is stored for every user. Each of the echo bot's users
sends as many texts. At most `--concurrency` users are on their way at once;
progress goes to stderr every 1,000 users. Run on demand only, never from tests.

Printed per bot and as the ratio Qamqor / echo: the bot's RSS 2 s after it started
polling, its RSS with the N users mid-journey (after 2 s idle), its peak RSS (psutil,
sampled by `run_one` every 0.1 s during the load) and MB per 1,000 users, that is
(RSS with N users - RSS after start) / N * 1,000.

    .venv/bin/python bench/memory.py                              # 10,000 users, both bots
    .venv/bin/python bench/memory.py --users 300 --only qamqor
    .venv/bin/python bench/memory.py --only qamqor --bot-root ../before   # another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import steps  # noqa: E402  (bench/steps.py)

IDLE = 2.0  # seconds the bot is left idle before "after start" and "with N users"
PROGRESS_EVERY = 1000
GOAL_USERS, GOAL_MB = 10_000, 200
MB = 2**20
JOURNEY = steps.FIRST_TIME + [("press", "buy"), ("press", "buy:p:sakbol"),
                              ("press", "buy:o:death_disability_injury"), ("send", "100000")]


def script(name: str, index: int) -> list[tuple[str, str]]:
    if name == "qamqor":
        return JOURNEY
    return [("send", f"text {number} of user {index}") for number in range(1, len(JOURNEY) + 1)]


@dataclass
class Memory:
    name: str
    users: int
    start: int = 0
    held: int = 0
    peak: int = 0
    errors: int = 0

    def row(self) -> dict[str, float]:
        return {
            "RSS after start MB": self.start / MB,
            f"RSS with {self.users:,} users MB": self.held / MB,
            "peak RSS MB": self.peak / MB,
            "MB per 1,000 users": (self.held - self.start) / MB / self.users * 1000,
            "errors": self.errors,
        }


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def hold_journeys(memory: Memory, users: steps.Users, _script: object, result: steps.Result, *,
                        count: int, concurrency: int, **_load_options: object) -> None:
    """The load `steps.run_one` drives once the bot (its only child process) polls; it
    stops the bot when this returns or raises."""
    bot, = psutil.Process().children()
    await asyncio.sleep(IDLE)
    memory.start = bot.memory_info().rss
    indices = iter(range(count))  # shared by the riders: each user is taken once
    started, done = time.monotonic(), 0

    async def rider() -> None:
        nonlocal done
        for index in indices:
            user = users.create(index)
            for action, value in script(memory.name, index):
                try:
                    await users.step(user, action, value)
                except (LookupError, TimeoutError) as exc:
                    if not alive(bot):
                        raise RuntimeError(f"the {memory.name} bot's process ended") from exc
                    memory.errors += 1
                    print(f"  {memory.name}: {exc}", file=sys.stderr)
                    break
            done += 1
            if done % PROGRESS_EVERY == 0:
                print(f"  {memory.name}: {done:,}/{count:,} users, RSS {bot.memory_info().rss / MB:.0f} MB, "
                      f"{time.monotonic() - started:.0f} s", file=sys.stderr)

    await asyncio.gather(*(rider() for _ in range(min(concurrency, count))))
    await asyncio.sleep(IDLE)
    memory.held = bot.memory_info().rss
    memory.peak = max(result.peak_rss, memory.start, memory.held)


async def measure(name: str, args: argparse.Namespace) -> Memory:
    # SIGTERM ends the run like Ctrl-C does: run_one's `finally` stops the bot
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    memory = Memory(name, args.users)
    await steps.run_one(name, args, drive=functools.partial(hold_journeys, memory))
    return memory


def report(results: list[Memory], args: argparse.Namespace) -> None:
    rows = {memory.name: memory.row() for memory in results}
    names = list(rows)
    print(f"\n{args.users:,} users mid-journey, {args.concurrency} at once, SQLite; {steps.machine()}")
    print(f"{'':28}" + "".join(f"{name:>12}" for name in names) + (f"{'ratio':>12}" if len(names) == 2 else ""))
    for measure_name in rows[names[0]]:
        values = [rows[name][measure_name] for name in names]
        ratio = f"{values[0] / values[1]:12.2f}" if len(values) == 2 and values[1] else ""
        print(f"{measure_name:28}" + "".join(f"{value:12.1f}" for value in values) + ratio)
    qamqor = next((memory for memory in results if memory.name == "qamqor"), None)
    if qamqor and qamqor.users == GOAL_USERS:  # checked at the goal's own size only, not extrapolated
        print(f"Goal: Qamqor ≤ {GOAL_MB} MB with {GOAL_USERS:,} users mid-journey: "
              f"{'met' if qamqor.held / MB <= GOAL_MB else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=GOAL_USERS)
    parser.add_argument("--concurrency", type=int, default=50, help="users on their way at once")
    parser.add_argument("--only", choices=("qamqor", "echo"), help="run one bot only")
    parser.add_argument("--bot-root", help="run the Qamqor of another checkout (before and after a change)")
    # steps.run_one's other options, off: no think time, no sending limits (the emulator
    # enforces none), SQLite in a temporary folder, the default event loop, no profiler
    parser.set_defaults(think=0.0, duration=0.0, limits=False, database_url=None, event_loop=None, profile=None,
                        py_spy=None)
    args = parser.parse_args()
    if args.users < 1 or args.concurrency < 1:
        parser.error("--users and --concurrency must be at least 1")
    try:
        results = [asyncio.run(measure(name, args)) for name in ([args.only] if args.only else ["qamqor", "echo"])]
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; the bots it started are stopped", file=sys.stderr)
        raise SystemExit(130)
    report(results, args)
    raise SystemExit(1 if any(memory.errors for memory in results) else 0)


if __name__ == "__main__":
    main()
