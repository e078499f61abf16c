"""The commands a newcomer and an operator type, run as real processes."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import httpx

from bot.emulator import Emulator
from bot.emulator.client import EmulatorClient
from handlers import consent
from tests.chat import Person, catalogue

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "424242:CLI-test-token_abcdef"


DATA_KEY = "uW1ZQ9n4mDq6xg0oB3aYQm2Qm2bXx6uGQWZ0x8Hk3pM="


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env.update({"PYTHONPATH": str(ROOT), "QAMQOR_DATA_DIR": str(tmp_path / "data"),
                "QAMQOR_DATA_KEY": DATA_KEY, "QAMQOR_TEST_SETUP": "1", "QAMQOR_API_PORT": "0", **values})
    return env


async def read_until(stream: asyncio.StreamReader, pattern: str, timeout: float = 60) -> str:
    seen = ""
    async with asyncio.timeout(timeout):
        while not re.search(pattern, seen):
            line = await stream.readline()
            if not line:
                raise AssertionError(f"process ended before {pattern!r}; output:\n{seen}")
            seen += line.decode()
    return seen


async def stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.terminate()
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    return err.decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_sandbox_starts_without_a_token_and_answers_start(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", cwd=tmp_path,
        env=environment(tmp_path, QAMQOR_SANDBOX_PORT="0"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        banner = await read_until(process.stdout, r"partner API: (http://\S+)/api/v1")
        base = re.search(r"running: (http://\S+)/", banner).group(1)
        api = re.search(r"partner API: (http://127\.0\.0\.1:\d+)/api/v1", banner).group(1)
        async with httpx.AsyncClient(base_url=api) as web:
            assert (await web.get("/healthz")).json() == {"status": "ok", "database": "ok"}
            assert "/api/v1/claims" in (await web.get("/api/v1/openapi.json")).json()["paths"]
        async with EmulatorClient(base) as control:
            user = Person(control, await control.create_user(first_name="Айбек", language_code="ky"))
            await user.send("/start")
            offer = await user.reply(timeout=60)
            assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))
    finally:
        errors = await stop(process)
    assert (tmp_path / "data" / "qamqor.sqlite3").is_file()
    assert "Traceback" not in errors


async def test_run_talks_to_any_bot_api_server_and_keeps_the_token_out_of_logs(tmp_path):
    emulator = Emulator(token=TOKEN)
    base = await emulator.start(host="127.0.0.1", port=0)
    api_port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path,
        env=environment(tmp_path, QAMQOR_BOT_TOKEN=TOKEN, QAMQOR_API_BASE_URL=base, QAMQOR_LOG_LEVEL="DEBUG",
                        QAMQOR_API_LISTEN="127.0.0.1", QAMQOR_API_PORT=str(api_port)),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with EmulatorClient(base) as control:
            user = Person(control, await control.create_user(first_name="Асель", language_code="kk"))
            await user.send("/start")
            offer = await user.reply(timeout=60)
            assert offer["text"].startswith(catalogue("kk", consent.OFFER_TITLE))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}") as web:
            # Long polling: the partner API listens on its own port.
            assert (await web.get("/healthz")).json()["status"] == "ok"
    finally:
        logs = await stop(process)
        await emulator.stop()
    assert "getUpdates" in logs or "Polling" in logs or "polling" in logs
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs


async def test_run_with_a_webhook_receives_updates_with_the_secret(tmp_path):
    emulator = Emulator(token=TOKEN)
    base = await emulator.start(host="127.0.0.1", port=0)
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path,
        env=environment(tmp_path, QAMQOR_BOT_TOKEN=TOKEN, QAMQOR_API_BASE_URL=base,
                        QAMQOR_WEBHOOK_URL=f"http://127.0.0.1:{port}", QAMQOR_WEBHOOK_SECRET="hook-secret-1",
                        QAMQOR_WEBHOOK_LISTEN="127.0.0.1", QAMQOR_WEBHOOK_PORT=str(port)),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with EmulatorClient(base) as control:
            async with asyncio.timeout(30):
                while not await control.requests("setWebhook"):
                    await asyncio.sleep(0.2)
            [request] = await control.requests("setWebhook")
            assert request["params"]["url"] == f"http://127.0.0.1:{port}/telegram"
            user = Person(control, await control.create_user(first_name="Ерлан", language_code="ru"))
            await user.send("/start")
            offer = await user.reply(timeout=60)
            assert offer["text"].startswith(catalogue("ru", consent.OFFER_TITLE))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as web:
            # One server: the webhook, the partner API and the health check.
            assert (await web.get("/healthz")).json()["status"] == "ok"
            assert (await web.get("/api/v1/claims")).status_code == 401
    finally:
        logs = await stop(process)
        await emulator.stop()
    assert "hook-secret-1" not in logs and TOKEN not in logs


async def test_partners_add_prints_the_key_once_and_refuses_bad_arguments(tmp_path):
    async def cli(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "partners", *args, cwd=tmp_path, env=environment(tmp_path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 120)
        return process.returncode, out.decode(), err.decode()

    code, out, _ = await cli("add", "--name", "SAKBOL", "--kind", "insurer", "--products", "sakbol")
    assert code == 0
    key = re.search(r"API key \(shown once, keep it secret\): (qmq_\S+)", out).group(1)
    code, listing, _ = await cli("list")
    assert code == 0 and "SAKBOL" in listing and key not in listing
    import hashlib
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "qamqor.sqlite3") as db:
        assert db.execute("SELECT key_sha256 FROM partners").fetchone()[0] == hashlib.sha256(key.encode()).hexdigest()
    for args, message in ((("add", "--name", "SAKBOL", "--kind", "insurer", "--products", "sakbol"), "exists"),
                          (("add", "--name", "X", "--kind", "insurer", "--products", "life"), "unknown product"),
                          (("add", "--name", "X", "--kind", "broker", "--products", "sakbol"), "invalid choice"),
                          (("add", "--name", "X", "--kind", "bank", "--products", "sakbol", "--webhook-url", "ftp://x"),
                           "http(s) URL"),
                          (("revoke", "Nobody"), "no partner")):
        code, out, err = await cli(*args)
        last = err.strip().splitlines()[-1]
        assert code == 2 and last.startswith("qamqor: ") and message in last and "Traceback" not in err
