"""Events to partners end to end: signed the Standard Webhooks way, delivered from
the database in order per claim, retried after an outage, never lost across a
restart, and readable again with `GET /api/v1/events`; and a premium confirmed by
the insurer through the API issues the policy once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from storage import claim_progress
from storage.db import session_factory
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork
from tests.partner_api import Api, Receiver, add_partner, registered_claim
from tests.purchase_flow import buyer, share_and_sign
from tests.test_journeys_claims import give_policy, last_year, ready, report
from tests.test_journeys_purchase import PHONE_KG, buy_sakbol_until_summary

JPEG = b"\xff\xd8\xff\xe0" + b"\x10JFIF" + b"\x00" * 200


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()


async def serve(qamqor) -> httpx.AsyncClient:
    port = await qamqor.serve_api("127.0.0.1", 0)
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)


async def upload(qamqor, number: str, item: str, content: bytes) -> None:
    """A document delivered for a checklist item, as the documents journey records it."""
    sha = qamqor.documents.put(content)
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        claim = await uow.claims.by_number(number)
        assert await claim_progress.attach_document(uow, claim, item, sha, kind="jpeg", size=len(content),
                                                    original_name=None)
        await uow.commit()
    qamqor.webhooks.wake()


async def test_a_claim_reported_in_the_chat_reaches_the_insurer_signed(qamqor, settings, person, receiver):
    key, secret = await add_partner(settings, "SAKBOL", "sakbol", webhook_url=receiver.url)
    await add_partner(settings, "Nomad Life", "nomad_life", webhook_url=receiver.url + "?nomad")
    user = await person("ky")
    user.language = "ky"
    await ready(user)
    policy_id, policy_number = await give_policy(qamqor, user.id, "sakbol", start=last_year()[0], end=last_year()[1])
    await report(user, policy_id, "injury")
    await user.press("claim:register")
    await user.reply()
    await receiver.wait_for(1)
    headers, body = receiver.received[0]
    event = Webhook(secret).verify(body, headers)
    assert event["type"] == "claim.registered" and event["data"]["policy"] == policy_number
    assert event["data"]["claim"].startswith("CLM-") and headers["webhook-id"] == f"evt_{event['id']}"
    for tampered_body, tampered_headers in (
            (body.replace(b'"late":false', b'"late":true'), headers),
            (body, headers | {"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}),
            (body, headers | {"webhook-id": "evt_999"})):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(tampered_body, tampered_headers)
    other_secret = "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(body, headers)
    await receiver.wait_for(2)
    # SAKBOL offer 8.1: the lender is told too; both events are SAKBOL's (its secret verifies them),
    # and Nomad Life's partner heard nothing of a SAKBOL claim.
    notice = Webhook(secret).verify(receiver.received[1][1], receiver.received[1][0])
    assert notice["type"] == "claim.reported_to_lender" and notice["data"]["claim"] == event["data"]["claim"]
    await user.quiet_for(0.5)
    assert len(receiver.received) == 2
    async with await serve(qamqor) as client:
        listed = (await Api(client, key).get("/api/v1/events")).json()["events"]
    assert [e["id"] for e in listed] == [event["id"], notice["id"]] and listed[0]["data"] == event["data"]


async def test_a_webhook_down_for_a_while_then_up_gets_everything_once_in_order_even_across_a_restart(
        start_bot, settings, person, receiver):
    first = await start_bot()
    key, secret = await add_partner(settings, "SAKBOL", "sakbol", webhook_url=receiver.url)
    one, two = await person("ru"), await person("kk")
    claims = [await registered_claim(first, one.id), await registered_claim(first, two.id)]
    receiver.down = True
    for index, item in enumerate(("claim_application", "insured_passport", "medical_documents")):
        for claim in claims:
            await upload(first, claim, item, JPEG + f"{claim}{index}".encode())
    while receiver.refused == 0:
        await asyncio.sleep(0.05)
    await first.stop()  # down, and the bot restarts in the middle
    second = await start_bot()
    receiver.down = False
    # The retry is due 5 s after the failure: the deliverer's clock moves on instead of the test sleeping.
    second.webhooks.clock = lambda: utcnow() + timedelta(minutes=1)
    second.webhooks.wake()
    await receiver.wait_for(6)
    events = [Webhook(secret).verify(body, headers) for headers, body in receiver.received]
    assert len({e["id"] for e in events}) == 6 == len(receiver.received)
    for claim in claims:
        items = [e["data"]["item"] for e in events if e["data"]["claim"] == claim]
        assert items == ["claim_application", "insured_passport", "medical_documents"]
    async with await serve(second) as client:
        page = (await Api(client, key).get("/api/v1/events", after=events[2]["id"])).json()
    assert [e["id"] for e in page["events"]] == [e["id"] for e in events[3:]]
    assert page["next_cursor"] == events[-1]["id"]


async def test_the_insurer_confirms_a_premium_paid_outside_telegram_once(start_bot, control, settings):
    qamqor = await start_bot(payment_provider_token=None)
    key, _ = await add_partner(settings, "SAKBOL", "sakbol")
    nomad_key, _ = await add_partner(settings, "Nomad Life", "nomad_life")
    user = await buyer(control, "ky")
    await buy_sakbol_until_summary(user, control)
    _document, _prompt, code = await share_and_sign(user, control, PHONE_KG)
    await user.send(code)
    await user.replies(2)  # signed; waiting for the payment
    async with await serve(qamqor) as client:
        api = Api(client, key)
        wrong = await api.post("/api/v1/applications/1/payment", {"amount": "1.00", "currency": "KGS"})
        assert wrong.status_code == 422 and wrong.json()["error"]["problems"] == [
            {"parameter": "amount", "code": "not_the_total"}]
        outsider = await Api(client, nomad_key).post("/api/v1/applications/1/payment",
                                                     {"amount": "2295.00", "currency": "KGS"})
        missing = await Api(client, nomad_key).post("/api/v1/applications/99/payment",
                                                    {"amount": "2295.00", "currency": "KGS"})
        assert outsider.status_code == 404 and outsider.json() == missing.json()
        body = {"amount": "2295.00", "currency": "KGS", "reference": "PP-1"}
        paid = await api.post("/api/v1/applications/1/payment", body, key="pay-1")
        assert paid.status_code == 200, paid.text
        assert paid.json()["policy"].startswith("SB-") and paid.json()["status"] == "paid"
        issued, certificate = await user.replies(2)
        assert paid.json()["policy"] in issued["message"]["text"]
        assert certificate["message"]["document"]["file_name"] == f"{paid.json()['policy']}.pdf"
        assert (await api.post("/api/v1/applications/1/payment", body, key="pay-1")).json() == paid.json()
        again = await api.post("/api/v1/applications/1/payment", body, key="pay-2")
        assert again.status_code == 409 and again.json()["error"]["code"] == "not_awaiting_payment"
        assert await user.quiet_for(0.5) == []  # one certificate
        events = (await api.get("/api/v1/events")).json()["events"]
    assert [e["type"] for e in events] == ["policy.issued"]
    assert events[0]["data"]["policy"] == paid.json()["policy"]
