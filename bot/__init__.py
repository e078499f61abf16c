"""Wiring: settings, the Application, i18n, keyboards, the emulator and the CLI."""

import os

# Opt in to python-telegram-bot's future behaviour (durations as timedelta),
# which the dispatcher already handles, instead of a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
