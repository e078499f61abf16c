"""Bot API calls as JSON in, JSON out, for the calls every step makes.

The outbox's rows are already Bot API parameters, and the inbox stores what
Telegram sent: building python-telegram-bot objects from them and back (the
markup, the answered Message, the Updates of a getUpdates) costs more CPU than
the HTTP call itself (bench/steps.py). `Bot.do_api_request` is PTB's documented
way to make a call without those objects; it raises PTB's errors as its methods do.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Bot
from telegram.warnings import PTBUserWarning

# PTB advises its own method when one exists; here the JSON path is chosen on purpose.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


async def raw_call(bot: Bot, method: str, *, read_timeout: float | None = None, **params: Any) -> Any:
    """Call `method` (camelCase) with these parameters (None left out); Telegram's
    `result` as JSON (a dict, a list or True)."""
    timeouts = {"read_timeout": read_timeout} if read_timeout is not None else {}
    return await bot.do_api_request(method, api_kwargs={k: v for k, v in params.items() if v is not None},
                                    **timeouts)
