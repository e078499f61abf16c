"""The one place where typed text and button data become numbers and arguments.

Crafted input (issue 8) must never reach an exception: `str.isdigit()` accepts
superscript and other Unicode digits that `int()` then refuses, and button data
can carry extra `:` parts. Everything here answers None (or False) instead of
raising, and callers show the field's normal error or the current screen.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only (not ², not ٣, not full-width digits)."""
    return text.isascii() and text.isdigit()


def parse_int(text: str | None, *, maximum: int | None = None) -> int | None:
    """A whole number written with ASCII digits, or None."""
    if text is None or not ascii_digits(text) or len(text) > 18:
        return None
    value = int(text)
    return None if maximum is not None and value > maximum else value


@dataclass(frozen=True)
class CallbackData:
    """`prefix:action:arg:...` as the bot writes it on its buttons."""

    prefix: str
    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int = 0) -> int | None:
        return parse_int(self.args[index]) if index < len(self.args) else None


def parse_callback(data: str | None) -> CallbackData:
    parts = (data or "").split(":")
    return CallbackData(parts[0], parts[1] if len(parts) > 1 else "", tuple(parts[2:]))


@functools.cache
def _signature(handler: Callable[..., Any]) -> inspect.Signature:
    """Handlers are module-level functions, a few dozen: each read once."""
    return inspect.signature(handler)


def accepts(handler: Callable[..., Any], *args: Any) -> bool:
    """Whether `handler(*args)` matches its signature (a forged button may carry more or
    fewer parts than the handler takes)."""
    try:
        _signature(handler).bind(*args)
    except TypeError:
        return False
    return True
