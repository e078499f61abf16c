"""The sandbox page: a Telegram-like chat in the browser, on top of the Bot API emulator.

``Emulator(..., sandbox_page=True)`` serves it at ``/`` of the emulator's own server, next
to the control API it talks to (same origin). The files in ``static/`` are plain ES
modules and CSS: nothing to build, nothing fetched from other hosts. See docs/sandbox.md.
"""

from .page import OPERATOR_NAME, SandboxPage

__all__ = ["OPERATOR_NAME", "SandboxPage"]
