"""Scripted purchases for the end-to-end tests: every user action counted."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.emulator.client import EmulatorClient
from insurance.identity import iin_check_digit
from tests.chat import Person, buttons

KG_PIN = "21504199012345"        # male, born 15.04.1990
KZ_IIN = "880321401238"          # female, born 21.03.1988
KG_DOCUMENT = "ID1234567, 10.05.2018, МКК 50-01"
KZ_DOCUMENT = "N12345678 01.02.2020 МВД РК"


def make_iin(born: date, female: bool = True) -> str:
    """A valid IIN for `born` (digit 7: century and sex; digit 12: the check digit)."""
    century = {1900: "3", 2000: "5"}[born.year // 100 * 100]
    century = str(int(century) + female)
    for serial in range(1000, 9999):
        first = f"{born:%y%m%d}{century}{serial:04d}"
        digit = iin_check_digit(first)
        if digit is not None:
            return first + str(digit)
    raise AssertionError("no IIN")


class Buyer(Person):
    """A Person who counts every action: a message, a tap, a contact, a payment."""

    actions = 0

    async def send(self, text: str) -> None:
        self.actions += 1
        await super().send(text)

    async def press(self, data: str, **kwargs: Any) -> dict[str, Any]:
        self.actions += 1
        return await super().press(data, **kwargs)

    async def share_contact(self, phone: str, contact_user_id: int | None | str = "self") -> None:
        self.actions += 1
        await super().share_contact(phone, contact_user_id)

    async def pay(self, invoice_message_id: int) -> dict[str, Any]:
        self.actions += 1
        await self._mark()
        return await self.control.pay(self.id, invoice_message_id)


async def buyer(control: EmulatorClient, language: str, first_name: str = "Айгүл",
                last_name: str | None = "Өмүрбекова") -> Buyer:
    return Buyer(control, await control.create_user(first_name=first_name, last_name=last_name,
                                                    language_code=language))


async def consent(user: Person, start: str = "/start") -> dict:
    """/start (with a link's payload or not) and the personal-data consent."""
    await user.send(start)
    await user.reply()
    await user.press("consent:accept")
    _receipt, screen = await user.replies(2)  # the consent receipt, then the menu or the card
    return screen["message"]


async def step(user: Person, text: str | None = None, *, press: str | None = None, replies: int = 1) -> Any:
    if press:
        await user.press(press)
    else:
        await user.send(text)
    found = await user.replies(replies)
    return found[0]["message"] if replies == 1 else [f["message"] for f in found]


async def open_card(user: Person, product: str) -> dict:
    await step(user, press="buy")
    return await step(user, press=f"buy:p:{product}")


async def sakbol_declaration(user: Person, option: str = "death") -> dict:
    """Menu → SAKBOL → an option → a 100 000 loan for 12 months: the declaration screen."""
    await consent(user)
    await open_card(user, "sakbol")
    await step(user, press=f"buy:o:{option}")
    await step(user, "100000")
    return await step(user, press="buy:v:term_months:12")


async def sign_and_pay(user: "Buyer", control: EmulatorClient, phone: str) -> tuple[dict, dict]:
    """From the summary: share the phone, enter the code, pay; the receipt and the certificate."""
    _document, _prompt, code = await share_and_sign(user, control, phone)
    _signed, _pay, invoice = await enter_code(user, code)
    assert (await user.pay(invoice["message_id"]))["ok"] is True
    issued, certificate = await user.replies(2)
    return issued["message"], certificate["message"]


async def fill_sakbol(user: Person, *, option: str = "death_disability_injury", loan: bool = True,
                      pin: str = KG_PIN, typed_name: str | None = None, phone_known: bool = False) -> list:
    """From the card to the summary (and the share-to-sign prompt when the phone is unknown)."""
    await step(user, press=f"buy:o:{option}")
    if loan:
        await step(user, "100000")
        await step(user, press="buy:v:term_months:12")
    await step(user, press="buy:dn")
    await step(user, pin)
    if typed_name:
        await step(user, typed_name)
    else:
        await step(user, press="buy:v:full_name:suggested")
    await step(user, KG_DOCUMENT)
    await step(user, "Бишкек, Чүй проспектиси 114, 5-батир")
    await user.send("Мбанк, кассир")
    return [r["message"] for r in await user.replies(1 if phone_known else 2)]


async def share_and_sign(user: Person, control: EmulatorClient, phone: str) -> tuple[dict, dict, str]:
    """Share the phone at the summary: the application and the signing prompt; the SMS code."""
    await user.share_contact(phone)
    document, prompt = await user.replies(2)
    code, _ = await latest_code(control)
    return document["message"], prompt["message"], code


async def latest_code(control: EmulatorClient, after: int = 0) -> tuple[str, int]:
    page = await control.sms(after=after, wait=10)
    message = page["messages"][-1]
    return re.search(r"\b(\d{6})\b", message["text"]).group(1), page["last_seq"]


async def enter_code(user: Person, code: str) -> tuple[dict, dict, dict]:
    await user.send(code)
    signed, pay_screen, invoice = await user.replies(3)
    return signed["message"], pay_screen["message"], invoice["message"]


def cover_start_buttons(message: dict) -> str:
    return [d for d in buttons(message).values() if d.startswith("buy:v:cover_start:")][0]
