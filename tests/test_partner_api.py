"""The insurer API end to end: the running uvicorn service, a real HTTP client, the
bot talking to the emulator, customers reading their news in their language.

Nomad Life rules 7.8-7.10, 10.3, 13.3-13.5; SAKBOL offer 5.4, 9.3."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import zipfile
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.i18n import translator
from bot.partners_cli import execute
from bot.web.openapi import document
from handlers import claim_status as news
from handlers.claims import CLAIM_TITLE
from insurance.application import local_today
from insurance.catalogue import get_product
from storage.db import session_factory
from storage.models import IdempotentRequest, utcnow
from storage.unit_of_work import UnitOfWork
from tests.chat import catalogue, plain
from tests.partner_api import Api, add_partner, registered_claim

ROOT = Path(__file__).resolve().parents[1]
PDF = b"%PDF-1.4\n%scan of a page\n"


@pytest.fixture
async def service(qamqor) -> AsyncIterator[httpx.AsyncClient]:
    port = await qamqor.serve_api("127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client


@pytest.fixture
async def sakbol_api(service, settings) -> Api:
    key, _ = await add_partner(settings, "SAKBOL", "sakbol")
    return Api(service, key)


async def test_health_and_the_committed_openapi_document(service):
    assert (await service.get("/healthz")).json() == {"status": "ok", "database": "ok"}
    served = (await service.get("/api/v1/openapi.json")).json()
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    # Regenerate with: python -m bot openapi --output docs/openapi.json
    assert served == committed == json.loads(document())


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_each_status_reaches_the_customer_in_their_language(qamqor, sakbol_api, person, language):
    user = await person(language)
    number = await registered_claim(qamqor, user.id, language=language)
    t = translator(language)
    product = get_product("sakbol")
    await user._mark()

    async def step(status: str, *expected: str, note: str | None = None, **parameters) -> str:
        answer = await sakbol_api.status(number, status, note=note, **parameters)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status
        text = plain((await user.reply())["text"])
        assert text.startswith(plain(t.gettext(CLAIM_TITLE, number=number)))
        for part in expected:
            assert part in text, (part, text)
        return text

    requested = await step("documents_requested", catalogue(language, news.DOCUMENTS_REQUESTED),
                           product.document("accident_report").name.get(language),
                           catalogue(language, news.INSURER_NOTE, note="Справка из травмпункта").split("«")[0],
                           "«Справка из травмпункта»", items=["accident_report"], note="Справка из травмпункта")
    assert product.document("lender_statement").name.get(language) not in requested
    await step("documents_complete", catalogue(language, news.DOCUMENTS_COMPLETE))
    await step("under_review", catalogue(language, news.UNDER_REVIEW))
    await step("approved", catalogue(language, news.APPROVED, amount=t.money(Decimal("15000.5"), "KGS")),
               amount="15000.50")
    paid_on = local_today(product, utcnow())  # the insurer's today, which the claim was reported on
    await step("paid", catalogue(language, news.PAID, amount=t.money(Decimal("15000.5"), "KGS"),
                                 date=t.date(paid_on)), amount="15000.50", paid_on=paid_on.isoformat())
    await step("closed", catalogue(language, news.CLOSED))


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_a_refusal_names_its_ground_clause_and_every_way_to_appeal(qamqor, service, settings, person,
                                                                         language):
    key, _ = await add_partner(settings, "Nomad Life", "nomad_life")
    api = Api(service, key)
    user = await person(language)
    number = await registered_claim(qamqor, user.id, "nomad_life", "death", language=language)
    await user._mark()
    answer = await api.status(number, "refused", reason="late_report")
    assert answer.status_code == 200, answer.text
    text = plain((await user.reply())["text"])
    t = translator(language)
    product = get_product("nomad_life")
    # Nomad Life rules 8.2(3) (60 days, 9.1) and 7.10: the insurer, the ombudsman, the regulator, a court.
    assert catalogue(language, news.REFUSED, reason=t.gettext(news.REASONS["late_report"]), clause="8.2(3)") in text
    assert catalogue(language, news.APPEAL, clause="7.10") in text
    for route in ("ombudsman", "court"):
        assert catalogue(language, news.APPEAL_ROUTES[route]) in text
    assert catalogue(language, news.APPEAL_ROUTES["insurer"], name=product.insurer.name.get(language)) in text
    assert answer.json()["parameters"] == {"reason": "late_report", "clause": "8.2(3)"}
    assert answer.json()["clause"] == "7.10" and answer.json()["allowed_transitions"] == ["closed"]


async def test_reading_a_claim_its_documents_and_the_zip_the_cli_makes(qamqor, sakbol_api, person):
    user = await person("ru")
    number = await registered_claim(qamqor, user.id)
    sha = qamqor.documents.put(PDF)
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        claim = await uow.claims.by_number(number)
        await uow.claims.attach(claim.id, "accident_report", sha, kind="pdf", size=len(PDF), original_name="a.pdf")
        await uow.commit()
    listing = (await sakbol_api.get("/api/v1/claims")).json()
    assert [c["number"] for c in listing["claims"]] == [number]
    assert (await sakbol_api.get("/api/v1/claims", after=listing["next_cursor"])).json()["claims"] == []
    claim = (await sakbol_api.get(f"/api/v1/claims/{number}")).json()
    assert claim["status"] == "registered" and claim["policy"]["currency"] == "KGS"
    assert claim["allowed_transitions"] == ["documents_requested", "documents_complete", "under_review", "refused"]
    items = {i["item"]: i for i in claim["checklist"]}
    assert items["accident_report"]["state"] == "received" and items["lender_statement"]["state"] == "missing"
    document_id = items["accident_report"]["documents"][0]["id"]
    download = await sakbol_api.get(f"/api/v1/claims/{number}/documents/{document_id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    archive = zipfile.ZipFile(io.BytesIO((await sakbol_api.get(f"/api/v1/claims/{number}/archive")).content))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["claim"]["number"] == number and manifest["files"][0]["sha256"] == sha
    # A change moves the claim past the cursor again.
    await sakbol_api.status(number, "under_review")
    again = (await sakbol_api.get("/api/v1/claims", after=listing["next_cursor"])).json()
    assert [c["number"] for c in again["claims"]] == [number] and again["claims"][0]["status"] == "under_review"


async def test_a_wrong_or_revoked_key_is_401_and_the_key_never_reaches_the_log(qamqor, service, settings, person,
                                                                              caplog):
    caplog.set_level(logging.DEBUG)
    key, _ = await add_partner(settings, "SAKBOL", "sakbol")
    user = await person("ru")
    number = await registered_claim(qamqor, user.id)
    assert (await Api(service, key).get(f"/api/v1/claims/{number}")).status_code == 200
    for wrong in (None, "qmq_not-a-key", key[:-1]):
        answer = await Api(service, wrong).get(f"/api/v1/claims/{number}")
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    assert (await Api(service, None).status(number, "under_review")).status_code == 401
    out = await execute(settings, argparse.Namespace(action="revoke", name="SAKBOL"))
    assert "revoked" in out
    assert (await Api(service, key).get(f"/api/v1/claims/{number}")).status_code == 401
    listed = await execute(settings, argparse.Namespace(action="list"))
    assert key not in listed and "SAKBOL" in listed
    assert key not in caplog.text and key[4:14] not in caplog.text
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        stored = (await uow.partners.all())[0]
        assert key not in (stored.key_sha256, stored.name)


async def test_another_insurers_claim_answers_exactly_like_a_missing_one(qamqor, service, settings, person):
    nomad_key, _ = await add_partner(settings, "Nomad Life", "nomad_life")
    sakbol_key, _ = await add_partner(settings, "SAKBOL", "sakbol")
    user = await person("ru")
    number = await registered_claim(qamqor, user.id, "sakbol")
    nomad = Api(service, nomad_key)
    other = await nomad.get(f"/api/v1/claims/{number}")
    missing = await nomad.get("/api/v1/claims/CLM-2026-999999")
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    for path in (f"/api/v1/claims/{number}/archive", f"/api/v1/claims/{number}/documents/1"):
        assert (await nomad.get(path)).json() == missing.json()
    assert (await nomad.status(number, "under_review")).json() == missing.json()
    assert (await nomad.get("/api/v1/claims")).json()["claims"] == []
    assert (await Api(service, sakbol_key).get(f"/api/v1/claims/{number}")).status_code == 200


async def test_a_forbidden_transition_is_409_with_the_allowed_ones_and_bad_parameters_422(qamqor, sakbol_api,
                                                                                         person):
    user = await person("ru")
    number = await registered_claim(qamqor, user.id)
    forbidden = await sakbol_api.status(number, "paid", amount="10",
                                        paid_on=local_today(get_product("sakbol"), utcnow()).isoformat())
    assert forbidden.status_code == 409
    assert forbidden.json()["error"] == {
        "code": "transition_forbidden", "message": "a claim that is registered cannot become paid",
        "allowed": ["documents_requested", "documents_complete", "under_review", "refused"]}
    await sakbol_api.status(number, "under_review")
    assert plain((await user.reply())["text"]).endswith(catalogue("ru", news.UNDER_REVIEW))
    bad = await sakbol_api.status(number, "approved", amount="100000000")  # SAKBOL offer 5.4
    assert bad.status_code == 422
    assert bad.json()["error"]["problems"] == [{"parameter": "amount", "code": "above_sum_insured"}]
    bad = await sakbol_api.status(number, "refused", reason="weather")
    assert bad.json()["error"]["problems"] == [{"parameter": "reason", "code": "unknown_reason"}]
    assert (await sakbol_api.get(f"/api/v1/claims/{number}")).json()["status"] == "under_review"
    assert await user.quiet_for(0.5) == []  # refused changes told the customer nothing


async def test_a_replayed_idempotency_key_answers_again_and_notifies_once(qamqor, sakbol_api, person):
    user = await person("ky")
    number = await registered_claim(qamqor, user.id, language="ky")
    await user._mark()
    first = await sakbol_api.status(number, "under_review", key="batch-7-claim-1")
    again = await sakbol_api.status(number, "under_review", key="batch-7-claim-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    reused = await sakbol_api.status(number, "refused", key="batch-7-claim-1", reason="exclusion")
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "idempotency_key_reused"
    await user.reply()
    sentinel = await sakbol_api.status(number, "approved", amount="100")
    assert sentinel.status_code == 200
    news_messages = [plain(m["message"]["text"]) for m in await user.replies(1)]
    assert catalogue("ky", news.APPROVED, amount=translator("ky").money(Decimal(100), "KGS")) in news_messages[0]
    timeline = (await sakbol_api.get(f"/api/v1/claims/{number}")).json()["timeline"]
    assert [e["kind"] for e in timeline].count("under_review") == 1
    async with UnitOfWork(session_factory(qamqor.engine)) as uow:
        assert len((await uow.session.scalars(select(IdempotentRequest))).all()) == 2


async def test_bad_input_on_every_endpoint_is_a_clear_error(qamqor, sakbol_api, person):
    user = await person("ru")
    number = await registered_claim(qamqor, user.id)
    cases = [
        await sakbol_api.get("/api/v1/claims", after=-1),
        await sakbol_api.get("/api/v1/claims", limit=0),
        await sakbol_api.get("/api/v1/claims/not-a-number"),
        await sakbol_api.get(f"/api/v1/claims/{number}/documents/0"),
        await sakbol_api.get("/api/v1/events", after="x"),
        await sakbol_api.post(f"/api/v1/claims/{number}/status", {"status": "lost"}),
        await sakbol_api.post(f"/api/v1/claims/{number}/status", {"status": "closed", "note": "x" * 1001}),
        await sakbol_api.post("/api/v1/applications/1/payment", {"amount": "12,50", "currency": "KGS"}),
        await sakbol_api.post("/api/v1/applications/0/payment", {"amount": "12.50", "currency": "KGS"}),
        await sakbol_api.client.post(f"/api/v1/claims/{number}/status", json={"status": "under_review"},
                                     headers=sakbol_api.headers()),  # no Idempotency-Key
        await sakbol_api.client.post(f"/api/v1/claims/{number}/status", content=b"{not json",
                                     headers=sakbol_api.headers("k1", **{"content-type": "application/json"})),
    ]
    for answer in cases:
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid_request" and error["problems"], error
    missing_key = cases[-2].json()["error"]["problems"]
    assert {"parameter": "Idempotency-Key", "code": "missing"} in missing_key
    assert (await sakbol_api.get(f"/api/v1/claims/{number}")).json()["status"] == "registered"


async def test_the_telegram_webhook_checks_its_secret(start_bot, control, person):
    qamqor = await start_bot(webhook_secret="hook-secret-1")
    port = await qamqor.serve_api("127.0.0.1", 0)
    user = await person("ru")
    update = {"update_id": 424242, "message": {"message_id": 1, "date": 1, "text": "/start",
                                               "chat": {"id": user.id, "type": "private"},
                                               "from": {"id": user.id, "is_bot": False, "first_name": "A",
                                                        "language_code": "ru"},
                                               "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await client.post("/telegram", json=update)).status_code == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        assert (await client.post("/telegram", json=update, headers=wrong)).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret-1"}
        assert (await client.post("/telegram", content=b"[1, 2]", headers=right)).status_code == 400
        assert (await client.post("/telegram", json=update, headers=right)).status_code == 200
    assert (await user.reply(timeout=15))["text"]


async def test_a_customer_who_blocked_the_bot_is_reported_unreachable(qamqor, sakbol_api, person, control):
    user = await person("ru")
    number = await registered_claim(qamqor, user.id)
    await control.block(user.id)
    assert (await sakbol_api.status(number, "under_review")).status_code == 200
    for _ in range(100):
        events = (await sakbol_api.get("/api/v1/events")).json()["events"]
        if any(e["type"] == "customer.unreachable" for e in events):
            break
        await asyncio.sleep(0.1)
    unreachable = [e for e in events if e["type"] == "customer.unreachable"]
    assert len(unreachable) == 1 and unreachable[0]["data"]["claims"] == [number]
    assert unreachable[0]["data"]["reason"] == "blocked_the_bot"


async def test_a_batch_interrupted_by_a_restart_reaches_each_customer_once(start_bot, settings, person):
    first = await start_bot()
    key, _ = await add_partner(settings, "SAKBOL", "sakbol")
    people = [await person(("kk", "ky", "ru")[i % 3]) for i in range(6)]
    numbers = [await registered_claim(first, p.id, language=p.language) for p in people]
    port = await first.serve_api("127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        api = Api(client, key)
        answers = await asyncio.gather(*(api.status(n, "under_review", key=f"batch-{n}") for n in numbers))
    assert [a.status_code for a in answers] == [200] * 6
    await first.stop()  # in the middle of delivering the batch
    second = await start_bot()
    port = await second.serve_api("127.0.0.1", 0)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        # The back office retries the whole batch after the restart: the keys make it harmless.
        api = Api(client, key)
        again = await asyncio.gather(*(api.status(n, "under_review", key=f"batch-{n}") for n in numbers))
        assert all(a.headers.get("idempotent-replayed") == "true" for a in again)
    for user, number in zip(people, numbers):
        news_message = plain((await user.reply(timeout=20))["text"])
        assert number in news_message and catalogue(user.language, news.UNDER_REVIEW) in news_message
        assert await user.quiet_for(0.3) == []
