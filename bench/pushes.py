"""A back office closes a batch: N claim status changes for N customers through the
insurer API, against the real bot, its outbox and the Bot API emulator on loopback.

Reports the time to accept the batch (every change committed with its outbox
row), the sustained delivery rate of the customers' messages, and the number of
429 (flood control) answers the bot received from the emulator (the goal: about
29 messages a second, zero 429s, once the emulator enforces Telegram's limits).

    .venv/bin/python bench/pushes.py              # 10,000 customers
    .venv/bin/python bench/pushes.py --customers 500 --concurrency 20
    .venv/bin/python bench/pushes.py --database-url postgresql+asyncpg://user@host/empty_db
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import QamqorBot  # noqa: E402
from bot.emulator import Emulator  # noqa: E402
from bot.emulator.client import EmulatorClient  # noqa: E402
from bot.partners_cli import execute  # noqa: E402
from bot.settings import SANDBOX_TOKEN, load_settings  # noqa: E402
from storage.db import session_factory  # noqa: E402
from storage.models import OutgoingMessage, utcnow  # noqa: E402
from storage.unit_of_work import UnitOfWork  # noqa: E402


class FloodCounter(logging.Handler):
    """Counts the outbox's "flood control" retries (Telegram's 429 with retry_after)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "flood control" in record.getMessage():
            self.count += 1


async def seed(qamqor: QamqorBot, user_ids: list[int]) -> list[str]:
    """One SAKBOL policy in force and one registered claim per customer."""
    today = date.today()
    numbers = []
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        for user_id in user_ids:
            await uow.users.get_or_create(user_id, language=("kk", "ky", "ru")[user_id % 3])
            application = uow.applications.start(user_id, "sakbol", {"full_name": "Бенч Клиент"}, None)
            application.status = "paid"
            await uow.flush()
            policy = uow.policies.issue(
                number=f"SB-BENCH-{application.id:06d}", user_id=user_id, application_id=application.id,
                product_code="sakbol", holder_name="Бенч Клиент", cover_option="death_disability_injury",
                currency="KGS", sum_insured_minor=10_000_000, premium_minor=225_000, tax_minor=4_500,
                total_minor=229_500, cover_start=today - timedelta(days=30), cover_end=today + timedelta(days=300),
                certificate_sha256="0" * 64)
            await uow.flush()
            claim = await uow.claims.register(
                user_id=user_id, policy_id=policy.id, product_code="sakbol", reporter_relation="holder",
                event_type="injury", disability_group=None, event_date=today - timedelta(days=1),
                description="bench", contact_phone="+996555000000", reported_at=utcnow(),
                reporting_deadline=today + timedelta(days=9), late=False, days_late=0, outside_cover=None)
            numbers.append(claim.number)
        await uow.commit()
    return numbers


async def sent_count(qamqor: QamqorBot) -> int:
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        return (await uow.session.scalar(select(func.count()).select_from(OutgoingMessage).where(
            OutgoingMessage.sent_at.is_not(None), OutgoingMessage.given_up_at.is_(None)))) or 0


async def main(customers: int, concurrency: int, database_url: str | None) -> None:
    flood = FloodCounter()
    logging.getLogger("bot.dispatcher").addHandler(flood)
    with tempfile.TemporaryDirectory() as data_dir:
        emulator = Emulator(token=SANDBOX_TOKEN)
        base = await emulator.start()
        environ = {"QAMQOR_API_BASE_URL": base.removesuffix("/bot"), "QAMQOR_DATA_DIR": data_dir,
                   "QAMQOR_LOG_LEVEL": "WARNING"}
        if database_url:
            environ["QAMQOR_DATABASE_URL"] = database_url
        settings = load_settings(environ, sandbox=True)
        qamqor = QamqorBot(settings)
        await qamqor.start(timeout=1)
        port = await qamqor.serve_api("127.0.0.1", 0)
        try:
            async with EmulatorClient(base.removesuffix("/bot")) as control:
                users = []
                for start in range(0, customers, 200):
                    users += await asyncio.gather(*(control.create_user(first_name=f"C{i}")
                                                    for i in range(start, min(customers, start + 200))))
            numbers = await seed(qamqor, [u["id"] for u in users])
            out = await execute(settings, argparse.Namespace(action="add", name="SAKBOL", kind="insurer",
                                                             products="sakbol", webhook_url=None))
            key = out.split("keep it secret): ")[1].split()[0]
            before = await sent_count(qamqor)
            gate = asyncio.Semaphore(concurrency)
            statuses: dict[int, int] = {}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120,
                                         headers={"Authorization": f"Bearer {key}"}) as client:
                async def push(number: str) -> None:
                    async with gate:
                        answer = await client.post(f"/api/v1/claims/{number}/status",
                                                   json={"status": "under_review"},
                                                   headers={"Idempotency-Key": str(uuid.uuid4())})
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

                started = time.perf_counter()
                await asyncio.gather(*(push(n) for n in numbers))
                accepted = time.perf_counter() - started
            first_sent = last_sent = None
            delivered = 0
            deadline = time.perf_counter() + max(600.0, customers / 5)
            while delivered < customers and time.perf_counter() < deadline:
                await asyncio.sleep(0.5)
                delivered = await sent_count(qamqor) - before
                now = time.perf_counter()
                if delivered and first_sent is None:
                    first_sent = now
                last_sent = now if delivered else last_sent
            span = (last_sent - first_sent) if first_sent and last_sent and last_sent > first_sent else 0.0
            print(f"customers: {customers}; answers: {statuses}")
            print(f"accepted in {accepted:.1f} s ({customers / accepted:.0f} changes/s, concurrency {concurrency})")
            print(f"delivered {delivered} messages in {span:.1f} s after the first: "
                  f"{delivered / span if span else float('nan'):.1f} messages/s sustained")
            print(f"429 (flood control) answers received: {flood.count}")
        finally:
            await qamqor.stop()
            await emulator.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight at once")
    parser.add_argument("--database-url", default=None, help="e.g. an empty PostgreSQL database (default: SQLite)")
    options = parser.parse_args()
    asyncio.run(main(options.customers, options.concurrency, options.database_url))
