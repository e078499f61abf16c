"""The sandbox page in a real browser: Playwright driving Debian's Chromium, headless.

Each test starts the emulator with the page and the real bot in this event loop, then
acts as a person would: creates users in the page, presses buttons, shares a phone,
uploads files, reads SMS, pays, and answers as staff. A screenshot of every step a
person would look at is saved to test-artifacts/sandbox/ for the reviewer.

Without /usr/bin/chromium the browser tests are skipped, unless CI is set: then they
fail. The tests at the end check the emulator's side of the page over HTTP, no browser.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.emulator import Emulator
from bot.emulator.client import EmulatorClient, EmulatorError
from bot.i18n import translator
from bot.sandbox import sample_patient
from bot.sandbox.clinic import ClinicDesk
from bot.settings import SANDBOX_TOKEN, Settings
from handlers import consent, purchase, start, support
from handlers.telemedicine import messages as tm
from handlers.support import card as support_card
from handlers.support import customer as support_customer
from handlers.support import staff as support_staff
from insurance import sample_patient as sample
from insurance.support_desk import parse_hours
from storage.db import session_factory
from storage.unit_of_work import UnitOfWork
from tests.chat import catalogue, plain
from tests.test_journeys_claims import give_policy, last_year
from tests.test_journeys_telemedicine import PHONE

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "sandbox"
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)
KYRGYZ_LETTERS = re.compile("[ңөү]", re.IGNORECASE)

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # only outside CI: there a missing package must fail the run
    if os.environ.get("CI"):
        raise
    Browser = Page = Any  # type: ignore[misc,assignment]
    async_playwright = expect = None  # type: ignore[assignment]
else:
    expect.set_options(timeout=10_000)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None. In CI they always run."""
    if os.environ.get("CI"):
        return None
    if async_playwright is None:
        return "the playwright package is missing (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium); CI installs it"
    return None


# Fixtures: the emulator with the page (overrides conftest's), the bot, a browser page.


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(token=SANDBOX_TOKEN, sandbox_page=True)
    await emu.start(host="127.0.0.1", port=0)
    yield emu
    await emu.stop()


@pytest.fixture
async def sandbox(emulator: Emulator, settings: Settings, qamqor: Any) -> str:
    """The running sandbox (emulator + page + bot, with the clinic pane as `python -m bot
    sandbox` attaches it); answers the page's address."""
    assert emulator.sandbox is not None
    emulator.sandbox.staff_chat_id = settings.staff_chat_id
    emulator.sandbox.clinic = ClinicDesk.for_bot(qamqor)
    return f"{emulator.base_url}/"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    reason = browser_missing()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Watch:
    """What the page asked for and what went wrong in it."""

    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        foreign = [
            url for url in self.requests if not url.startswith((self.origin, "data:", "blob:"))
        ]
        assert foreign == [], f"the page called other hosts: {foreign}"
        assert self.errors == [], f"errors in the page: {self.errors}"


async def open_page(
    browser: Browser, url: str, width: int = 1280, height: int = 800
) -> tuple[Page, Watch]:
    context = await browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True, locale="en-GB"
    )
    page = await context.new_page()
    watch = Watch(origin=url.rstrip("/"))
    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on(
        "console",
        lambda message: watch.errors.append(message.text) if message.type == "error" else None,
    )
    await page.goto(url)
    await expect(page.locator("body")).to_have_attribute("data-ready", "true")
    return page, watch


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")


async def create_user(page: Page, first_name: str, language: str, phone: str = "") -> int:
    form = page.locator("#new-user-form")
    if not await form.is_visible():
        await page.click("#new-user-toggle")
    await page.fill("#nu-first-name", first_name)
    await page.select_option("#nu-language", language)
    if phone:
        await page.fill("#nu-phone", phone)
    await page.click("#nu-create")
    current = page.locator('.user[aria-current="true"]')
    await expect(current).to_contain_text(first_name)
    return int(await current.get_attribute("data-user-id") or 0)


async def send(page: Page, text: str) -> None:
    await page.fill("#text-input", text)
    await page.press("#text-input", "Enter")


async def bot_api(base: str, method: str, **params: Any) -> Any:
    """Call the emulator's Bot API as the bot would."""
    async with httpx.AsyncClient() as http:
        answer = (await http.post(f"{base}/bot{SANDBOX_TOKEN}/{method}", json=params)).json()
    assert answer["ok"], answer
    return answer["result"]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def bot_rows(page: Page) -> Any:
    return page.locator("#messages .row.from-bot")


# The tests


async def test_kazakh_borrower_starts_consents_exports_shares_phone_and_uploads(
    browser: Browser, sandbox: str, control: EmulatorClient
) -> None:
    base = sandbox.rstrip("/")
    page, watch = await open_page(browser, sandbox)

    # A fresh sandbox opens the "new user" form at once.
    await expect(page.locator("#new-user-form")).to_be_visible()
    await page.fill("#nu-first-name", "Aruzhan")
    await page.select_option("#nu-language", "kk")
    await page.fill("#nu-phone", "+7 701 234 56 78")
    await shot(page, "01-new-user-form")
    await page.click("#nu-create")
    current = page.locator('.user[aria-current="true"]')
    await expect(current).to_contain_text("Aruzhan")
    await expect(current).to_contain_text("kk")
    user_id = int(await current.get_attribute("data-user-id") or 0)
    assert (await control.users())[-1]["phone_number"] == "+77012345678"
    await expect(page.locator("#start-btn")).to_be_visible()
    await shot(page, "02-empty-chat")

    # /start: the consent screen, in Kazakh, with its bold title and buttons.
    await send(page, "/start")
    offer = bot_rows(page).first
    title = catalogue("kk", consent.OFFER_TITLE)
    await expect(offer.locator(".bubble strong").first).to_have_text(title)
    offer_text = await offer.locator(".text").inner_text()
    assert KAZAKH_LETTERS.search(offer_text)
    accept = offer.locator('[data-callback="consent:accept"]')
    await expect(accept).to_have_text(catalogue("kk", consent.AGREE))
    await expect(page.locator("#messages .row.out").first).to_contain_text("/start")
    await shot(page, "03-consent-kk")

    # "I agree": the consent is recorded in a receipt of its own, the menu comes
    # under it, and the offer stays as it was, without its buttons; a notice pops up.
    await accept.click()
    await expect(bot_rows(page)).to_have_count(3)
    receipt, menu = bot_rows(page).nth(1), bot_rows(page).nth(2)
    await expect(receipt).to_contain_text(
        catalogue("kk", consent.ACCEPTED_RECEIPT, version="V", date="D").split("\n")[0])
    await expect(menu).to_contain_text(catalogue("kk", start.MENU_TITLE))
    await expect(menu).to_contain_text(catalogue("kk", start.MENU_GREETING, name="Aruzhan"))
    await expect(offer.locator("[data-callback]")).to_have_count(0)
    assert (await offer.locator(".text").inner_text()).replace("\nedited", "") == offer_text
    await expect(page.locator(".toast", has_text=catalogue("kk", consent.ACCEPTED))).to_be_visible()
    await shot(page, "04-menu-after-consent")

    # Telegram's "Menu" button lists the bot's commands in the user's language.
    await page.click("#commands-btn")
    commands = page.locator("#commands-menu .command")
    await expect(commands.filter(has_text="/mydata")).to_contain_text(
        catalogue("kk", dict(start.COMMANDS)["mydata"])
    )
    await shot(page, "05-commands-menu")
    await page.keyboard.press("Escape")
    await expect(page.locator("#commands-menu")).to_be_hidden()

    # My data, then export: the document the bot sends opens and downloads.
    await menu.locator('[data-callback="data"]').click()
    await expect(menu).to_contain_text(catalogue("kk", consent.MY_DATA_TITLE))
    await menu.locator('[data-callback="data:export"]').click()
    name = f"qamqor-my-data-{user_id}.json"
    document = page.locator("#messages .row.from-bot .document").last
    await expect(document.locator(".doc-name")).to_have_text(name)
    await shot(page, "06-my-data-export")
    href = await document.locator(".doc-name").get_attribute("href")
    assert href and href.endswith("?inline=1")
    opened = await page.request.get(f"{base}{href}")
    assert opened.ok and json.loads(await opened.body())
    async with page.expect_download() as download_info:
        await document.locator(".doc-download").click()
    download = await download_info.value
    assert download.suggested_filename == name

    # A reply keyboard with "share my phone", sent as the bot would send it.
    await bot_api(
        base,
        "sendMessage",
        chat_id=user_id,
        text="Телефон нөміріңізді жіберіңіз",
        reply_markup={
            "keyboard": [
                [{"text": "📱 Нөмірді жіберу", "request_contact": True}],
                [{"text": "Кейінірек"}],
            ],
            "one_time_keyboard": True,
            "resize_keyboard": True,
            "input_field_placeholder": "Нөмір",
        },
    )
    share = page.locator('#reply-keyboard [data-request-contact="true"]')
    await expect(share).to_be_visible()
    await expect(page.locator("#text-input")).to_have_attribute("placeholder", "Нөмір")
    await shot(page, "07-reply-keyboard")
    await share.click()
    await expect(page.locator("#messages .row.out .contact").last).to_contain_text("+77012345678")
    await expect(page.locator("#reply-keyboard")).to_be_hidden()  # one-time keyboard
    await expect(page.locator("#keyboard-toggle")).to_be_visible()
    shared = [m for m in await control.messages(user_id) if m["contact"]]
    assert shared[-1]["contact"] == {
        "phone_number": "+77012345678",
        "first_name": "Aruzhan",
        "user_id": user_id,
    }
    await shot(page, "08-phone-shared")
    await bot_api(
        base, "sendMessage", chat_id=user_id, text="OK", reply_markup={"remove_keyboard": True}
    )
    await expect(page.locator("#keyboard-toggle")).to_be_hidden()

    # Uploads through the paperclip: a file and a photo.
    await page.click("#attach-btn")
    await expect(page.locator("#attach-menu")).to_be_visible()
    await page.set_input_files(
        "#file-input",
        files=[
            {
                "name": "loan-agreement.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4\n%sandbox\n",
            }
        ],
    )
    mine = page.locator("#messages .row.out")
    await expect(mine.locator(".document").last).to_contain_text("loan-agreement.pdf")
    await page.click("#attach-btn")
    await page.set_input_files(
        "#photo-input",
        files=[
            {
                "name": "id-card.png",
                "mimeType": "image/png",
                "buffer": png(480, 300, (90, 140, 200)),
            }
        ],
    )
    photo = mine.locator(".photo img").last
    await expect(photo).to_be_visible()
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth === 480", arg=await photo.element_handle()
    )
    uploads = [
        m
        for m in await control.messages(user_id)
        if not m["from_bot"] and (m["document"] or m["photo"])
    ]
    assert [bool(m["document"]) for m in uploads] == [True, False]
    assert uploads[0]["document"]["file_name"] == "loan-agreement.pdf"
    assert uploads[1]["photo"]["width"] == 480
    await shot(page, "09-uploads")

    watch.check()


async def test_sms_panel_and_sandbox_payment(
    browser: Browser, sandbox: str, control: EmulatorClient, emulator: Emulator
) -> None:
    base = sandbox.rstrip("/")
    page, watch = await open_page(browser, sandbox)
    user_id = await create_user(page, "Bakyt", "ky", "+996 555 123 456")
    other = await control.create_user("Dana", language_code="ru")

    # One-time codes "sent by SMS" show in the side panel, for this user.
    await control.sms_send("+996555123456", "Qamqor: код 482913", user_id=user_id)
    await control.sms_send("+77010000000", "Qamqor: код 111111", user_id=other["id"])
    await expect(page.locator("#sms-badge-head")).to_have_text("1")
    await page.click("#tab-sms")
    items = page.locator("#sms-list .sms-item")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("482913")
    await expect(items.first).to_contain_text("+996555123456")
    await shot(page, "10-sms-panel")
    await items.first.get_by_role("button", name="Use code 482913").click()
    await expect(page.locator("#text-input")).to_have_value("482913")
    await page.check("#sms-all")
    await expect(items).to_have_count(2)

    # An invoice shows a Pay button that completes a sandbox payment.
    invoice = await bot_api(
        base,
        "sendInvoice",
        chat_id=user_id,
        title="Nomad Life: 12 months",
        description="Life cover for the loan",
        payload="policy-42",
        provider_token="SANDBOX",
        currency="KGS",
        prices=[{"label": "Premium", "amount": 150000}, {"label": "Fee", "amount": 5000}],
    )

    async def approve_checkout() -> None:
        """Approve the pre-checkout query in the emulator, as a bot selling this would.

        The bot's own answer (it knows no such invoice) is made to fail, so the test
        decides: the page's side of paying is what is tested here.
        """
        for _ in range(200):
            waiting = [q for q in emulator.world.pre_checkouts.values() if q.ok is None]
            if waiting:
                waiting[0].ok = True
                emulator.world.signal.notify()
                return
            await asyncio.sleep(0.05)

    row = page.locator(f'#messages .row[data-id="{invoice["message_id"]}"]')
    pay = row.locator(".pay-btn")
    await expect(row.locator(".invoice-title")).to_have_text("Nomad Life: 12 months")
    await expect(pay).to_be_enabled()
    # The page's own words follow the user's language (Bakyt writes Kyrgyz).
    await expect(pay).to_contain_text("Төлөө")
    await expect(row.locator("dt.total")).to_have_text("Жалпы")
    await expect(pay).to_contain_text("550")
    await shot(page, "11-invoice")
    await control.inject_error("answerPreCheckoutQuery", 400, "Bad Request: taken over by the test")
    approving = asyncio.create_task(approve_checkout())
    await pay.click()
    await expect(row.locator(".pay-result.ok")).to_be_visible()
    await expect(pay).to_have_text("Төлөндү ✓")
    await expect(row.locator(".pay-result.ok")).to_have_text("Төлөм өттү (сыноо режими).")
    await expect(page.locator("#messages .row.service")).to_contain_text("paid")
    await approving
    messages = await control.messages(user_id)
    assert any(m["successful_payment"] for m in messages)
    assert next(m for m in messages if m["invoice"])["invoice"]["paid"] is True
    await shot(page, "12-invoice-paid")

    watch.check()


async def test_support_question_reaches_the_staff_pane_and_the_answer_comes_back(
    browser: Browser, sandbox: str, control: EmulatorClient, settings: Settings
) -> None:
    page, watch = await open_page(browser, sandbox)
    await expect(page.locator("#staff-title")).to_have_text("Qamqor staff")
    aruzhan = await create_user(page, "Aruzhan", "kk")
    await send(page, "/start")
    await bot_rows(page).first.locator('[data-callback="consent:accept"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("kk", start.MENU_TITLE))

    # Menu → "talk to a person" → write the question.
    await bot_rows(page).last.locator('[data-callback="support"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("kk", support_customer.ASK_TEXT))
    question = "Полисім қашан келеді?"
    await send(page, question)
    await expect(bot_rows(page).last).to_contain_text(catalogue("kk", support_customer.OPENED, number=1))

    # The staff pane gets the request; the operator replies to it.
    request = page.locator("#staff-messages .row.from-bot").filter(has_text=question)
    await expect(request).to_have_count(1)
    await shot(page, "13-staff-request")
    await request.locator(".reply-btn").click()
    await expect(page.locator("#staff-reply-target")).to_be_visible()
    answer = "Полис ертең келеді."
    await page.fill("#staff-input", answer)
    await page.press("#staff-input", "Enter")
    await expect(page.locator("#staff-messages .row.out").last).to_contain_text(answer)
    # The quote shows the first line of the request: its card's title, in the staff's language.
    request_title = plain(
        translator(settings.staff_language).gettext(support_card.CARD_TITLE) % {"number": 1, "name": "Aruzhan"}
    )
    await expect(page.locator("#staff-messages .row.out .quote").last).to_contain_text(
        request_title
    )
    await expect(page.locator("#staff-messages .row.from-bot").last).to_contain_text(
        catalogue("ru", support_staff.STAFF_DELIVERED, number=1)
    )

    # The client sees the answer in the chat.
    reply = bot_rows(page).last
    await expect(reply).to_contain_text(answer)
    await expect(reply.locator("strong").first).to_contain_text(
        catalogue("kk", support_customer.ANSWER_CAPTION, name="Operator")
    )
    await shot(page, "14-support-answer")

    # A second person, in Kyrgyz; switching back keeps each chat, and so does a reload.
    await create_user(page, "Bakyt", "ky")
    await send(page, "/start")
    await expect(bot_rows(page).first).to_contain_text(catalogue("ky", consent.OFFER_TITLE))
    assert KYRGYZ_LETTERS.search(await bot_rows(page).first.inner_text())
    await shot(page, "15-second-user-ky")
    await page.locator(f'.user[data-user-id="{aruzhan}"]').click()
    await expect(bot_rows(page).last).to_contain_text(answer)
    await page.reload()
    await expect(page.locator('.user[aria-current="true"]')).to_have_attribute(
        "data-user-id", str(aruzhan)
    )
    await expect(bot_rows(page).last).to_contain_text(answer)
    await expect(page.locator("#staff-messages .row.out").last).to_contain_text(answer)

    watch.check()


async def test_formatting_comes_from_entities_and_user_text_stays_text(
    browser: Browser, sandbox: str, control: EmulatorClient
) -> None:
    base = sandbox.rstrip("/")
    page, watch = await open_page(browser, sandbox)
    user_id = await create_user(page, "Aigerim", "ru")
    html = (
        "<b>bold</b> <i>italic</i> <u>under</u> <s>struck</s> <code>code()</code> "
        '<a href="https://example.org/policy">link</a> <a href="javascript:alert(1)">bad</a> '
        "<tg-spoiler>secret</tg-spoiler> <b>bold <i>and italic</i></b>\n"
        "<pre><code class=\"language-python\">print('hi')</code></pre>"
        "<blockquote>quoted</blockquote>&lt;img src=x onerror=alert(1)&gt;"
    )
    await bot_api(base, "sendMessage", chat_id=user_id, text=html, parse_mode="HTML")
    bubble = bot_rows(page).last.locator(".bubble")
    await expect(bubble.locator("strong").first).to_have_text("bold")
    await expect(bubble.locator("em").first).to_have_text("italic")
    await expect(bubble.locator("u")).to_have_text("under")
    await expect(bubble.locator("s")).to_have_text("struck")
    await expect(bubble.locator("code.inline-code")).to_have_text("code()")
    await expect(bubble.locator("pre code")).to_have_text("print('hi')")
    await expect(bubble.locator("blockquote")).to_have_text("quoted")
    await expect(bubble.locator("strong em")).to_have_text("and italic")
    await expect(bubble.locator('a[href="https://example.org/policy"]')).to_have_text("link")
    await expect(bubble.locator("a", has_text="bad")).to_have_count(0)
    spoiler = bubble.locator(".spoiler")
    await expect(spoiler).not_to_have_class(re.compile("revealed"))
    await spoiler.click()
    await expect(spoiler).to_have_class(re.compile("revealed"))
    await expect(bubble.locator("img")).to_have_count(0)
    await expect(bubble).to_contain_text("<img src=x onerror=alert(1)>")

    await send(page, "<b>not bold</b> <script>alert(1)</script>")
    mine = page.locator("#messages .row.out").last
    await expect(mine).to_contain_text("<b>not bold</b> <script>alert(1)</script>")
    await expect(mine.locator("b, script")).to_have_count(0)
    await shot(page, "16-formatting")
    watch.check()


async def test_usable_at_phone_width(
    browser: Browser, sandbox: str, control: EmulatorClient
) -> None:
    page, watch = await open_page(browser, sandbox, width=375, height=812)
    await expect(page.locator("#new-user-form")).to_be_visible()
    await shot(page, "17-phone-new-user")
    await page.fill("#nu-first-name", "Aruzhan")
    await page.select_option("#nu-language", "kk")
    await page.click("#nu-create")
    await expect(page.locator("#users-pane")).to_be_hidden()
    await send(page, "/start")
    offer = bot_rows(page).first
    await expect(offer.locator('[data-callback="consent:accept"]')).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at phone width ({width}px)"
    box = await offer.locator(".bubble").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    await shot(page, "18-phone-consent")
    await offer.locator('[data-callback="consent:accept"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("kk", start.MENU_TITLE))
    await shot(page, "19-phone-menu")

    # The user list and the staff pane open as drawers.
    await page.click("#open-users")
    await expect(page.locator("#users-pane")).to_be_visible()
    await expect(page.locator(".user")).to_have_count(1)
    await shot(page, "20-phone-users")
    await page.click("#scrim", position={"x": 360, "y": 400})  # beside the drawer
    await expect(page.locator("#users-pane")).to_be_hidden()
    await page.click("#open-staff")
    await expect(page.locator("#side-pane")).to_be_visible()
    await shot(page, "21-phone-staff")
    await page.click("#close-side")
    await expect(page.locator("#side-pane")).to_be_hidden()
    watch.check()


# The emulator's side of the page, over HTTP (no browser needed).

STATIC = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "static"


async def test_page_routes_serve_the_static_files_with_a_strict_policy(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        index = await http.get("/")
        assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
        policy = index.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        for name in re.findall(r'(?:src|href)="/sandbox/([\w.]+)"', index.text):
            asset = await http.get(f"/sandbox/{name}")
            assert asset.status_code == 200, name
        module = await http.get("/sandbox/app.js")
        assert module.headers["content-type"].startswith("text/javascript")
        for missing in ("/sandbox/nope.js", "/sandbox/index.html", "/sandbox/..%2Fpage.py"):
            assert (await http.get(missing)).status_code == 404, missing


def test_static_files_load_nothing_from_other_hosts() -> None:
    files = sorted(STATIC.iterdir())
    assert {f.name for f in files} >= {"index.html", "app.js", "style.css"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        urls = [
            u
            for u in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s'\")]*", text)
            if "www.w3.org/2000/svg" not in u
        ]
        assert urls == [], f"{path.name} refers to other hosts: {urls}"
        assert "@import" not in text, path.name
        assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", text), (
            f"{path.name} builds DOM from markup strings"
        )


async def test_page_is_only_served_when_asked_for() -> None:
    async with (
        Emulator(token=SANDBOX_TOKEN) as plain_emulator,
        httpx.AsyncClient(base_url=plain_emulator.base_url) as http,
    ):
        assert (await http.get("/")).status_code == 404
        assert (await http.get("/control/sandbox")).status_code == 404


async def test_sandbox_settings_name_the_staff_chat_and_a_staff_member(
    emulator: Emulator, control: EmulatorClient
) -> None:
    assert (await control.sandbox())["staff_chat_id"] is None
    assert (await control.sandbox())["operator"] is None
    first = await control.create_group("Qamqor staff")
    await control.create_group("Another group")
    answer = await control.sandbox()
    assert answer["staff_chat_id"] == first["id"]  # the first group, when not told
    assert answer["operator"]["first_name"] == "Operator"
    assert answer["operator"]["id"] == 900000001
    assert answer["bot"]["username"] == "qamqor_bot"
    client = await control.create_user("Aigerim")
    assert client["id"] == 100000001, "the operator does not take the first user id"

    assert emulator.sandbox is not None
    chosen = await control.create_group("Support", chat_id=-4000000777)
    emulator.sandbox.staff_chat_id = chosen["id"]
    answer = await control.sandbox()
    assert answer["staff_chat_id"] == chosen["id"] and answer["staff_chat"]["title"] == "Support"
    assert len([u for u in await control.users() if u["first_name"] == "Operator"]) == 1

    await control.reset()
    emulator.sandbox.staff_chat_id = None
    assert (await control.sandbox())["operator"] is None
    await control.create_group("Qamqor staff")
    assert (await control.sandbox())["operator"]["id"] == 900000001


async def test_sms_outbox_stores_and_long_polls(
    emulator: Emulator, control: EmulatorClient
) -> None:
    assert await control.sms() == {"messages": [], "last_seq": 0}
    waiting = asyncio.create_task(control.sms(after=0, wait=5))
    await asyncio.sleep(0.05)
    sent = await control.sms_send("+77011234567", "Qamqor: code 482913", user_id=100000001)
    assert sent["seq"] == 1 and sent["phone"] == "+77011234567" and sent["user_id"] == 100000001
    assert isinstance(sent["date"], int)
    assert (await asyncio.wait_for(waiting, 2))["messages"] == [sent]

    other = await control.sms_send("+996555123456", "Qamqor: code 111111")
    assert other["user_id"] is None and other["seq"] == 2
    assert (await control.sms(after=1)) == {"messages": [other], "last_seq": 2}
    assert (await control.sms(user_id=100000001))["messages"] == [sent]
    assert (await control.sms(after=2, wait=0.1)) == {"messages": [], "last_seq": 2}

    for body, error in [
        ({"text": "x"}, "phone is required"),
        ({"phone": "+7701", "text": " "}, "text is empty"),
        ({"phone": "+7701", "text": "x", "user_id": "abc"}, "user_id must be an integer"),
    ]:
        async with httpx.AsyncClient(base_url=emulator.base_url) as http:
            answer = await http.post("/control/sms", json=body)
        assert answer.status_code == 400 and answer.json()["description"] == error

    await control.reset()
    assert (await control.sms())["messages"] == []
    assert (await control.sms_send("+77011234567", "again"))["seq"] == 3, "seq survives a reset"


async def test_users_keep_a_phone_for_sharing_their_contact(control: EmulatorClient) -> None:
    user = await control.create_user("Aruzhan", language_code="kk", phone_number="+77012345678")
    assert user["phone_number"] == "+77012345678"
    shared = await control.share_contact(user["id"], None)
    assert shared["message"]["contact"] == {
        "phone_number": "+77012345678",
        "first_name": "Aruzhan",
        "user_id": user["id"],
    }
    phoneless = await control.create_user("Bolat")
    assert phoneless["phone_number"] is None
    with pytest.raises(EmulatorError, match="phone_number is required"):
        await control.share_contact(phoneless["id"], None)
    assert (await control.share_contact(phoneless["id"], "+996555000111"))["message"]["contact"][
        "phone_number"
    ] == "+996555000111"


async def test_files_download_or_open_with_a_file_name(
    emulator: Emulator, control: EmulatorClient
) -> None:
    user = await control.create_user("Aruzhan")
    document = (
        await control.upload(user["id"], "document", "полис.pdf", b"%PDF-1.4", "application/pdf")
    )["message"]["document"]
    photo = (
        await control.upload(user["id"], "photo", "scan.png", png(40, 30, (1, 2, 3)), "image/png")
    )["message"]["photo"]
    page = (
        await control.upload(user["id"], "document", "x.html", b"<script>1</script>", "text/html")
    )["message"]["document"]
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        download = await http.get(f"/control/files/{document['file_id']}")
        assert download.headers["content-disposition"] == (
            'attachment; filename="_____.pdf"; '
            "filename*=UTF-8''%D0%BF%D0%BE%D0%BB%D0%B8%D1%81.pdf"
        )
        opened = await http.get(f"/control/files/{document['file_id']}?inline=1")
        assert opened.headers["content-disposition"].startswith("inline; ")
        assert opened.content == b"%PDF-1.4"
        image = await http.get(f"/control/files/{photo['file_id']}")
        assert image.headers["content-type"] == "image/png"
        assert image.headers["content-disposition"].startswith('inline; filename="scan.png"')
        unnamed = (
            await http.post(
                "/control/upload",
                json={
                    "user_id": user["id"],
                    "kind": "document",
                    "content_base64": "aGVsbG8=",
                },
            )
        ).json()["message"]["document"]
        assert unnamed["file_name"] is None
        nameless = await http.get(f"/control/files/{unnamed['file_id']}")
        assert re.match(
            r'inline; filename="file_\d+\.bin"', nameless.headers["content-disposition"]
        )
        active = await http.get(f"/control/files/{page['file_id']}?inline=1")
        assert active.headers["content-disposition"].startswith("attachment; ")
        assert active.headers["content-security-policy"] == "sandbox"


async def test_receipts_stay_as_sent_through_a_purchase_and_a_claim(
    browser: Browser, sandbox: str, control: EmulatorClient
) -> None:
    """Issue 14: a customer scrolling up finds every receipt as it was sent."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from handlers import claims
    from tests.chat import Person
    from tests.purchase_flow import fill_sakbol, open_card
    from tests.test_journeys_purchase import sign

    base = sandbox.rstrip("/")
    page, watch = await open_page(browser, sandbox)
    user_id = await create_user(page, "Айгүл", "ky", "+996 555 123 456")
    user = Person(control, {"id": user_id, "language_code": "ky"})
    await send(page, "/start")
    await bot_rows(page).first.locator('[data-callback="consent:accept"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", start.MENU_TITLE))

    # A plain web address in a bot message is a link, as in Telegram's apps.
    await bot_api(base, "sendMessage", chat_id=user_id, text="Эрежелер: https://www.sakbol.kg/documentation.")
    rules = page.locator('#messages .row.from-bot a[href="https://www.sakbol.kg/documentation"]')
    await expect(rules).to_have_text("https://www.sakbol.kg/documentation")

    # The purchase (driven through the control API; the page follows it live).
    await open_card(user, "sakbol")
    await fill_sakbol(user, typed_name="Айгүл Өмүрбекова")   # a one-word profile name is not offered as the full name
    await sign(user, control)
    invoice = page.locator("#messages .row.from-bot .invoice").last
    await expect(invoice.locator("dt.total")).to_have_text("Жалпы")
    await invoice.locator(".pay-btn").click()
    policy = page.locator("#messages .row.from-bot").filter(has_text=re.compile(r"SB-\d{4}-\d{6}")).first
    await expect(policy).to_be_visible()
    policy_id = await policy.get_attribute("data-id")
    policy = page.locator(f'#messages .row[data-id="{policy_id}"]')
    policy_text = await policy.locator(".text").inner_text()
    await shot(page, "22-policy-receipt")

    # Its "My policies" button answers below; the receipt itself stays.
    await policy.locator('[data-callback="policies"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", policies_title()))

    # The claim, through the page: /claim → the policy → injury → today (the cover started today) → text
    # → phone → register.
    await send(page, "/claim")
    last = bot_rows(page).last
    await expect(last.locator('[data-callback^="claim:p:"]')).to_be_visible()
    await last.locator('[data-callback^="claim:p:"]').first.click()
    await bot_rows(page).last.locator('[data-callback="claim:e:injury"]').click()
    await bot_rows(page).last.locator('[data-callback^="claim:d:"]').first.click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", claims.ASK_DESCRIPTION))
    await send(page, "Тайгаланып жыгылдым, колум сынды, гипс салышты.")
    await expect(bot_rows(page).last.locator('[data-callback="claim:ph"]')).to_be_visible()
    await bot_rows(page).last.locator('[data-callback="claim:ph"]').click()
    await bot_rows(page).last.locator('[data-callback="claim:register"]').click()
    receipt = page.locator("#messages .row.from-bot").filter(has_text=re.compile(r"CLM-\d{4}-\d{6}")).last
    await expect(receipt).to_contain_text("CLM-")
    receipt_id = await receipt.get_attribute("data-id")
    receipt = page.locator(f'#messages .row[data-id="{receipt_id}"]')
    receipt_text = await receipt.locator(".text").inner_text()
    await shot(page, "23-claim-receipt")

    # Its buttons open new messages below it: the upload checklist, the checklist with clauses.
    await receipt.locator('[data-callback^="docs:c:"]').click()
    await expect(bot_rows(page).last).to_contain_text("›")
    await receipt.locator('[data-callback^="claims:list:"]').click()
    await expect(bot_rows(page).last.locator(".text")).to_contain_text("Документтер жана пункттар")
    # A photo sent with no document chosen is kept, and the bot asks which document it is.
    await page.click("#attach-btn")
    await page.set_input_files(
        "#photo-input",
        files=[{"name": "scan.png", "mimeType": "image/png", "buffer": png(320, 200, (200, 200, 200))}],
    )
    question = bot_rows(page).last
    await expect(question).to_contain_text("Бул кайсы документ?")
    await question.locator('[data-callback^="docs:k:"]').first.click()
    await expect(bot_rows(page).last).to_contain_text("кабыл алынды")

    # A reply keyboard never covers the newest message.
    await bot_api(base, "sendMessage", chat_id=user_id, text="Телефонуңузду бөлүшүңүз",
                  reply_markup={"keyboard": [[{"text": "📱", "request_contact": True}], [{"text": "Кийин"}]]})
    newest = bot_rows(page).last
    await expect(newest).to_contain_text("Телефонуңузду бөлүшүңүз")
    await expect(page.locator("#reply-keyboard")).to_be_visible()
    await page.wait_for_function(
        "() => { const list = document.getElementById('messages');"
        " return list.scrollHeight - list.scrollTop - list.clientHeight < 2; }")
    row_box, list_box = await newest.bounding_box(), await page.locator("#messages").bounding_box()
    assert row_box and list_box and row_box["y"] + row_box["height"] <= list_box["y"] + list_box["height"] + 1
    await shot(page, "24-keyboard-and-newest")

    # Scrolling up: both receipts are as they were sent, never edited.
    assert await page.locator(f'#messages .row[data-id="{policy_id}"] .text').inner_text() == policy_text
    assert await page.locator(f'#messages .row[data-id="{receipt_id}"] .text').inner_text() == receipt_text
    sent = {m["message_id"]: m for m in await control.messages(user_id)}
    assert sent[int(policy_id)]["edit_date"] is None and sent[int(receipt_id)]["edit_date"] is None

    # Times on the page are the user's country time (Kyrgyzstan: Asia/Bishkek, UTC+6).
    bishkek = datetime.fromtimestamp(sent[int(receipt_id)]["date"], ZoneInfo("Asia/Bishkek")).strftime("%H:%M")
    await expect(page.locator(f'#messages .row[data-id="{receipt_id}"] time')).to_have_text(bishkek)
    await shot(page, "25-receipts-at-the-end")
    watch.check()


def policies_title() -> str:
    from handlers import policies

    return policies.TITLE


async def test_a_partner_bank_link_opens_from_the_pages_address(
    browser: Browser, sandbox: str, control: EmulatorClient
) -> None:
    # Issue 13: the sandbox opens a bank's link (?start= in its address); the card prices the loan it carries.
    page, watch = await open_page(browser, f"{sandbox.rstrip('/')}/?start=buy-sakbol-100000-12")
    watch.origin = sandbox.rstrip("/")
    await create_user(page, "Aigul", "ru")
    await expect(page.locator("#start-link")).to_contain_text("buy-sakbol-100000-12")
    await page.click("#start-btn")
    offer = bot_rows(page).first
    await offer.locator('[data-callback="consent:accept"]').click()
    card = bot_rows(page).last   # after the consent receipt, the card is a new message
    await expect(card).to_contain_text(plain(catalogue("ru", purchase.CARD_PRICE)))
    await expect(card.locator('[data-callback="buy:o:death"]')).to_contain_text("2 295")
    await shot(page, "30-partner-link-card")
    watch.check()


async def test_the_staff_pane_shows_forum_topics_and_staff_answer_with_files_and_close(
    browser: Browser, emulator: Emulator, control: EmulatorClient, start_bot: Any
) -> None:
    """The desk in a forum: the customer's topic appears as a tab, the operator answers in it
    with text and a file, and /close closes the topic (docs/sandbox.md)."""
    forum = await control.create_group("Qamqor desk", chat_type="supergroup", bot_is_admin=True, is_forum=True)
    always = {"KZ": parse_hours("00:00-24:00"), "KG": parse_hours("00:00-24:00")}
    await start_bot(staff_chat_id=forum["id"], support_hours=always)
    assert emulator.sandbox is not None
    emulator.sandbox.staff_chat_id = forum["id"]
    page, watch = await open_page(browser, f"{emulator.base_url}/")
    await expect(page.locator("#staff-sub")).to_contain_text("forum with topics")
    await create_user(page, "Dana", "ky")
    await send(page, "/start")
    await bot_rows(page).first.locator('[data-callback="consent:accept"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", start.MENU_TITLE))   # after the consent receipt
    await bot_rows(page).last.locator('[data-callback="support"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", support_customer.ASK_TEXT))
    await send(page, "Полисим качан келет?")
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", support_customer.OPENED, number=1))

    # The topic appears as a tab, opened; its card names the customer and the question.
    topic = page.locator("#staff-topics button", has_text="№1 · Dana · KY")
    await expect(topic).to_have_attribute("aria-pressed", "true")
    card_row = page.locator("#staff-messages .row.from-bot:visible").filter(has_text="Полисим качан келет?")
    await expect(card_row).to_have_count(1)
    await shot(page, "22-desk-topic-card")

    # The operator answers in the topic, then sends a file; the client gets both, signed.
    await page.fill("#staff-input", "Эртең келет.")
    await page.press("#staff-input", "Enter")
    await expect(bot_rows(page).last).to_contain_text("Эртең келет.")
    await expect(bot_rows(page).last.locator("strong").first).to_contain_text(
        catalogue("ky", support_customer.ANSWER_CAPTION, name="Operator"))
    await page.set_input_files("#staff-file", files=[{
        "name": "memo.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%memo\n"}])
    await expect(bot_rows(page).last).to_contain_text("memo.pdf")
    await shot(page, "23-desk-answer-with-file")

    # The General tab does not show the topic's messages; /close closes the topic.
    await page.locator("#staff-topics button", has_text="# General").click()
    await expect(page.locator("#staff-messages .row:visible").filter(has_text="Эртең келет.")).to_have_count(0)
    await topic.click()
    await page.fill("#staff-input", "/close")
    await page.press("#staff-input", "Enter")
    await expect(page.locator("#staff-topics button", has_text="🔒")).to_have_count(1)
    await expect(bot_rows(page).last).to_contain_text(catalogue("ky", support_customer.RATE))
    await shot(page, "24-desk-closed")
    watch.check()


# The clinic pane: a person plays Dariger Online's clinic (docs/sandbox.md, "Clinic").

async def nomad_patient(page: Page, qamqor: Any, name: str, language: str) -> int:
    """A user created in the page, through /start and consent, holding a Nomad Life policy in force
    whose application gives the phone (Appendix 1: identified from the policy)."""
    user_id = await create_user(page, name, language)
    await send(page, "/start")
    await bot_rows(page).first.locator('[data-callback="consent:accept"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue(language, start.MENU_TITLE))
    start_day, end_day = last_year()
    policy_id, _number = await give_policy(qamqor, user_id, "nomad_life", start=start_day, end=end_day)
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        application = await uow.applications.get((await uow.policies.get(policy_id)).application_id)
        application.answers = {**application.answers, "phone": PHONE}
        await uow.commit()
    return user_id


async def queue_for_duty_doctor(page: Page, language: str, speciality: str) -> None:
    """/doctor → consent → urgent → adult or child: the queue message."""
    await send(page, "/doctor")
    await bot_rows(page).last.locator('[data-callback="tm:ok"]').click()
    await bot_rows(page).last.locator('[data-callback="tm:u"]').click()
    await bot_rows(page).last.locator(f'[data-callback="tm:u:{speciality}"]').click()
    await expect(bot_rows(page).last).to_contain_text(
        plain(catalogue(language, tm.QUEUE, speciality=catalogue(language, tm.SPECIALITIES[speciality]),
                        place=1, minutes=15, phone=PHONE)).split("\n")[0])


async def open_clinic(page: Page) -> Any:
    await page.click("#tab-clinic")
    pane = page.locator("#panel-clinic")
    await expect(pane).to_be_visible()
    return pane


async def test_the_clinic_pane_takes_an_urgent_patient_and_sends_the_conclusion(
    browser: Browser, sandbox: str, qamqor: Any
) -> None:
    """All from the page, today: a Kazakh-speaking user gets a sample Nomad Life patient from the
    clinic pane (a policy bought in the chat would start tomorrow, rules 5.1, 9.5), goes to the doctor
    from the bot's message and joins the duty queue; the pane publishes the sample roster, takes them
    with a join link and finishes with a text and a file."""
    page, watch = await open_page(browser, sandbox)
    await create_user(page, "Aliya", "kk")
    await send(page, "/start")
    await expect(bot_rows(page).first.locator('[data-callback="consent:accept"]')).to_be_visible()

    pane = await open_clinic(page)
    await expect(pane.locator("h2")).to_have_text("«Дәрігер Онлайн» клиникасы")   # the chosen user's language
    await expect(page.locator("#clinic-patient-hint")).to_contain_text("Aliya")
    # Before consent: refused, in the pane's words, and nothing reaches the chat.
    await page.click("#clinic-sample-patient")
    await expect(page.locator("#clinic-error")).to_have_text(
        "Бұл пайдаланушы әлі келісім бермеген: алдымен оның чатында келісімді қабылдаңыз.")
    await bot_rows(page).first.locator('[data-callback="consent:accept"]').click()
    await expect(bot_rows(page).last).to_contain_text(catalogue("kk", start.MENU_TITLE))

    await page.click("#clinic-sample-patient")
    await expect(page.locator("#clinic-done")).to_contain_text("NL-SANDBOX-")
    issued = bot_rows(page).filter(has_text="NL-SANDBOX-")
    await expect(issued).to_have_count(1)
    await expect(issued).to_contain_text(plain(catalogue("kk", sample_patient.ISSUED, number="X", service="Y",
                                                         start="Z", end="W")).split("\n")[0].split("X")[0])
    await shot(page, "29-clinic-sample-patient")
    # A second one while the first is in force: refused.
    await page.click("#clinic-sample-patient")
    await expect(page.locator("#clinic-error")).to_contain_text("NL-SANDBOX-")
    await expect(bot_rows(page).filter(has_text="NL-SANDBOX-")).to_have_count(1)

    await issued.locator('[data-callback="tm"]').click()
    await bot_rows(page).last.locator('[data-callback="tm:ok"]').click()
    await expect(bot_rows(page).last).to_contain_text(sample.NAME)
    await bot_rows(page).last.locator('[data-callback="tm:u"]').click()
    await bot_rows(page).last.locator('[data-callback="tm:u:therapist"]').click()
    await expect(bot_rows(page).last).to_contain_text(
        plain(catalogue("kk", tm.QUEUE, speciality=catalogue("kk", tm.SPECIALITIES["therapist"]),
                        place=1, minutes=15, phone=sample.PHONE)).split("\n")[0])

    await expect(page.locator("#clinic-roster")).to_contain_text("Әзірге дәрігер жоқ.")
    await page.click("#clinic-sample")
    await expect(page.locator("#clinic-done")).to_contain_text("8")
    await expect(page.locator("#clinic-roster .clinic-item")).to_have_count(8)
    await expect(page.locator("#clinic-queue .clinic-item")).to_contain_text(sample.NAME)
    await expect(page.locator("#clinic-queue .clinic-item")).to_contain_text("терапевт")
    await shot(page, "30-clinic-queue")

    await page.select_option("#clinic-duty-doctor", label="Асель Нурланова · терапевт")
    await page.fill("#clinic-link", "https://meet.example/aliya")
    await page.click("#clinic-take")
    await expect(page.locator("#clinic-done")).to_contain_text(sample.NAME)
    connected = bot_rows(page).filter(has_text="https://meet.example/aliya")
    await expect(connected).to_have_count(1)
    number = (await page.locator("#clinic-connected .clinic-item .clinic-main").first.inner_text()).split(" · ")[0]
    await expect(connected).to_contain_text(plain(catalogue(
        "kk", tm.CONNECTED_LINK, doctor="Асель Нурланова", number=number, link="https://meet.example/aliya",
        phone=sample.PHONE)).split("\n")[0])
    await expect(page.locator("#clinic-queue")).to_contain_text("Ешкім күтіп тұрған жоқ.")
    await shot(page, "31-clinic-connected")

    await page.locator("#clinic-connected [data-action='write']").click()
    await expect(page.locator("#clinic-text")).to_be_focused()
    await page.fill("#clinic-text", "Көп су ішу, үш күн демалу.")
    await page.set_input_files("#clinic-file", files=[{
        "name": "qorytyndy.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%conclusion\n"}])
    await page.click("#clinic-send")
    await expect(page.locator("#clinic-done")).to_contain_text(number)
    await expect(bot_rows(page).filter(has_text="qorytyndy.pdf")).to_have_count(1)
    conclusion = bot_rows(page).last
    await expect(conclusion).to_contain_text("Көп су ішу, үш күн демалу.")
    await expect(conclusion).to_contain_text(plain(catalogue(
        "kk", tm.CONCLUSION, number=number, doctor="Асель Нурланова", text="X", deadline="Y")).split("\n")[0])
    await expect(page.locator("#clinic-connected")).to_contain_text("Қазір консультация жоқ.")
    await shot(page, "32-clinic-conclusion")
    watch.errors = [e for e in watch.errors if "status of 400" not in e]  # the two refusals it showed
    watch.check()


async def test_the_clinic_pane_explains_bad_input_and_three_failed_calls_close_the_consultation(
    browser: Browser, sandbox: str, qamqor: Any
) -> None:
    """Bad input in the pane gets a clear error in the pane's language and changes nothing; the
    third failed call closes the consultation as given (Appendix 1) and the patient is told."""
    page, watch = await open_page(browser, sandbox)
    await nomad_patient(page, qamqor, "Ruslan", "ru")
    await queue_for_duty_doctor(page, "ru", "paediatrician")
    await open_clinic(page)
    await page.click("#clinic-sample")
    await expect(page.locator("#clinic-roster .clinic-item")).to_have_count(8)
    error = page.locator("#clinic-error")

    # Hours: days and times it cannot read; the roster keeps what it had.
    await page.select_option("#clinic-hours-doctor", label="Ержан Қасымов · кардиолог")
    await page.fill("#clinic-days", "someday")
    await page.fill("#clinic-hours-text", "09:00-13:00")
    await page.click("#clinic-publish")
    await expect(error).to_have_text("Дни «someday» не поняты: напишите mon-fri, sat,sun или daily.")
    await page.fill("#clinic-days", "sat")
    await page.fill("#clinic-hours-text", "9-5")
    await page.click("#clinic-publish")
    await expect(error).to_contain_text("Часы «9-5» не поняты")
    await shot(page, "33-clinic-bad-hours")
    await expect(page.locator("#clinic-roster")).not_to_contain_text("sat 09:00")
    await page.fill("#clinic-hours-text", "09:00-13:00")
    await page.click("#clinic-publish")
    await expect(page.locator("#clinic-done")).to_have_text("Часы опубликованы: sat, 09:00-13:00.")
    await expect(error).to_be_hidden()
    await expect(page.locator("#clinic-roster")).to_contain_text("sat 09:00-13:00")

    # Nothing to finish yet; a join link that is not a web address; the patient keeps their place.
    await page.click("#clinic-send")
    await expect(error).to_have_text("Заполните: консультация.")
    await page.select_option("#clinic-duty-doctor", label="Марат Ахметов · педиатр")
    await page.fill("#clinic-link", "javascript:alert(1)")
    await page.click("#clinic-take")
    await expect(error).to_have_text(
        "Ссылка для подключения должна быть веб-адресом, начинающимся с https:// или http://.")
    await expect(page.locator("#clinic-queue .clinic-item")).to_contain_text("Айгүл Өмүрбекова")
    await page.fill("#clinic-link", "")
    await page.select_option("#clinic-duty-doctor", label="Асель Нурланова · терапевт")
    await page.click("#clinic-take")
    await expect(error).to_have_text("Никто не ждёт врача: терапевт.")
    await shot(page, "34-clinic-bad-input")

    # Without a link the doctor calls the registered phone; three calls fail.
    await page.select_option("#clinic-duty-doctor", label="Марат Ахметов · педиатр")
    await page.click("#clinic-take")
    number = (await page.locator("#clinic-connected .clinic-item .clinic-main").first.inner_text()).split(" · ")[0]
    await expect(bot_rows(page).last).to_contain_text(plain(catalogue(
        "ru", tm.CONNECTED_CALL, doctor="Марат Ахметов", phone=PHONE, number=number)).split("\n")[0])
    await page.fill("#clinic-text", "")
    await page.click("#clinic-send")
    await expect(error).to_have_text("Напишите текст заключения.")
    for attempt in (1, 2):
        await page.locator("#clinic-connected [data-action='call-failed']").click()
        await expect(page.locator("#clinic-done")).to_have_text(f"{number}: неудачный звонок {attempt} из 3.")
        await expect(bot_rows(page).last).to_contain_text(plain(catalogue(
            "ru", tm.CALL_FAILED, count=attempt, total=3, phone=PHONE)))
        await expect(page.locator("#clinic-connected .clinic-meta")).to_contain_text(
            f"{PHONE} · неудачных звонков: {attempt} из 3")
    await page.locator("#clinic-connected [data-action='call-failed']").click()
    await expect(page.locator("#clinic-done")).to_have_text(
        f"{number}: закрыта после 3 неудачных звонков, считается оказанной.")
    await expect(bot_rows(page).last).to_contain_text(plain(catalogue("ru", tm.CLOSED_NO_ANSWER, total=3,
                                                                      number=number)))
    await expect(page.locator("#clinic-connected")).to_contain_text("Сейчас консультаций нет.")
    await shot(page, "35-clinic-closed-no-answer")

    # The pane's words follow the chosen user: in Kyrgyz for a Kyrgyz-speaking one.
    await create_user(page, "Bakyt", "ky")
    await expect(page.locator("#panel-clinic h2")).to_have_text("«Даригер Онлайн» клиникасы")
    await expect(page.locator("#clinic-queue")).to_contain_text("Эч ким күтүп жаткан жок.")

    # The page logged nothing but the refusals it showed (400 answers).
    watch.errors = [e for e in watch.errors if "status of 400" not in e]
    watch.check()


def test_the_clinic_pane_has_every_word_in_each_language() -> None:
    """i18n.js: the clinic's words in en, ru, kk and ky, the same keys in each; real Kazakh
    and Kyrgyz letters; every error code the endpoints answer has words."""
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    block = text[text.index("const CLINIC = {"):text.index("\n};", text.index("const CLINIC = {"))]
    languages = dict(re.findall(r"\n  (en|ru|kk|ky): \{(.*?)\n  \},", block, re.S))
    assert set(languages) == {"en", "ru", "kk", "ky"}
    keys = {lang: set(re.findall(r"(?:^|[\s,])(\w+): '", body)) for lang, body in languages.items()}
    assert all(found == keys["en"] for found in keys.values()), {k: keys["en"] ^ v for k, v in keys.items()}
    assert len(KAZAKH_LETTERS.findall(languages["kk"])) > 50
    assert len(KYRGYZ_LETTERS.findall(languages["ky"])) > 50
    clinic_source = (Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "clinic.py").read_text()
    service_source = (Path(__file__).resolve().parent.parent / "bot" / "telemedicine" / "service.py").read_text()
    service_source += (Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "sample_patient.py").read_text()
    codes = set(re.findall(r'ClinicError\(\s*f?"[^"\n]*",\s*"([a-z_]+)"', service_source)) | set(
        re.findall(r'(?:BadInput|failure)\("([a-z_]+)"', clinic_source))
    assert {"bad_link", "not_connected", "missing", "bad_day", "no_doctor", "no_consent", "policy_in_force"} <= codes
    assert {f"err_{code}" for code in codes} <= keys["en"], codes
