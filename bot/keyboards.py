"""Buttons every screen shares: the way back and the way to a person."""

from __future__ import annotations

from bot.conversation import Button, Turn
from bot.i18n import N_

BACK = N_("⬅️ Back")
PERSON = N_("👤 Talk to a person")
MAIN_MENU = N_("🏠 Main menu")
# The journeys' entry buttons, shown in the menu and wherever a journey leads to another.
BUY_COVER = N_("🛡 Buy cover")
MY_POLICIES = N_("📄 My policies")
REPORT_EVENT = N_("🆘 Report an event")
MY_CLAIMS = N_("📋 My claims")
UPLOAD_DOCUMENTS = N_("📎 Upload documents")
MY_DATA = N_("🔒 My data and consents")
DOCTOR_ONLINE = N_("🩺 Doctor online")
SHARE_PHONE = N_("📱 Share my phone")


def back_and_person(turn: Turn, back: str = "menu") -> list[Button]:
    """The last row of a screen: back to `back` (callback data) and to a person."""
    return [(turn._(BACK), back), (turn._(PERSON), "support")]


def menu_and_person(turn: Turn) -> list[Button]:
    return [(turn._(MAIN_MENU), "menu"), (turn._(PERSON), "support")]
