"""Telegram's sending limits, as the limiter obeys them and the emulator enforces them.

Telegram's FAQ ("My bot is hitting limits, how do I avoid this?"): about 30
messages per second to different chats; in one chat no more than one message per
second, short bursts allowed; in a group no more than 20 messages per minute.
Each limit is a GCRA bucket (a token bucket told as "the earliest time the next
message may go"): `interval` seconds per message, `burst` messages at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

# Bot API methods that put or change a message in a chat: what the limits count.
COUNTED_PREFIXES = ("send", "copy", "forward", "edit")


@dataclass(frozen=True)
class Rule:
    interval: float  # seconds per message in the long run
    burst: int = 1  # messages that may go at once

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


@dataclass(frozen=True)
class Limits:
    overall: Rule = Rule(1 / 30, 30)
    private_chat: Rule = Rule(1.0, 3)
    group: Rule = Rule(3.0, 5)  # 20 a minute

    def for_chat(self, chat_id: int) -> Rule:
        return self.group if chat_id < 0 else self.private_chat

    @classmethod
    def per_second(cls, overall: float) -> Limits:
        return cls(overall=Rule(1 / overall, max(1, round(overall))))


def counted(method: str) -> bool:
    """Whether a Bot API method (camelCase or snake_case) counts against the limits."""
    return method.lower().startswith(COUNTED_PREFIXES)


def schedule(tat: float | None, rule: Rule, not_before: float) -> tuple[float, float]:
    """GCRA: when a message asked for at `not_before` may go, and the bucket's next
    theoretical arrival time. `tat` is None for a bucket never used."""
    at = not_before if tat is None else max(not_before, tat - rule.tolerance)
    return at, max(tat if tat is not None else at, at) + rule.interval


class MemoryLimiter:
    """The limiter of one process (SQLite deployments: a single worker)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._tats: dict[str, float] = {}
        self.waited = 0.0

    def _reserve(self, key: str, rule: Rule, not_before: float) -> float:
        at, self._tats[key] = schedule(self._tats.get(key), rule, not_before)
        return at

    async def acquire(self, chat_id: int) -> None:
        now = time.monotonic()
        at = self._reserve(f"chat:{chat_id}", self.limits.for_chat(chat_id), now)
        at = self._reserve("overall", self.limits.overall, at)
        if at > now:
            self.waited += at - now
            await asyncio.sleep(at - now)

    async def penalise(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 with retry_after: nothing more to this chat until then."""
        rule = self.limits.for_chat(chat_id)
        key = f"chat:{chat_id}"
        self._tats[key] = max(self._tats.get(key, 0.0), time.monotonic() + seconds + rule.tolerance)

    async def prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, tat in self._tats.items() if tat < now - 60]:
            del self._tats[key]


class NoLimiter:
    """Limits off (the sandbox and tests, whose emulator does not enforce them)."""

    waited = 0.0

    async def acquire(self, chat_id: int) -> None:
        return None

    async def penalise(self, chat_id: int, seconds: float) -> None:
        return None

    async def prune(self) -> None:
        return None


class Limiter(Protocol):
    """What the outbox asks of a limiter (this module's, or storage.send_slots.SharedLimiter)."""

    waited: float

    async def acquire(self, chat_id: int) -> None: ...

    async def penalise(self, chat_id: int, seconds: float) -> None: ...

    async def prune(self) -> None: ...
