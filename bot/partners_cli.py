"""`python -m bot partners add | list | revoke | webhook`: the API's partners.

A key is printed once, when it is made, and only its SHA-256 is stored; a lost
key is revoked and a new partner entry made. The webhook secret (`whsec_...`) is
printed when the webhook is set; it signs every event sent there."""

from __future__ import annotations

import argparse
import json
import re
import secrets
from typing import Any
from urllib.parse import urlparse

from bot.partner_webhooks import new_secret
from bot.settings import Settings
from insurance.catalogue import UnknownProduct, get_product
from storage.db import create_engine, migrate, session_factory
from storage.models import utcnow
from storage.partners import key_digest
from storage.unit_of_work import UnitOfWork

KINDS = ("insurer", "telemedicine", "bank")
KEY_PREFIX = "qmq_"


class PartnerCliError(Exception):
    """One line for the operator."""


def add_parser(commands: Any) -> argparse.ArgumentParser:
    parser = commands.add_parser("partners", help="partners of the API: add (prints the key once), list, revoke")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new partner; prints its API key once")
    add.add_argument("--name", required=True, help="e.g. SAKBOL")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--products", required=True, help="product codes it sees, comma-separated (sakbol,nomad_life)")
    add.add_argument("--webhook-url", default=None, help="where events are POSTed (prints the signing secret)")
    actions.add_parser("list", help="partners, their products, webhook and state (never keys)")
    revoke = actions.add_parser("revoke", help="the partner's key stops working at once")
    revoke.add_argument("name")
    webhook = actions.add_parser("webhook", help="set the partner's webhook URL; prints a new signing secret")
    webhook.add_argument("name")
    webhook.add_argument("--url", required=True)
    return parser


def _webhook_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise PartnerCliError(f"--webhook-url must be an http(s) URL, got {url!r}")
    return url


async def execute(settings: Settings, args: argparse.Namespace) -> str:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            result = await _ACTIONS[args.action](uow, args)
            await uow.commit()
            return result
    finally:
        await engine.dispose()


async def _add(uow: UnitOfWork, args: argparse.Namespace) -> str:
    name = args.name.strip()
    if not re.fullmatch(r"[\w .&-]{1,64}", name):
        raise PartnerCliError("--name: 1 to 64 letters, digits, spaces, '.', '&' or '-'")
    products = [p.strip() for p in args.products.split(",") if p.strip()]
    for code in products:
        try:
            get_product(code)
        except UnknownProduct:
            raise PartnerCliError(f"--products: unknown product {code!r}") from None
    if not products:
        raise PartnerCliError("--products: at least one product code")
    if await uow.partners.by_name(name) is not None:
        raise PartnerCliError(f"a partner named {name!r} exists (revoke it, then add it under another name)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    secret = new_secret() if args.webhook_url else None
    await uow.partners.add(name=name, kind=args.kind, products=products, key_sha256=key_digest(key),
                           webhook_url=_webhook_url(args.webhook_url) if args.webhook_url else None,
                           webhook_secret=secret)
    lines = [f"partner {name} ({args.kind}) sees {', '.join(products)}",
             f"API key (shown once, keep it secret): {key}"]
    if secret:
        lines.append(f"webhook signing secret (shown once): {secret}")
    return "\n".join(lines)


async def _list(uow: UnitOfWork, _args: argparse.Namespace) -> str:
    rows = [{"name": p.name, "kind": p.kind, "products": p.products, "webhook_url": p.webhook_url,
             "created_at": p.created_at.isoformat(timespec="seconds"),
             "revoked_at": p.revoked_at.isoformat(timespec="seconds") if p.revoked_at else None}
            for p in await uow.partners.all()]
    return json.dumps(rows, indent=2, ensure_ascii=False)


async def _revoke(uow: UnitOfWork, args: argparse.Namespace) -> str:
    partner = await uow.partners.by_name(args.name)
    if partner is None:
        raise PartnerCliError(f"no partner {args.name!r}")
    if partner.revoked_at is None:
        partner.revoked_at = utcnow()
    return f"partner {partner.name}: key revoked"


async def _webhook(uow: UnitOfWork, args: argparse.Namespace) -> str:
    partner = await uow.partners.by_name(args.name)
    if partner is None:
        raise PartnerCliError(f"no partner {args.name!r}")
    partner.webhook_url, partner.webhook_secret = _webhook_url(args.url), new_secret()
    return f"partner {partner.name}: events go to {args.url}\nwebhook signing secret (shown once): " \
           f"{partner.webhook_secret}"


_ACTIONS = {"add": _add, "list": _list, "revoke": _revoke, "webhook": _webhook}
