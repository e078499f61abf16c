"""Telegram's flood control, emulated (off unless asked for): a message over the
limits of :mod:`bot.send_limits` is answered 429 with ``retry_after``, as Telegram does.

The emulator is a little more lenient than the limits the bot obeys (``slack``
seconds per bucket): a message reserved at the limit arrives a few milliseconds
late or early, and that jitter is not a flood.
"""

from __future__ import annotations

import math
import time

from bot.send_limits import Limits, Rule, counted

from .errors import ApiError

DEFAULT_SLACK = 0.25


class FloodControl:
    def __init__(self, limits: Limits | None = None, slack: float = DEFAULT_SLACK) -> None:
        self.limits = limits or Limits()
        self.slack = slack
        self._tats: dict[str, float] = {}
        #: 429 answers given so far (tests and benchmarks expect 0 with a limiter).
        self.refused = 0

    def check(self, method: str, chat_id: object) -> None:
        """Count one call; raise the 429 Telegram would answer when it is over a limit."""
        if not counted(method):
            return
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        now = time.monotonic()
        buckets: list[tuple[str, Rule]] = [("overall", self.limits.overall)]
        if isinstance(chat_id, int):
            buckets.insert(0, (f"chat:{chat_id}", self.limits.for_chat(chat_id)))
        late = max(self._tats.get(key, now) - rule.tolerance - self.slack - now for key, rule in buckets)
        if late > 0:
            self.refused += 1
            retry_after = max(1, math.ceil(late))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
        for key, rule in buckets:
            self._tats[key] = max(self._tats.get(key, now), now) + rule.interval
