"""End to end through the emulator: /start, language, consent, My data, export.

Each test drives the real Application over HTTP, with a real SQLite file.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from bot.i18n import translator
from handlers import consent, start
from insurance.consent import PERSONAL_DATA, consent_text
from storage.db import session_factory
from storage.models import Consent
from tests.chat import buttons, catalogue

KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)
KYRGYZ_LETTERS = re.compile("[ңөү]", re.IGNORECASE)


async def consents_in_db(qamqor, user_id: int) -> list[Consent]:
    async with session_factory(qamqor.engine)() as session:
        return list((await session.scalars(select(Consent).where(Consent.user_id == user_id))).all())


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_start_offers_consent_then_menu_in_the_users_language(qamqor, person, language):
    user = await person(language_code=language)
    await user.send("/start")
    offer = await user.reply()
    assert offer["text"].startswith(catalogue(language, consent.OFFER_TITLE))
    labels = buttons(offer)
    assert labels[translator(language).gettext(consent.AGREE)] == "consent:accept"
    assert "support" in labels.values(), "every screen offers a person"
    if language == "kk":
        assert KAZAKH_LETTERS.search(offer["text"])
    if language == "ky":
        assert KYRGYZ_LETTERS.search(offer["text"])

    await user.press("consent:accept")
    receipt, menu = (r["message"] for r in await user.replies(2))
    # Consent given is a receipt: a message of its own that no later screen overwrites.
    assert receipt["text"].startswith(catalogue(language, consent.ACCEPTED_RECEIPT, version="V", date="D").split("\n")[0])
    assert consent_text(PERSONAL_DATA, language).version in receipt["text"]
    assert menu["message_id"] > receipt["message_id"] > offer["message_id"]
    assert menu["text"].startswith(catalogue(language, start.MENU_TITLE))
    [left] = [m for m in await user.messages() if m["message_id"] == offer["message_id"]]
    assert left["text"] == offer["text"] and not buttons(left), "the offer stays as sent, its buttons gone"
    assert catalogue(language, start.MENU_GREETING, name="Aigerim") in menu["text"]

    stored = await consents_in_db(qamqor, user.id)
    text = consent_text(PERSONAL_DATA, language)
    assert [(c.kind, c.language, c.text_version, c.text_sha256, c.withdrawn_at) for c in stored] == [
        (PERSONAL_DATA, language, text.version, text.sha256, None)
    ]


async def test_unknown_telegram_language_asks_first_in_all_three(qamqor, person):
    user = await person(language_code="en")
    await user.send("/start")
    screen = await user.reply()
    for language in ("kk", "ky", "ru"):
        assert catalogue(language, start.CHOOSE_LANGUAGE) in screen["text"]
    assert set(buttons(screen).values()) >= {"lang:kk", "lang:ky", "lang:ru", "support"}

    await user.press("lang:ky")
    offer = await user.reply()
    assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))
    notice = await user.callback_answer()
    assert notice["text"] == "Тил: кыргызча"


async def test_full_text_is_one_tap_away_and_matches_the_recorded_hash(qamqor, person):
    user = await person(language_code="kk")
    await user.send("/start")
    await user.reply()
    await user.press("consent:full")
    full = await user.reply()
    text = consent_text(PERSONAL_DATA, "kk")
    assert text.title in full["text"] and text.body.splitlines()[0] in full["text"]
    assert text.version in full["text"]
    await user.press("consent:accept")
    await user.replies(2)
    [stored] = await consents_in_db(qamqor, user.id)
    assert stored.text_sha256 == text.sha256


async def test_decline_explains_then_reconsider(qamqor, person):
    user = await person(language_code="ru")
    await user.send("/start")
    await user.reply()
    await user.press("consent:decline")
    declined = await user.reply()
    assert declined["text"].startswith(catalogue("ru", consent.DECLINED_TITLE))
    assert {"consent:accept", "support"} <= set(buttons(declined).values())
    assert await consents_in_db(qamqor, user.id) == []

    # Without consent the menu is not reachable: the bot asks for consent again.
    await user.send("/menu")
    again = await user.reply()
    assert again["text"].startswith(catalogue("ru", consent.OFFER_TITLE))

    await user.press("consent:accept")
    _receipt, menu = (r["message"] for r in await user.replies(2))
    assert menu["text"].startswith(catalogue("ru", start.MENU_TITLE))
    assert len(await consents_in_db(qamqor, user.id)) == 1


async def give_consent(user) -> None:
    await user.send("/start")
    await user.reply()
    await user.press("consent:accept")
    await user.replies(2)  # the receipt, then the menu


async def test_my_data_lists_then_withdraws_the_consent(qamqor, person):
    user = await person(language_code="ky")
    await give_consent(user)
    await user.press("data")
    screen = await user.reply()
    version = consent_text(PERSONAL_DATA, "ky").version
    assert version in screen["text"]
    assert "data:withdraw" in buttons(screen).values()

    await user.press("data:withdraw")
    confirm = await user.reply()
    assert confirm["text"].startswith(catalogue("ky", consent.WITHDRAW_TITLE))
    assert catalogue("ky", consent.WITHDRAW_EXPLAIN).splitlines()[0] in confirm["text"]

    await user.press("data:withdraw-yes")
    notice, screen = await user.replies(2)
    assert notice["message"]["text"].startswith(catalogue("ky", consent.WITHDRAWN, date="X").split("X")[0])
    assert "data:withdraw" not in buttons(screen["message"]).values()
    [stored] = await consents_in_db(qamqor, user.id)
    assert stored.withdrawn_at is not None

    # After withdrawal the journeys are closed until consent is given again.
    await user.press("menu", forge=True)
    offer = await user.reply()
    assert offer["text"].startswith(catalogue("ky", consent.OFFER_TITLE))


async def test_export_sends_my_data_as_json(qamqor, person, control):
    user = await person(language_code="ru", first_name="Нурлан")
    await give_consent(user)
    await user.send("/mydata")
    await user.reply()
    await user.press("data:export")
    document = await user.reply()
    assert document["document"]["file_name"] == f"qamqor-my-data-{user.id}.json"
    exported = json.loads(await control.download(document["document"]["file_id"]))
    assert exported["user"]["telegram_id"] == user.id
    assert exported["user"]["first_name"] == "Нурлан"
    text = consent_text(PERSONAL_DATA, "ru")
    assert [(c["kind"], c["text_version"], c["text_sha256"]) for c in exported["consents"]] == [
        (PERSONAL_DATA, text.version, text.sha256)
    ]


async def test_language_switch_changes_every_later_screen(qamqor, person):
    user = await person(language_code="ru")
    await give_consent(user)
    await user.send("/language")
    await user.reply()
    await user.press("lang:kk")
    menu = await user.reply()
    assert menu["text"].startswith(catalogue("kk", start.MENU_TITLE))
    assert (await user.callback_answer())["text"] == "Тіл: қазақша"
    await user.press("data")
    screen = await user.reply()
    assert screen["text"].startswith(catalogue("kk", consent.MY_DATA_TITLE))


async def test_command_menu_is_set_per_language(qamqor, control):
    for language in ("kk", "ky", "ru"):
        commands = await control.commands(language_code=language)
        expected = [{"command": n, "description": d} for n, d in start.command_menu(language)]
        assert commands == expected
    kk = await control.commands(language_code="kk")
    assert KAZAKH_LETTERS.search(" ".join(c["description"] for c in kk))
