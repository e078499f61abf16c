"""A rule saying no to one input, with a stable code the handlers explain in the user's language."""

from __future__ import annotations


class ReasonedError(ValueError):
    """`reason` names what was wrong (e.g. `in_future`); subclasses add what the message needs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
