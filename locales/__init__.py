"""Gettext catalogues (kk, ky, ru) for the `messages` domain, compiled with Babel."""

from pathlib import Path

LOCALES_DIR = Path(__file__).parent
DOMAIN = "messages"
