"""Crash drill (issue 8): concurrent journeys through a separate bot process that is
killed with `kill -9` at random moments and restarted.

    .venv/bin/python bench/crash.py --purchases 6 --visitors 6 --kills 5 --seed 1

The bot runs as `python -m bot run` against the project's Bot API emulator (in
this process), with the emulator's SMS panel as its SMS gateway and the
emulator's test payments. Each journey waits for the bot's answer to every
input; an input the emulator saw acknowledged that is never answered is *lost*.
Reported (JSON): lost inputs, lost payments (charged, no policy), duplicate rows
(two policies/payments for one application, two active copies of one consent,
more support requests than asked), duplicate messages (the same message twice in
a row to one chat: only where a crash fell between sending and recording it).
`tests/test_crash_drill.py` runs it bounded and asserts 0 / 0 / 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.emulator import Emulator  # noqa: E402
from bot.emulator.client import EmulatorClient  # noqa: E402
from tests.chat import BOT_EVENTS, Person, buttons  # noqa: E402

TOKEN = "123456:CRASH-DRILL-TOKEN"
DATA_KEY = "uW1ZQ9n4mDq6xg0oB3aYQm2Qm2bXx6uGQWZ0x8Hk3pM="
KG_PIN = "21504199012345"
STEP_TIMEOUT = 40.0  # covers a kill and a restart on a slow machine
PURCHASE_INPUTS = 16  # inputs `purchase` waits an answer for
VISITOR_INPUTS = 6


@dataclass
class Report:
    journeys: int = 0
    inputs: int = 0
    kills: int = 0
    lost_inputs: int = 0
    payments: int = 0
    lost_payments: int = 0
    duplicate_rows: int = 0
    duplicate_messages: int = 0
    finished_journeys: int = 0
    seconds: float = 0.0
    data_dir: str = ""
    lost: list[str] = field(default_factory=list)
    cut_short: list[str] = field(default_factory=list)


class BotProcess:
    """`python -m bot run` in its own process; `kill()` is `kill -9`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=self.env, stdout=log, stderr=log)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except asyncio.TimeoutError:
                await self.kill()


class Journey:
    def __init__(self, person: Person, report: Report) -> None:
        self.person = person
        self.report = report

    async def answered(self, what: str, *, count: int = 1) -> list[dict[str, Any]]:
        """The bot's answer to the last input (a message or an edit)."""
        self.report.inputs += 1
        deadline = time.monotonic() + STEP_TIMEOUT
        found: list[dict[str, Any]] = []
        after = self.person.input_seq
        while len(found) < count and time.monotonic() < deadline:
            page = await self.person.control.events(self.person.id, after=after, wait=1.0, min_count=1)
            for event in page["events"]:
                after = max(after, event["seq"])
                if event["type"] in BOT_EVENTS:
                    found.append(event)
        self.person.seq = max(self.person.seq, after)
        if not found:
            self.report.lost_inputs += 1
            self.report.lost.append(f"user {self.person.id}: {what}")
            raise LookupError(what)
        return found

    async def send(self, text: str, count: int = 1) -> list[dict[str, Any]]:
        await self.person.send(text)
        return await self.answered(f"text {text!r}", count=count)

    async def press(self, data: str, count: int = 1) -> list[dict[str, Any]]:
        await self.until_button(data)
        await self.person.press(data)
        return await self.answered(f"press {data!r}", count=count)

    async def until_button(self, data_prefix: str) -> str:
        """Wait (a restart may delay it) for a message with a button starting with `data_prefix`."""
        deadline = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < deadline:
            for message in reversed(await self.person.messages()):
                if message.get("from_bot"):
                    for data in buttons(message).values():
                        if data.startswith(data_prefix):
                            return data
            await asyncio.sleep(0.3)
        raise LookupError(f"no button {data_prefix}")


async def visitor(journey: Journey, index: int) -> None:
    """Short journey: consent, language, a question to a person."""
    await journey.send("/start")
    await journey.press("consent:accept")
    await journey.send("/language")
    await journey.press(f"lang:{('kk', 'ky', 'ru')[index % 3]}")
    await journey.send("/support")
    await journey.send(f"Question number {index}: when will my policy arrive?")


async def purchase(journey: Journey, control: EmulatorClient, index: int) -> bool:
    """SAKBOL from /start to the certificate; True when paid."""
    person = journey.person
    phone = f"+996 555 {200000 + index}"
    await journey.send("/start")
    await journey.press("consent:accept")
    await journey.press("buy")
    await journey.press("buy:p:sakbol")
    await journey.press("buy:o:death_disability_injury")
    await journey.send("100000")
    await journey.press("buy:v:term_months:12")
    await journey.press("buy:dn")  # nothing of the declaration applies
    for typed in (KG_PIN, "Айгүл Өмүрбекова", "ID1234567, 10.05.2018, МКК 50-01",
                  "Бишкек, Чүй проспектиси 114, 5-батир", "Мбанк, кассир"):
        await journey.send(typed)
    sms_before = (await control.sms(wait=0))["last_seq"]
    await person.share_contact(phone)  # signs the summary: the application, then the code by SMS
    await journey.answered("contact")
    code = await code_for(control, phone, sms_before)
    await journey.send(code)
    invoice = await wait_for_invoice(person)
    for _ in range(5):  # a kill during pre-checkout refuses the charge: nothing taken, try again
        paid = await control.pay(person.id, invoice["message_id"])
        if paid.get("ok"):
            journey.report.payments += 1
            await journey.answered("payment")
            return True
        await asyncio.sleep(1.0)
    return False


async def code_for(control: EmulatorClient, phone: str, after: int) -> str:
    digits = re.sub(r"\D", "", phone)
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        page = await control.sms(after=after, wait=2)
        for sms in page["messages"]:
            if re.sub(r"\D", "", sms["phone"]) == digits:
                return re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    raise LookupError(f"no SMS to {phone}")


async def wait_for_invoice(person: Person) -> dict[str, Any]:
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        for message in reversed(await person.messages()):
            if message.get("invoice"):
                return message
        await asyncio.sleep(0.3)
    raise LookupError("no invoice")


async def settle(database: Path, timeout: float = 60.0) -> None:
    """Wait until the bot has processed every stored update and sent every reply."""
    deadline = time.monotonic() + timeout
    pending = "unknown"
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as db:
            pending = db.execute("SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL) + "
                                 "(SELECT count(*) FROM outbox WHERE sent_at IS NULL)").fetchone()[0]
        if pending == 0:
            return
        await asyncio.sleep(0.5)
    raise LookupError(f"{pending} updates or replies still pending after {timeout:.0f} s")


def count_duplicate_rows(database: Path, visitors: int) -> int:
    with sqlite3.connect(database) as db:
        duplicates = 0
        for query in (
            "SELECT count(*) - count(DISTINCT application_id) FROM policies",
            "SELECT count(*) - count(DISTINCT application_id) FROM payments",
            "SELECT count(*) FROM (SELECT user_id, kind, scope FROM consents WHERE withdrawn_at IS NULL "
            "GROUP BY user_id, kind, scope HAVING count(*) > 1)",
            "SELECT count(*) FROM (SELECT user_id FROM support_requests GROUP BY user_id HAVING count(*) > 1)",
        ):
            duplicates += db.execute(query).fetchone()[0]
        return duplicates


def count_policies(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM policies").fetchone()[0]


async def count_duplicate_messages(control: EmulatorClient, user_ids: list[int]) -> int:
    duplicates = 0
    for user_id in user_ids:
        previous = None
        for message in await control.messages(user_id):
            if not message.get("from_bot"):
                previous = None
                continue
            key = (message.get("text"), (message.get("document") or {}).get("file_name"),
                   json.dumps(message.get("reply_markup"), sort_keys=True))
            duplicates += key == previous
            previous = key
    return duplicates


async def drill(purchases: int = 4, visitors: int = 4, kills: int = 3, seed: int = 1,
                data_dir: Path | None = None) -> Report:
    rng = random.Random(seed)
    report = Report(journeys=purchases + visitors)
    started = time.monotonic()
    folder = Path(data_dir or tempfile.mkdtemp(prefix="qamqor-crash-"))
    emulator = Emulator(token=TOKEN, pre_checkout_timeout=5.0)
    base = await emulator.start(host="127.0.0.1", port=0)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update(PYTHONPATH=str(ROOT), QAMQOR_BOT_TOKEN=TOKEN, QAMQOR_API_BASE_URL=base,
               QAMQOR_DATA_DIR=str(folder), QAMQOR_DATA_KEY=DATA_KEY, QAMQOR_LOG_LEVEL="WARNING",
               QAMQOR_SMS_GATEWAY_URL=f"{base}/control/sms", QAMQOR_PAYMENT_PROVIDER_TOKEN="sandbox-payments",
               # the drill is about kills; this emulator enforces no sending limits
               QAMQOR_SEND_LIMITS="off")
    bot = BotProcess(env, folder / "bot.log")
    await bot.start()
    done = asyncio.Event()

    # Kills fall at random points of the journeys' progress (not of the clock, which a
    # fast machine outruns and a slow one spends on start-up), a moment into a step.
    expected_inputs = purchases * PURCHASE_INPUTS + visitors * VISITOR_INPUTS
    kill_points = sorted(rng.sample(range(3, max(4, expected_inputs * 4 // 5)), kills))

    async def killer() -> None:
        for point in kill_points:
            while report.inputs < point and not done.is_set():
                await asyncio.sleep(0.02)
            if done.is_set():
                return
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await bot.kill()
            report.kills += 1
            await bot.start()

    try:
        async with EmulatorClient(base, timeout=60) as control:
            people = [Person(control, await control.create_user(first_name=f"Drill{i}", language_code="ky"))
                      for i in range(purchases + visitors)]

            async def run(index: int, person: Person) -> None:
                journey = Journey(person, report)
                try:
                    if index < purchases:
                        await purchase(journey, control, index)
                    else:
                        await visitor(journey, index)
                    report.finished_journeys += 1
                except (LookupError, AssertionError) as exc:  # a lost input is counted where it happened
                    report.cut_short.append(f"user {person.id}: {str(exc)[:200]}")

            killing = asyncio.create_task(killer())
            await asyncio.gather(*(run(i, p) for i, p in enumerate(people)))
            done.set()
            await killing
            await settle(folder / "qamqor.sqlite3")
            report.duplicate_messages = await count_duplicate_messages(control, [p.id for p in people])
    finally:
        done.set()
        await bot.stop()
        await emulator.stop()
    database = folder / "qamqor.sqlite3"
    report.lost_payments = max(0, report.payments - count_policies(database))
    report.duplicate_rows = count_duplicate_rows(database, visitors)
    report.seconds = round(time.monotonic() - started, 1)
    report.data_dir = str(folder)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--purchases", type=int, default=6)
    parser.add_argument("--visitors", type=int, default=6)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    report = asyncio.run(drill(args.purchases, args.visitors, args.kills, args.seed))
    print(json.dumps(asdict(report), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
