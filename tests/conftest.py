"""Fixtures: the Bot API emulator, a real SQLite file, and the real bot on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import QamqorBot
from bot.emulator import Emulator
from bot.emulator.client import EmulatorClient
from bot.settings import SANDBOX_TOKEN, Settings, load_settings
from insurance.catalogue import get_product
from insurance.product import Product
from tests.chat import Person

SANDBOX_SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "sandbox"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Screenshots of this run only: cleared once, before any pytest-xdist worker starts
    (a worker clearing them would delete what the others just took)."""
    if not hasattr(session.config, "workerinput"):
        for old in SANDBOX_SCREENSHOTS.glob("*.png"):
            old.unlink()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(token=SANDBOX_TOKEN)
    await emu.start(host="127.0.0.1", port=0)
    yield emu
    await emu.stop()


@pytest.fixture
async def control(emulator: Emulator) -> AsyncIterator[EmulatorClient]:
    base = emulator.bot_api_base_url.removesuffix("/bot")
    async with EmulatorClient(base) as client:
        yield client


@pytest.fixture
async def settings(tmp_path: Path, emulator: Emulator, control: EmulatorClient) -> Settings:
    staff = await control.create_group("Qamqor staff")
    base = emulator.bot_api_base_url.removesuffix("/bot")
    return load_settings({
        "QAMQOR_API_BASE_URL": base,
        "QAMQOR_DATA_DIR": str(tmp_path),
        "QAMQOR_STAFF_CHAT_ID": str(staff["id"]),
        "QAMQOR_LOG_LEVEL": "DEBUG",
    }, sandbox=True)


@pytest.fixture
async def start_bot(settings: Settings) -> AsyncIterator[Callable[..., Awaitable[QamqorBot]]]:
    """Starts a bot process (several in turn, to test restarts); all are stopped at the end."""
    running: list[QamqorBot] = []

    async def start(**overrides: object) -> QamqorBot:
        qamqor = QamqorBot(replace(settings, **overrides) if overrides else settings)
        await qamqor.start(timeout=1)
        running.append(qamqor)
        return qamqor

    yield start
    for qamqor in running:
        if qamqor.application.running:
            await qamqor.stop()


@pytest.fixture
async def qamqor(start_bot: Callable[..., Awaitable[QamqorBot]]) -> QamqorBot:
    return await start_bot()


@pytest.fixture
def person(control: EmulatorClient) -> Callable[..., Awaitable[Person]]:
    async def make(language_code: str | None = "ru", first_name: str = "Aigerim") -> Person:
        user = await control.create_user(first_name=first_name, language_code=language_code)
        return Person(control, user)

    return make


@pytest.fixture(scope="session")
def nomad() -> Product:
    return get_product("nomad_life")


@pytest.fixture(scope="session")
def sakbol() -> Product:
    return get_product("sakbol")
