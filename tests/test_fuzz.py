"""Issue 8: random updates in random states (Hypothesis, bounded).

Each example starts a fresh emulator and bot and plays a random sequence of
inputs for one user: typed text (with Unicode digits, markup characters, emoji),
commands, presses of the buttons the bot showed (which walks into random
states), forged button data with extra `:` parts, shared contacts, uploads.
Every input is answered (a message, an edit or a pop-up), no handler error is
logged, nobody gets the apology, and no line of an answer is in a language
other than the user's. `QAMQOR_FUZZ_EXAMPLES=50` runs a longer fuzz.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from bot.app import QamqorBot
from bot.dispatcher import APOLOGY
from bot.emulator import Emulator
from bot.emulator.client import EmulatorClient
from bot.i18n import LANGUAGES
from bot.settings import SANDBOX_TOKEN, load_settings
from locales import DOMAIN, LOCALES_DIR
from tests.chat import Person, buttons, catalogue, plain

PREFIXES = ["buy", "claim", "claims", "docs", "policies", "consent", "data", "lang", "menu", "support", "x"]
PIECES = ["", "0", "1", "12", "²", "¹2", "١", "yes", "no", "sakbol", "nomad_life", "term_months", "kk", "-1",
          "9999999999999999999999", "p", "a", "v", "e", "g", "c", "i", "r", "accept"]
TEXT = st.text(alphabet=st.sampled_from(list("0123456789 abcXYZабвгдеёжзABC.,:;-+/<>&'\"²³¹١٢" + "😀\n")),
               max_size=30)
ACTION = st.one_of(
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("text"), st.sampled_from(["100000", "12", "15.04.1990", "21504199012345", "880321401238",
                                                "ID 1234567", "+996 555 123 456", "1²", "²", "١٢"])),
    st.tuples(st.just("command"), st.sampled_from(["/start", "/menu", "/buy", "/claim", "/claims", "/documents",
                                                   "/policies", "/support", "/mydata", "/paid ²", "/nope", "/start x:y:z"])),
    st.tuples(st.just("press"), st.integers(0, 30)),
    st.tuples(st.just("press"), st.integers(0, 30)),
    st.tuples(st.just("forge"), st.lists(st.sampled_from(PIECES), min_size=0, max_size=5).map(":".join)
              .flatmap(lambda rest: st.sampled_from(PREFIXES).map(lambda p: f"{p}:{rest}" if rest else p))),
    st.tuples(st.just("contact"), st.sampled_from(["+996555123456", "+77011234567", "12", "+1 202 555 0100"])),
    st.tuples(st.just("upload"), st.sampled_from(["scan.pdf", "photo.jpg", "virus.exe"])),
)
UPLOADS = {"scan.pdf": (b"%PDF-1.4\n%fuzz\n", "application/pdf"),
           "photo.jpg": (b"\xff\xd8\xff\xe0\x10JFIF" + b"\x00" * 64, "image/jpeg"),
           "virus.exe": (b"MZ\x90\x00", "application/octet-stream")}


@cache
def line_languages() -> dict[str, set[str]]:
    """The first 16 characters of each catalogue text -> the languages it belongs to, for
    texts that differ between the languages."""
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        with (LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and isinstance(message.id, str) and isinstance(message.string, str):
                    texts.setdefault(message.id, {})[language] = plain(re.sub(r"%\([a-z_]+\)s", "", message.string))
    index: dict[str, set[str]] = {}
    for versions in texts.values():
        if len(set(versions.values())) < len(versions):
            continue
        for language, text in versions.items():
            for line in text.split("\n"):
                key = line.strip()[:16]
                if len(key) == 16:
                    index.setdefault(key, set()).add(language)
    return index


def wrong_language_lines(text: str, language: str) -> list[str]:
    """Lines from another language's catalogue, in a message with none in the user's
    (the language chooser is deliberately in all three)."""
    index = line_languages()
    found = [index.get(line.strip()[:16], set()) for line in text.split("\n")]
    if any(language in languages for languages in found):
        return []
    return [line for line, languages in zip(text.split("\n"), found) if languages]


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "handlers", "telegram.ext")):
            self.records.append(self.format(record))


async def answered(user: Person, staff_chat: int, staff_after: int, timeout: float = 15.0) -> list[dict]:
    """The bot's answer in the user's chat; while a support ticket is open the input is
    relayed to the staff chat instead (issue 10), which counts as the answer."""
    after = user.input_seq
    events: list[dict] = []
    for second in range(int(timeout)):
        page = await user.control.events(user.id, after=after, wait=1.0, min_count=1)
        for event in page["events"]:
            after = max(after, event["seq"])
            if event["type"] in ("bot_message", "bot_edit", "callback_answer", "invoice"):
                events.append(event)
        if not events and second >= 2 and (await user.control.events(staff_chat, after=staff_after))["events"]:
            user.seq = after
            return []
        if events:
            # a moment for the rest of this answer (a screen often follows a notice)
            page = await user.control.events(user.id, after=after, wait=0.3, min_count=0)
            events += [e for e in page["events"] if e["type"] in ("bot_message", "bot_edit")]
            user.seq = max(after, page["last_seq"])
            return events
    raise AssertionError("no answer")


async def play(actions: list[tuple[str, object]], language: str) -> None:
    errors = Errors()
    logging.getLogger().addHandler(errors)
    emulator = Emulator(token=SANDBOX_TOKEN)
    base = await emulator.start(host="127.0.0.1", port=0)
    with tempfile.TemporaryDirectory() as folder:
        async with EmulatorClient(base) as control:
            staff = await control.create_group("Qamqor staff")
            qamqor = QamqorBot(load_settings({"QAMQOR_API_BASE_URL": base, "QAMQOR_DATA_DIR": folder,
                                              "QAMQOR_STAFF_CHAT_ID": str(staff["id"])}, sandbox=True))
            await qamqor.start(timeout=1)
            try:
                user = Person(control, await control.create_user(first_name="Fuzz", language_code=language))
                apologies = {plain(catalogue(code, APOLOGY)) for code in LANGUAGES}
                for kind, value in [("command", "/start"), *actions]:
                    staff_after = (await control.events(staff["id"]))["last_seq"]
                    if kind == "text":
                        await user.send(str(value) or ".")
                    elif kind == "command":
                        await user.send(str(value))
                    elif kind in ("press", "forge"):
                        message = await user.last_bot_message()
                        choices = list(buttons(message).values())
                        data = choices[int(value) % len(choices)] if kind == "press" and choices else str(value)
                        await user.press(data, message_id=message["message_id"], forge=True)
                        if re.fullmatch(r"lang:(kk|ky|ru)", data):
                            language = data[5:]
                    elif kind == "contact":
                        await user.share_contact(str(value))
                    else:
                        content, mime = UPLOADS[str(value)]
                        await user.upload("document", str(value), content, mime)
                    for event in await answered(user, staff["id"], staff_after):
                        text = (event.get("message") or {}).get("text") or event.get("text") or ""
                        assert text not in apologies, (kind, value)
                        assert wrong_language_lines(text, language) == [], (kind, value, language, text)
                assert errors.records == []
            finally:
                logging.getLogger().removeHandler(errors)
                await qamqor.stop()
    await emulator.stop()


@settings(max_examples=int(os.environ.get("QAMQOR_FUZZ_EXAMPLES", "4")), deadline=None, suppress_health_check=list(HealthCheck), database=None,
          phases=[Phase.explicit, Phase.generate])  # bounded: no shrinking runs of a whole bot
@given(actions=st.lists(ACTION, min_size=8, max_size=18), language=st.sampled_from(["kk", "ky", "ru"]))
def test_random_updates_in_random_states_are_answered_in_the_users_language(actions, language):
    asyncio.run(play(actions, language))
