"""Partner bank links: `https://t.me/<bot>?start=<payload>`.

Telegram's start parameter allows only `A-Za-z0-9_-` and 64 characters. The
payload is dash-separated:

    buy-<product>[-<loan amount>-<term months>[-<bank>[-<agreement>]]][-s<signature>]

`<bank>` is a code from `partners.json`; `<agreement>` the loan agreement
number (letters and digits). A bank with a key (QAMQOR_PARTNER_LINK_KEYS)
must sign its links: the signature is the first 16 hex digits of
HMAC-SHA256(key, payload without "-s<signature>"), so nobody can change the
loan, the bank or the agreement (the price basis and the beneficiary).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from insurance.catalogue import UnknownProduct, get_product
from insurance.parsing import ascii_digits
from insurance.product import LocalizedText, Product

MAX_PAYLOAD = 64
SIGNATURE_HEX = 16
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_AGREEMENT = re.compile(r"[A-Za-z0-9]{1,20}")
_BANK = re.compile(r"[a-z][a-z0-9_]{1,19}")
PARTNERS_FILE = Path(__file__).with_name("partners.json")


class LinkError(ValueError):
    """`reason`: malformed, unknown_product, bad_loan, unknown_bank, bad_signature."""

    def __init__(self, reason: str, product: Product | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.product = product


@dataclass(frozen=True)
class PartnerBank:
    code: str
    country: str
    name: LocalizedText


@dataclass(frozen=True)
class PartnerLink:
    product: Product
    loan_amount: Decimal | None = None
    term_months: int | None = None
    bank: PartnerBank | None = None
    agreement: str | None = None
    signed: bool = False


@lru_cache(maxsize=1)
def partner_banks() -> dict[str, PartnerBank]:
    data = json.loads(PARTNERS_FILE.read_text(encoding="utf-8"))
    return {code: PartnerBank(code, item["country"], LocalizedText(**item["name"]))
            for code, item in data.items() if not code.startswith("_")}


def signature(payload: str, key: str) -> str:
    return hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]


def make_link_payload(product: str, loan_amount: int, term_months: int, bank: str | None = None,
                      agreement: str | None = None, key: str | None = None) -> str:
    """The payload a bank puts after `?start=` (signed when it has a key)."""
    parts = ["buy", product, str(loan_amount), str(term_months)]
    if bank:
        parts.append(bank)
        if agreement:
            parts.append(agreement)
    payload = "-".join(parts)
    if key:
        payload += f"-s{signature(payload, key)}"
    if not _PAYLOAD.fullmatch(payload):
        raise LinkError("malformed")
    return payload


def parse_link(payload: str, keys: dict[str, str]) -> PartnerLink:
    """Read a `buy-...` payload; a link that names a bank with a key must carry
    its valid signature, else nothing but the product is taken from it."""
    if not _PAYLOAD.fullmatch(payload):
        raise LinkError("malformed")
    parts = payload.split("-")
    signed_with = None
    if len(parts) > 2 and re.fullmatch(rf"s[0-9a-f]{{{SIGNATURE_HEX}}}", parts[-1]):
        signed_with = parts.pop()[1:]
    if len(parts) < 2 or parts[0] != "buy":
        raise LinkError("malformed")
    try:
        product = get_product(parts[1])
    except UnknownProduct:
        raise LinkError("unknown_product") from None
    if len(parts) == 2:
        return PartnerLink(product)
    if len(parts) < 4 or len(parts) > 6:
        raise LinkError("malformed", product)
    amount, term = parts[2], parts[3]
    if not (ascii_digits(amount) and 0 < int(amount) <= 1_000_000_000 and ascii_digits(term) and 1 <= int(term) <= 360):
        raise LinkError("bad_loan", product)
    bank = None
    if len(parts) >= 5:
        bank = partner_banks().get(parts[4]) if _BANK.fullmatch(parts[4]) else None
        if bank is None or bank.country != product.country:
            raise LinkError("unknown_bank", product)
    agreement = parts[5] if len(parts) == 6 else None
    if agreement is not None and not _AGREEMENT.fullmatch(agreement):
        raise LinkError("malformed", product)
    key = keys.get(bank.code) if bank else None
    unsigned = "-".join(parts)
    if key is not None and (signed_with is None or not hmac.compare_digest(signed_with, signature(unsigned, key))):
        raise LinkError("bad_signature", product)
    if key is None and signed_with is not None:
        raise LinkError("bad_signature", product)
    return PartnerLink(product, Decimal(amount), int(term), bank, agreement, signed=key is not None)
