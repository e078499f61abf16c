"""Partner bank links: what a link may carry, and the signed variant."""

from decimal import Decimal

import pytest

from insurance.partner_link import LinkError, make_link_payload, parse_link

KEYS = {"obank": "s3cret-of-obank-2026"}


def test_a_signed_link_carries_the_loan_the_bank_and_the_agreement():
    payload = make_link_payload("sakbol", 100000, 12, "obank", "KD2026001", key=KEYS["obank"])
    assert len(payload) <= 64
    link = parse_link(payload, KEYS)
    assert (link.product.code, link.loan_amount, link.term_months) == ("sakbol", Decimal(100000), 12)
    assert (link.bank.code, link.agreement, link.signed) == ("obank", "KD2026001", True)


def test_the_plain_product_link_and_the_old_unsigned_loan_link_still_work():
    assert parse_link("buy-sakbol", KEYS).loan_amount is None
    link = parse_link("buy-sakbol-250000-18", KEYS)
    assert (link.loan_amount, link.term_months, link.bank) == (Decimal(250000), 18, None)


@pytest.mark.parametrize("payload, reason", [
    # the amount changed after signing: the price basis cannot be forged
    (make_link_payload("sakbol", 100000, 12, "obank", key=KEYS["obank"]).replace("100000", "1000"), "bad_signature"),
    ("buy-sakbol-100000-12-obank", "bad_signature"),          # a bank with a key must sign
    ("buy-sakbol-100000-12-obank-s0123456789abcdef", "bad_signature"),
    ("buy-sakbol-100000-12-nobank", "unknown_bank"),
    ("buy-nomad_life-100000-12-obank", "unknown_bank"),       # O!Bank lends in Kyrgyzstan
    ("buy-osago-100000-12", "unknown_product"),
    ("buy-sakbol-0-12", "bad_loan"),
    ("buy-sakbol-100000-999", "bad_loan"),
    ("buy-sakbol-100000-12-obank-KD/1", "malformed"),
])
def test_a_forged_or_broken_link_is_refused_with_a_reason(payload, reason):
    with pytest.raises(LinkError) as error:
        parse_link(payload, KEYS)
    assert error.value.reason == reason


def test_a_bank_without_a_key_may_send_unsigned_links():
    link = parse_link("buy-sakbol-100000-12-obank-KD1", {})
    assert (link.bank.code, link.signed) == ("obank", False)


def test_the_partner_link_command_signs_with_the_banks_key_and_refuses_a_bad_bank_in_one_line():
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "QAMQOR_PARTNER_LINK_KEYS": f"obank:{KEYS['obank']}"}
    command = [sys.executable, "-m", "bot", "partner-link", "--product", "sakbol", "--loan-amount", "100000",
               "--term-months", "12", "--bank"]
    made = subprocess.run([*command, "obank", "--agreement", "KD1"], capture_output=True, text=True, cwd=root,
                          env=env, timeout=60)
    assert made.returncode == 0, made.stderr
    printed = json.loads(made.stdout)
    assert printed["signed"] is True and parse_link(printed["start"], KEYS).agreement == "KD1"
    bad = subprocess.run([*command, "nobank"], capture_output=True, text=True, cwd=root, env=env, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
