"""Throughput and latency of the real bot over HTTP, on loopback.

N simulated users each send /start, press "I agree" and open "My data" (three
updates, each a full unit of work with an outbox delivery). Reports updates
per second, reply latency percentiles and the process's peak memory.

    .venv/bin/python bench/updates.py --users 200
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import QamqorBot  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from bot.emulator.client import EmulatorClient  # noqa: E402
from bot.settings import SANDBOX_TOKEN, load_settings  # noqa: E402


async def wait_bot_action(control: EmulatorClient, chat_id: int, after: int) -> int:
    while True:
        page = await control.events(chat_id, after=after, wait=10, min_count=1)
        for event in page["events"]:
            if event["type"] in ("bot_message", "bot_edit"):
                return event["seq"]
            after = event["seq"]


async def one_user(control: EmulatorClient, index: int, latencies: list[float]) -> None:
    user = await control.create_user(first_name=f"User{index}", language_code=("kk", "ky", "ru")[index % 3])
    chat = user["id"]
    seq = (await control.events(chat, wait=0, min_count=0))["last_seq"]
    started = time.perf_counter()
    await control.send_text(chat, "/start")
    seq = await wait_bot_action(control, chat, seq)
    latencies.append(time.perf_counter() - started)
    offer = [m for m in await control.messages(chat) if m["from_bot"]][-1]
    started = time.perf_counter()
    await control.press(chat, offer["message_id"], "consent:accept")
    seq = await wait_bot_action(control, chat, seq)
    latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    await control.send_text(chat, "/mydata")
    await wait_bot_action(control, chat, seq)
    latencies.append(time.perf_counter() - started)


async def main(users: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        emulator = Emulator(token=SANDBOX_TOKEN)
        base = await emulator.start()
        settings = load_settings({"QAMQOR_API_BASE_URL": base, "QAMQOR_DATA_DIR": data_dir,
                                  "QAMQOR_LOG_LEVEL": "WARNING"}, sandbox=True)
        qamqor = QamqorBot(settings)
        await qamqor.start(timeout=1)
        latencies: list[float] = []
        limit = asyncio.Semaphore(concurrency)
        async with EmulatorClient(base) as control:
            async def bounded(i: int) -> None:
                async with limit:
                    await one_user(control, i, latencies)
            began = time.perf_counter()
            await asyncio.gather(*(bounded(i) for i in range(users)))
            elapsed = time.perf_counter() - began
        await qamqor.stop()
        await emulator.stop()
    ordered = sorted(latencies)
    pct = lambda p: ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000  # noqa: E731
    print(f"users={users} concurrency={concurrency} updates={len(latencies)} elapsed={elapsed:.2f}s")
    print(f"throughput={len(latencies) / elapsed:.1f} updates/s")
    print(f"latency ms: p50={pct(0.5):.1f} p95={pct(0.95):.1f} max={ordered[-1] * 1000:.1f} "
          f"mean={statistics.mean(latencies) * 1000:.1f}")
    print(f"peak RSS={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (bot, emulator and clients in one process)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.users, args.concurrency))
