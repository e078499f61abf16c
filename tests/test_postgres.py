"""The same journeys on PostgreSQL, the production database, through asyncpg.

Each test gets a fresh database on the server named by QAMQOR_TEST_POSTGRES_URL
(`.ci/run` starts a throwaway PostgreSQL and sets it): a copy of a database
migrated once per pytest-xdist worker, so parallel workers never share one. The tests imported below
are collected here too, and use this module's `settings` fixture.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.dispatcher import APOLOGY
from bot.settings import Settings, load_settings
from handlers import start
from insurance.consent import PERSONAL_DATA, consent_text
from storage.db import CHECK_AFTER_IDLE, create_engine, migrate
from storage.models import Base
from tests.chat import catalogue
from tests.test_reliability import outbox_rows, until
from tests.test_journeys_claims import (  # noqa: F401
    test_a_forged_button_for_another_users_claim_is_refused_and_logged,
    test_missing_documents_are_reminded_after_three_days_then_weekly_never_twice,
    test_report_each_event_type_and_see_checklist_and_deadlines,
    test_upload_every_item_until_complete_with_refusals_and_duplicates,
)
from tests.test_journeys_purchase import (  # noqa: F401
    test_a_duplicated_successful_payment_issues_one_policy,
    test_buy_nomad_life_end_to_end_with_payment,
    test_buy_sakbol_end_to_end_with_payment,
    test_staff_confirms_payment_when_no_payment_provider_is_set,
)
from tests.test_journeys_robustness import (  # noqa: F401
    test_a_redelivered_update_is_not_processed_twice,
    test_restart_between_two_steps_resumes_where_the_user_was,
)
from tests.test_journeys_telemedicine import (  # noqa: F401
    test_planned_booking_sms_reminders_once_across_a_restart_then_a_free_cancel,
    test_two_customers_race_for_the_last_slot_one_wins_the_other_is_offered_the_next,
    test_two_transactions_booking_one_slot_at_once_one_wins_without_an_error,
    test_urgent_from_the_queue_to_the_conclusion_and_a_complaint,
)
from tests.test_support_desk import (  # noqa: F401
    desk,
    forum,
    staff_forum,
    test_a_plain_group_keeps_replies_with_media_both_ways,
    test_a_restart_in_the_middle_of_a_conversation_loses_nothing,
    test_close_rating_comment_and_writing_again_reopens,
    test_staff_are_reminded_after_the_waiting_time_and_the_customer_never_sees_it,
    test_text_photo_and_document_go_both_ways_and_edits_follow,
)
from tests.test_journeys_start_consent import (  # noqa: F401
    test_export_sends_my_data_as_json,
    test_my_data_lists_then_withdraws_the_consent,
    test_start_offers_consent_then_menu_in_the_users_language,
)

SERVER = os.environ.get("QAMQOR_TEST_POSTGRES_URL")
if not SERVER:
    if os.environ.get("CI"):
        raise RuntimeError("QAMQOR_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL and sets it")
    pytest.skip("no PostgreSQL server (set QAMQOR_TEST_POSTGRES_URL)", allow_module_level=True)


ADMIN_DSN = SERVER.replace("postgresql+asyncpg://", "postgresql://")
_template: list[str] = []  # this worker's migrated database, cloned for each test


@pytest.fixture(scope="session")
def worker_template() -> Iterator[list[str]]:
    """Per pytest-xdist worker (or per run): a database migrated once, named after the
    worker, dropped at the end. Tests clone it, so parallel workers never share one."""
    yield _template
    if _template:
        asyncio.run(_drop(_template.pop()))


async def _drop(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def database_url(worker_template: list[str]) -> AsyncIterator[str]:
    """A fresh database per test: a copy of the worker's migrated template."""
    import asyncpg

    base = SERVER.rsplit("/", 1)[0]
    name = f"qamqor_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        if not worker_template:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            template = f"qamqor_template_{worker}_{uuid.uuid4().hex[:8]}"
            await admin.execute(f'CREATE DATABASE "{template}"')
            worker_template.append(template)
            engine = create_engine(f"{base}/{template}")
            try:
                await migrate(engine)
            finally:
                await engine.dispose()
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{worker_template[0]}"')
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def settings(tmp_path: Path, emulator, control, database_url: str) -> Settings:
    staff = await control.create_group("Qamqor staff")
    return load_settings({
        "QAMQOR_API_BASE_URL": emulator.bot_api_base_url.removesuffix("/bot"),
        "QAMQOR_DATA_DIR": str(tmp_path),
        "QAMQOR_DATABASE_URL": database_url,
        "QAMQOR_STAFF_CHAT_ID": str(staff["id"]),
    }, sandbox=True)


async def test_migrations_on_postgres_match_the_models(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    await migrate(engine)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    assert diff == []


async def test_these_journeys_really_ran_on_postgres(settings):
    assert settings.database_url.startswith("postgresql+asyncpg://")


async def test_connections_postgresql_dropped_while_the_bot_was_idle_are_replaced_unnoticed(
        qamqor, person, settings, caplog):
    """A restart, a failover or a proxy's idle timeout drops the pooled connections; a
    connection idle for a while is checked before use (`storage.db.CHECK_AFTER_IDLE`), so
    the customer's next step is answered, not apologised for, and no statement fails (an
    operator sees no error, the update is not held back for a retry)."""
    import asyncpg

    user = await person(language_code="kk")
    await user.send("/start")
    await user.reply()
    # The bot at rest: the step recorded, its reply marked sent.
    await until(qamqor.inbox.pending_count, lambda count: count == 0)
    await until(lambda: outbox_rows(qamqor, user.id), lambda rows: rows and all(row.sent_at for row in rows))
    database = settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        dropped = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", database)
    finally:
        await admin.close()
    assert dropped >= 2  # the pool's connections and the worker's own (LISTEN, the poller's lock)
    await asyncio.sleep(CHECK_AFTER_IDLE + 0.5)
    caplog.clear()

    await user.press("consent:full")
    full = await user.reply()
    assert full["text"] != catalogue("kk", APOLOGY)
    assert consent_text(PERSONAL_DATA, "kk").title in full["text"]
    await user.press("consent:accept")
    _receipt, menu = (reply["message"] for reply in await user.replies(2))
    assert menu["text"].startswith(catalogue("kk", start.MENU_TITLE))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
