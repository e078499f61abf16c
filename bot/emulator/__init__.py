"""A local Telegram Bot API emulator for end-to-end tests of the bot.

:class:`Emulator` serves a fake ``api.telegram.org`` that python-telegram-bot talks to
unchanged, plus a JSON control API (``/control/``) to act as users and inspect the bot's
output; :class:`EmulatorClient` wraps that control API. See ``docs/emulator.md``.
"""

from .client import EmulatorClient, EmulatorError
from .server import DEFAULT_TOKEN, Emulator

__all__ = ["DEFAULT_TOKEN", "Emulator", "EmulatorClient", "EmulatorError"]
