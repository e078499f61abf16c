"""Partner bank links: what a link may carry, and the signed variant."""

from decimal import Decimal

import pytest

from insurance.partner_link import LinkError, make_link_payload, parse_link

KEYS = {"obank": "s3cret-of-obank"}


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
