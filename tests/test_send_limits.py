"""Telegram's sending limits: the emulator's flood control answers 429 over them, the
limiter keeps a burst under them; bad settings and `--workers` are refused in one line."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import httpx
import pytest

from bot.emulator import Emulator
from bot.emulator.client import EmulatorClient
from bot.send_limits import Limits, MemoryLimiter, schedule
from bot.settings import SettingsError, load_settings
from tests.test_cli import ROOT, environment

TOKEN = "123456:FLOOD-TEST-TOKEN"


async def _burst(limiter: MemoryLimiter | None, chats: list[int]) -> list[int]:
    """The status of each sendMessage of a burst, sent as fast as the limiter lets it."""
    emulator = Emulator(token=TOKEN, flood_control=True)
    base = await emulator.start(host="127.0.0.1", port=0)
    try:
        async with EmulatorClient(base) as control:
            users = {chat: (await control.create_user(first_name=f"U{chat}"))["id"] for chat in set(chats)}
        async with httpx.AsyncClient(base_url=f"{base}/bot{TOKEN}") as api:
            async def send(chat: int) -> int:
                if limiter is not None:
                    await limiter.acquire(users[chat])
                response = await api.post("/sendMessage", json={"chat_id": users[chat], "text": "hello"})
                if response.status_code == 429:
                    assert response.json()["parameters"]["retry_after"] >= 1
                return response.status_code
            statuses = await asyncio.gather(*(send(chat) for chat in chats))
        assert emulator.flood is not None and emulator.flood.refused == statuses.count(429)
        return statuses
    finally:
        await emulator.stop()


async def test_the_emulator_answers_429_with_retry_after_over_the_overall_and_the_chat_limits():
    overall = await _burst(None, list(range(45)))  # 45 chats at once: over ~30 a second
    assert overall.count(429) > 0 and overall.count(200) >= 30
    one_chat = await _burst(None, [0] * 6)  # one chat: a burst of 3, then one a second
    assert one_chat.count(429) > 0


async def test_the_limiter_keeps_the_same_bursts_at_zero_429():
    assert (await _burst(MemoryLimiter(Limits()), list(range(45)))).count(429) == 0
    assert (await _burst(MemoryLimiter(Limits()), [0] * 5)).count(429) == 0


async def test_flood_control_is_off_by_default():
    emulator = Emulator(token=TOKEN)
    assert emulator.flood is None


def test_gcra_lets_a_burst_go_then_one_per_interval():
    limits = Limits()
    tat, times = None, []
    for _ in range(5):
        at, tat = schedule(tat, limits.private_chat, 100.0)
        times.append(at - 100.0)
    assert times == [0.0, 0.0, 0.0, 1.0, 2.0]


@pytest.mark.parametrize(("environ", "named"), [
    ({"QAMQOR_WORKER_LEASE_SECONDS": "1"}, "QAMQOR_WORKER_LEASE_SECONDS"),
    ({"QAMQOR_WORKER_LEASE_SECONDS": "soon"}, "QAMQOR_WORKER_LEASE_SECONDS"),
    ({"QAMQOR_SEND_LIMITS": "maybe"}, "QAMQOR_SEND_LIMITS"),
    ({"QAMQOR_SEND_RATE": "0"}, "QAMQOR_SEND_RATE"),
])
def test_a_bad_worker_setting_is_named(environ, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(environ, sandbox=True)


def test_limits_are_on_for_telegram_and_off_in_the_sandbox_unless_set():
    assert load_settings({}, sandbox=True).send_limits is False
    assert load_settings({"QAMQOR_SEND_LIMITS": "on"}, sandbox=True).send_limits is True


@pytest.mark.parametrize(("workers", "message"), [
    ("0", "--workers must be at least 1"),
    ("two", "invalid int value"),
    ("2", "several workers need PostgreSQL"),
])
def test_run_refuses_bad_workers_in_one_line(tmp_path, workers, message):
    env = environment(tmp_path, QAMQOR_BOT_TOKEN="123456:ABCDEFGH")
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--workers", workers], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
