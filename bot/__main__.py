"""Command line: `python -m bot run | sandbox | migrate | quote | partner-link | claims | telemedicine |
partners | openapi`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from bot.settings import Settings, SettingsError, configure_logging, load_settings

log = logging.getLogger("bot")


def _settings(sandbox: bool = False) -> Settings:
    try:
        settings = load_settings(sandbox=sandbox)
    except SettingsError as exc:
        fail(str(exc))
    configure_logging(settings)
    return settings


def cmd_run(args: argparse.Namespace) -> None:
    from bot.app import QamqorBot

    if args.workers < 1:
        fail(f"--workers must be at least 1, got {args.workers}")
    settings = _settings()
    if args.workers > 1:
        if not settings.database_url.startswith("postgresql"):
            fail("several workers need PostgreSQL (QAMQOR_DATABASE_URL=postgresql+asyncpg://...): "
                 "SQLite serves one process")
        from bot.workers import run_workers

        log.info("starting %s Qamqor workers (%s)", args.workers, "webhook" if settings.webhook_url else "long polling")
        raise SystemExit(run_workers(settings, args.workers))
    log.info("starting Qamqor (%s)", "webhook" if settings.webhook_url else "long polling")
    QamqorBot(settings).run()


def cmd_migrate(_args: argparse.Namespace) -> None:
    from storage.db import create_engine, migrate

    settings = _settings(sandbox=True)

    async def go() -> None:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(go())
    log.info("database is at the newest schema")


def cmd_sandbox(_args: argparse.Namespace) -> None:
    settings = _settings(sandbox=True)
    asyncio.run(run_sandbox(settings))


async def run_sandbox(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """The Bot API emulator and the bot together on loopback; no token needed."""
    from bot.app import QamqorBot
    from bot.emulator import Emulator
    from bot.emulator.client import EmulatorClient

    emulator = Emulator(token=settings.bot_token, sandbox_page=True,
                        update_id_file=settings.data_dir / "emulator-update-id")
    base = await emulator.start(host=settings.sandbox_host, port=settings.sandbox_port)
    async with EmulatorClient(base) as control:
        # A forum: each customer who asks for a person gets a topic (the support desk).
        staff = await control.create_group("Qamqor staff", chat_id=settings.staff_chat_id, chat_type="supergroup",
                                           bot_is_admin=True, is_forum=True)
    settings = replace(settings, api_base_url=base, staff_chat_id=staff["id"])
    if emulator.sandbox is not None:
        emulator.sandbox.staff_chat_id = settings.staff_chat_id
    qamqor = QamqorBot(settings)
    await qamqor.start()
    if emulator.sandbox is not None:
        from bot.sandbox.clinic import ClinicDesk

        emulator.sandbox.clinic = ClinicDesk.for_bot(qamqor)  # the page's clinic pane (Dariger Online)
    api_port = await qamqor.serve_api(settings.api_listen, settings.api_port)
    print(f"Qamqor sandbox is running: {base}/", flush=True)
    print(f"  partner API: http://{settings.api_listen}:{api_port}/api/v1 (OpenAPI: /api/v1/openapi.json, "
          "keys: python -m bot partners add)", flush=True)
    print(f"  open {base}/ in a browser to chat with the bot as any number of users (docs/sandbox.md)", flush=True)
    print(f"  Bot API emulator: {base}/bot<token>/<method>; control API: {base}/control/ "
          "(see docs/emulator.md)", flush=True)
    print(f"  staff chat id: {settings.staff_chat_id}; stop with Ctrl+C", flush=True)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await qamqor.stop()
        await emulator.stop()


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: how every CLI error ends, never a traceback."""
    print(f"qamqor: {message}", file=sys.stderr)
    raise SystemExit(2)


def cmd_quote(args: argparse.Namespace) -> None:
    """What cover would cost: staff and partner banks answer customers with it. The
    amounts and the term are read by the same rules as in the bot's form."""
    import json

    from insurance.application import FieldError, parse_amount, parse_term
    from insurance.catalogue import UnknownProduct, get_product
    from insurance.premium import QuoteError, quote

    try:
        product = get_product(args.product)
    except UnknownProduct:
        fail(f"unknown product {args.product!r}")
    values = {}
    for flag, raw, parse in (("--loan-amount", args.loan_amount, parse_amount),
                             ("--term-months", args.term_months, parse_term),
                             ("--sum-insured", args.sum_insured, parse_amount)):
        try:
            values[flag] = None if raw is None else parse(raw)
        except FieldError as exc:
            fail(f"{flag} {raw!r} is refused ({exc.reason.replace('_', ' ')})")
    try:
        priced = quote(product, values["--loan-amount"], values["--term-months"], values["--sum-insured"],
                       age=args.age)
    except QuoteError as exc:
        fail(str(exc))
    print(json.dumps({
        "product": priced.product, "currency": priced.currency, "loan_amount": str(priced.loan_amount),
        "term_months": priced.term_months, "sum_insured": str(priced.sum_insured), "rate": str(priced.rate),
        "premium": str(priced.premium), "tax_rate": str(priced.tax_rate), "tax": str(priced.tax),
        "total": str(priced.total), "sample_rate": priced.sample_rate, "clause": priced.clause,
    }, indent=2))


def cmd_partner_link(args: argparse.Namespace) -> None:
    """The `?start=` payload a partner bank puts in its link, signed with the
    bank's key from QAMQOR_PARTNER_LINK_KEYS when it has one."""
    import json

    from insurance.partner_link import LinkError, make_link_payload, parse_link

    keys = _settings(sandbox=True).partner_link_keys
    try:
        payload = make_link_payload(args.product, args.loan_amount, args.term_months, args.bank, args.agreement,
                                    key=keys.get(args.bank or ""))
        link = parse_link(payload, keys)
    except LinkError as error:
        fail(f"cannot make this link ({error.reason})")
    print(json.dumps({"start": payload, "signed": link.signed, "length": len(payload)}))


def _existing_database(settings: Settings) -> None:
    """A command that reads data stops when the data folder holds no database (a typo
    in QAMQOR_DATA_DIR must not silently make an empty one)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        fail(f"no database at {url.database} (check QAMQOR_DATA_DIR or QAMQOR_DATABASE_URL)")


def _use_data_keys(settings: Settings) -> None:
    from storage import crypto

    try:
        crypto.use_keys(crypto.keys_for(settings.data_key, settings.data_dir))
    except (crypto.DataKeyError, OSError) as exc:
        fail(f"data key: {exc}")


def cmd_claims(args: argparse.Namespace) -> None:
    import json

    from bot.claims_cli import MissingDocument, claim_rows, default_output, export_claim, format_table

    settings = _settings(sandbox=True)
    _existing_database(settings)
    _use_data_keys(settings)
    if args.action == "list":
        rows = asyncio.run(claim_rows(settings))
        print(json.dumps(rows, indent=2, ensure_ascii=False) if args.json else format_table(rows))
        return
    output = args.output or default_output(args.number)
    if output.is_dir():
        fail(f"--output {output} is a folder; give a file name such as {default_output(args.number)}")
    if not output.parent.is_dir():
        fail(f"--output {output}: the folder {output.parent} does not exist")
    try:
        archive = asyncio.run(export_claim(settings, args.number))
    except KeyError:
        fail(f"no claim {args.number!r}")
    except MissingDocument as exc:
        fail(str(exc))
    try:
        output.write_bytes(archive)
    except OSError as exc:
        fail(f"--output {output}: {exc.strerror or exc}")
    print(output)


def cmd_telemedicine(args: argparse.Namespace) -> None:
    """The clinic's side of Dariger Online (embedded provider)."""
    from bot.telemedicine.cli import execute
    from bot.telemedicine.service import ClinicError

    settings = _settings(sandbox=True)
    _use_data_keys(settings)
    try:
        print(asyncio.run(execute(settings, args)))
    except ClinicError as exc:
        fail(str(exc))


def cmd_partners(args: argparse.Namespace) -> None:
    """The partner API's partners: keys are printed once, stored as SHA-256."""
    from bot.partners_cli import PartnerCliError, execute

    settings = _settings(sandbox=True)
    _use_data_keys(settings)
    try:
        print(asyncio.run(execute(settings, args)))
    except PartnerCliError as exc:
        fail(str(exc))


def cmd_openapi(args: argparse.Namespace) -> None:
    """Write the partner API's OpenAPI document (docs/openapi.json is this output)."""
    from bot.web.openapi import document

    text = document()
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")


def cmd_genkey(_args: argparse.Namespace) -> None:
    """A new data key for QAMQOR_DATA_KEY."""
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode("ascii"))


def cmd_rekey(_args: argparse.Namespace) -> None:
    """Re-encrypt every personal-data column and stored document with the newest key."""
    from storage.db import create_engine, migrate, session_factory
    from storage.documents import DocumentStore
    from storage.rekey import rekey

    settings = _settings(sandbox=True)
    _existing_database(settings)
    _use_data_keys(settings)

    async def go() -> tuple[int, int]:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            return await rekey(session_factory(engine), DocumentStore(settings.data_dir / "documents"))
        finally:
            await engine.dispose()

    try:
        rows, files = asyncio.run(go())
    except Exception as exc:  # a dropped key, an unreadable file: one line, not a traceback
        fail(f"rekey stopped: {exc.__class__.__name__}: {exc}")
    print(f"re-encrypted {rows} rows and {files} documents with the newest key")


class OneLineParser(argparse.ArgumentParser):
    """A bad argument answers one line (and exit status 2), not a usage screen."""

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see {self.prog} --help)")


def main(argv: list[str] | None = None) -> None:
    parser = OneLineParser(prog="python -m bot", description="Qamqor insurance bot")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve real Telegram (polling, or webhook when QAMQOR_WEBHOOK_URL is set)")
    run.add_argument("--workers", type=int, default=1,
                     help="worker processes on this machine (more than 1 needs PostgreSQL; docs/deploy.md)")
    run.set_defaults(func=cmd_run)
    commands.add_parser("sandbox", help="the bot and a local Bot API emulator, no token needed") \
        .set_defaults(func=cmd_sandbox)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    quote = commands.add_parser("quote", help="premium, tax and total for a loan, as JSON")
    quote.add_argument("--product", required=True, help="nomad_life or sakbol")
    quote.add_argument("--loan-amount", required=True)
    quote.add_argument("--term-months", required=True)
    quote.add_argument("--sum-insured", default=None)
    quote.add_argument("--age", default=None, type=int, help="age on the cover start (a tariff by age band)")
    quote.set_defaults(func=cmd_quote)
    link = commands.add_parser("partner-link", help="the ?start= payload of a partner bank's link (signed)")
    link.add_argument("--product", required=True, help="nomad_life or sakbol")
    link.add_argument("--loan-amount", required=True, type=int)
    link.add_argument("--term-months", required=True, type=int)
    link.add_argument("--bank", default=None, help="partner bank code (insurance/partners.json)")
    link.add_argument("--agreement", default=None, help="loan agreement number, letters and digits")
    link.set_defaults(func=cmd_partner_link)
    claims = commands.add_parser("claims", help="for the claims team: list claims, export one as a zip")
    claims_actions = claims.add_subparsers(dest="action", required=True)
    listing = claims_actions.add_parser("list", help="all claims with status and documents")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    export = claims_actions.add_parser("export", help="a zip of the claim's documents with a JSON manifest")
    export.add_argument("number", help="claim number, e.g. CLM-2026-000001")
    export.add_argument("--output", type=Path, default=None, help="zip file to write (default: NUMBER.zip)")
    claims.set_defaults(func=cmd_claims)
    from bot.telemedicine.cli import add_parser as add_telemedicine_parser

    add_telemedicine_parser(commands).set_defaults(func=cmd_telemedicine)
    from bot.partners_cli import add_parser as add_partners_parser

    add_partners_parser(commands).set_defaults(func=cmd_partners)
    openapi = commands.add_parser("openapi", help="print (or --output) the partner API's OpenAPI document")
    openapi.add_argument("--output", type=Path, default=None, help="e.g. docs/openapi.json")
    openapi.set_defaults(func=cmd_openapi)
    commands.add_parser("genkey", help="print a new data key for QAMQOR_DATA_KEY").set_defaults(func=cmd_genkey)
    commands.add_parser("rekey", help="re-encrypt personal data with the newest QAMQOR_DATA_KEY (rotation)") \
        .set_defaults(func=cmd_rekey)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
