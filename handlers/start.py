"""Start: language choice, the command menu and the main menu."""

from __future__ import annotations

from bot.conversation import Router, Turn
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, translator
from bot.keyboards import (
    BUY_COVER,
    DOCTOR_ONLINE,
    MY_CLAIMS,
    MY_DATA,
    MY_POLICIES,
    PERSON,
    REPORT_EVENT,
    UPLOAD_DOCUMENTS,
    back_and_person,
)

CHOOSE_LANGUAGE = N_("Choose the language of the bot:")
# Translators: name the language of this catalogue, e.g. "Тіл: қазақша".
LANGUAGE_SET = N_("Language: English")
HELP = N_("👤 Help")
MENU_TITLE = N_("<b>🏠 Main menu</b>")
MENU_GREETING = N_("Hello, %(name)s! What would you like to do?")
MENU_LANGUAGE = N_("🌐 Language")

# (command, description) for Telegram's command menu, set per language.
COMMANDS = (
    ("start", N_("Main menu")),
    ("buy", N_("Buy cover")),
    ("policies", N_("My policies")),
    ("claim", N_("Report an insured event")),
    ("claims", N_("My claims")),
    ("documents", N_("Upload claim documents")),
    ("doctor", N_("Doctor online: a consultation")),
    ("mydata", N_("My data and consents")),
    ("language", N_("Change the language")),
    ("support", N_("Talk to a person")),
)


def command_menu(language: str) -> list[tuple[str, str]]:
    t = translator(language)
    return [(name, t.gettext(description)) for name, description in COMMANDS]


def register(router: Router) -> None:
    router.ask_language = ask_language
    router.home = show_menu

    @router.command("start", needs_consent=False, needs_language=False)
    async def start(turn: Turn) -> None:
        if turn.incoming.args:
            turn.data["start_payload"] = turn.incoming.args[:64]
        if turn.user.language is None:
            await ask_language(turn)
        else:
            await show_menu_or_consent(turn)

    router.command("menu", needs_consent=False)(show_menu_or_consent)

    @router.command("language", needs_consent=False, needs_language=False)
    async def language_command(turn: Turn) -> None:
        await ask_language(turn)

    @router.callback("lang", needs_consent=False, needs_language=False)
    async def choose_language(turn: Turn) -> None:
        code = (turn.incoming.callback_data or "").partition(":")[2]
        if code not in LANGUAGES:
            await ask_language(turn)
            return
        turn.user.language = code
        turn.t = translator(code)
        turn.set_commands(command_menu(code))
        turn.notice(turn._(LANGUAGE_SET))
        await show_menu_or_consent(turn)

    @router.callback("menu")
    async def menu_button(turn: Turn) -> None:
        await show_menu(turn)

    router.screen("language", needs_consent=False)(ask_language)
    router.screen("menu")(show_menu)


async def show_menu_or_consent(turn: Turn) -> None:
    if await turn.router.has_consent(turn):
        await show_menu(turn)
    else:
        await turn.router.ask_consent(turn)


async def ask_language(turn: Turn) -> None:
    """Shown in all three languages at once: we do not know the user's yet."""
    turn.goto("language")
    prompt = "\n".join(translator(code).gettext(CHOOSE_LANGUAGE) for code in LANGUAGES)
    rows = [[(LANGUAGE_NAMES[code], f"lang:{code}") for code in LANGUAGES]]
    if turn.user.language is not None:
        rows.append(back_and_person(turn))
    else:
        rows.append([(" · ".join(translator(code).gettext(HELP) for code in LANGUAGES), "support")])
    turn.show(prompt, rows)


async def show_menu(turn: Turn) -> None:
    """The main menu; a partner bank's deep link (`/start buy-...`) goes straight on."""
    payload = turn.data.pop("start_payload", None)
    if payload and (follow := turn.router.deep_links.get(payload.split("-", 1)[0])):
        await follow(turn, payload)
        return
    turn.goto("menu")
    name = turn.user.first_name or ""
    text = f"{turn._(MENU_TITLE)}\n{turn._(MENU_GREETING, name=name)}"
    turn.show(text, [
        [(turn._(BUY_COVER), "buy"), (turn._(MY_POLICIES), "policies")],
        [(turn._(REPORT_EVENT), "claim"), (turn._(MY_CLAIMS), "claims")],
        [(turn._(UPLOAD_DOCUMENTS), "docs"), (turn._(DOCTOR_ONLINE), "tm")],
        [(turn._(MY_DATA), "data")],
        [(turn._(MENU_LANGUAGE), "lang:choose"), (turn._(PERSON), "support")],
    ])
