"""The Application factory: python-telegram-bot wired to storage and journeys."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters import EmulatorSms, HttpSmsGateway, LoggedSms, SmsSender
from bot.dispatcher import Dispatcher, PerUserOrder
from bot.inbox import InboxProcessor, Poller
from bot.partner_webhooks import PartnerWebhooks, report_unreachable
from bot.i18n import LANGUAGES
from bot.settings import Settings
from bot.telemedicine import service as telemedicine_jobs
from handlers import build_router, documents, start, support, telemedicine
from bot.send_limits import Limits, MemoryLimiter
from bot.telegram_http import AiohttpRequest
from storage.coordination import INBOX_CHANNEL, ClusterLink, claim_job
from storage.db import create_engine, migrate, session_factory
from storage import crypto
from storage.send_slots import SharedLimiter
from storage.documents import DocumentStore
from storage.inbox import Inbox
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from bot.web.server import ApiServer

log = logging.getLogger(__name__)

OUTBOX_FLUSH_EVERY = 15.0
STOP_GRACE = 5.0  # seconds the lanes get to finish on stop; the rest is processed next start
ELECTION_EVERY = 5.0  # seconds between a worker's checks of its own connection and of the poller's lock
CONNECTION_POOL = 32
DEFAULT_COMMAND_LANGUAGE = "ru"


def loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when chosen (`pip install -e ".[speed]"`; settings check it is installed),
    else asyncio's own. Measured with bench/steps.py: a little less CPU per step under
    load, but a slower answer at light load, so not the default."""
    if choice != "uvloop":
        return None
    import uvloop

    return uvloop.new_event_loop


def sms_sender(settings: Settings) -> SmsSender:
    if settings.sms_gateway_url:
        return HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_token)
    if settings.sandbox and settings.api_base_url:
        return EmulatorSms(settings.api_base_url)
    return LoggedSms()


# A step leaves thousands of short-lived objects (rows, updates, JSON): a young
# generation this large is collected a fourteenth as often, still within a megabyte.
YOUNG_OBJECTS_PER_COLLECTION = 10_000


def spare_the_collector() -> None:
    """Move what start-up built (modules, catalogues, mappers, compiled statements: all
    kept for the process's life) out of the garbage collector's passes, which otherwise
    walk it again on every full collection. Measured by bench/steps.py: see the README."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, middle, old)


class QamqorBot:
    """One bot process: the PTB Application, the inbox, the database and background work.

    `prepare()` / `cleanup()` run around the Application's life; `start()` /
    `stop()` run the whole process inside a running event loop (sandbox, tests,
    `run`). Updates come in through the inbox (`receive_update`, or the poller)
    and are processed by PTB's `Application.process_update`, whose single
    handler is `Dispatcher.handle_update`.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        crypto.use_keys(crypto.keys_for(settings.data_key, settings.data_dir))
        self.engine = create_engine(settings.database_url)
        self.documents = DocumentStore(settings.data_dir / "documents")
        self.dispatcher = Dispatcher(settings, session_factory(self.engine), build_router(), self.documents,
                                     sms_sender(settings))
        self.dispatcher.on_sent.update(support.ON_SENT)
        self.dispatcher.on_sent["telemedicine_queue"] = telemedicine.remember_queue_message
        self.dispatcher.resolvers.update(support.RESOLVERS)
        # PostgreSQL: this process may be one of several workers (docs/deploy.md).
        self.shared = self.engine.dialect.name == "postgresql"
        self.inbox = Inbox(self.dispatcher.sessions, lease=timedelta(seconds=settings.worker_lease_seconds))
        if settings.send_limits:
            limits = Limits.per_second(settings.send_rate)
            self.dispatcher.limiter = SharedLimiter(self.engine, limits) if self.shared else MemoryLimiter(limits)
        self.dispatcher.on_given_up.append(report_unreachable)
        self.webhooks = PartnerWebhooks(self.dispatcher.sessions, self.dispatcher.write_slots)
        self.api: ApiServer | None = None
        self.application = self._build_application()
        self.processor = InboxProcessor(self.inbox, self._process, self.dispatcher.write_slots)
        self.link = ClusterLink(self.engine.url, self.processor.worker) if self.shared else None
        self._background: asyncio.Task[None] | None = None
        self._background_pass = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def _build_application(self) -> Application:
        builder = (
            ApplicationBuilder()
            .token(self.settings.bot_token)
            .updater(None)  # updates come through the inbox (bot.inbox), never PTB's Updater
            .concurrent_updates(PerUserOrder(max_concurrent_updates=64))
            # PTB's default is one connection: concurrent updates would queue for it.
            .request(AiohttpRequest(connection_pool_size=CONNECTION_POOL, pool_timeout=10))
            .get_updates_request(AiohttpRequest(read_timeout=40))
        )
        if self.settings.api_base_url:
            builder = builder.base_url(f"{self.settings.api_base_url}/bot").base_file_url(
                f"{self.settings.api_base_url}/file/bot"
            )
        application = builder.build()
        application.add_handler(TypeHandler(Update, self.dispatcher.handle_update))
        application.add_error_handler(self._on_error)
        return application

    async def receive_update(self, data: dict[str, Any]) -> None:
        """Commit one update (a webhook's body) to the inbox and wake the processor.

        Answer Telegram 200 only after this returns; if it raises, answer an error and
        Telegram delivers the update again (a redelivery is recognised and skipped).
        """
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) \
                or isinstance(data.get("update_id"), bool):
            raise ValueError("not a Telegram update")
        await self._store([data])

    async def _store(self, batch: list[dict[str, Any]]) -> int:
        if self.processor.claims_on_store:
            async with self.dispatcher.write_slots:
                rows = await self.inbox.store_claimed(batch, self.processor.worker)
                self.processor.accept(rows)
            return len(rows)
        async with self.dispatcher.write_slots:
            stored = await self.inbox.store(batch)
        self.processor.wake()
        return stored

    async def _process(self, data: dict[str, Any]) -> None:
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)

    async def prepare(self) -> None:
        await migrate(self.engine)
        await self.set_command_menus()
        await self.dispatcher.learn_staff_chat(self.application.bot)
        self._background = asyncio.create_task(self._background_forever(), name="background")

    async def cleanup(self) -> None:
        """Let the background pass in progress finish (a task cancelled inside a
        transaction would leave its connection to the garbage collector), then close."""
        if self._background is not None:
            self._stopping.set()
            self.dispatcher.wake_outbox()
            try:
                await asyncio.wait_for(asyncio.shield(self._background), STOP_GRACE)
            except asyncio.TimeoutError:
                self._background.cancel()
                with suppress(asyncio.CancelledError):
                    await self._background
            self._background = None
        await self.engine.dispose()

    async def set_command_menus(self) -> None:
        """Telegram's command menu, per language (and a default for the rest)."""
        bot = self.application.bot
        try:
            for language in LANGUAGES:
                commands = [BotCommand(n, d) for n, d in start.command_menu(language)]
                await bot.set_my_commands(commands, language_code=language)
            default = [BotCommand(n, d) for n, d in start.command_menu(DEFAULT_COMMAND_LANGUAGE)]
            await bot.set_my_commands(default)
        except TelegramError as exc:
            log.warning("could not set the command menus: %s", exc)

    async def _background_forever(self) -> None:
        """Background work found in the database, so a restart neither loses nor repeats it:
        what a crash left in flight, claim document reminders, the outbox, pruning. Every
        pass is inside the `try`: one failure is logged and the next pass runs."""
        first = True
        while not self._stopping.is_set():
            try:
                if first and not self.shared:  # several workers: rows in flight lapse after the lease
                    await self.dispatcher.release_in_flight()
                first = False
                await self.run_background_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background work failed")
            if not self._stopping.is_set():
                await self.dispatcher.wait_for_outbox_work(OUTBOX_FLUSH_EVERY)

    async def run_background_once(self, now: datetime | None = None) -> None:
        """One pass; with several workers, the reminders are one worker's at a time (the
        others skip this pass) and the outbox rows are claimed row by row. In one process
        a pass waits for the one in progress (a worker skips only other workers' passes)."""
        async with self._background_pass:
            await self._background_pass_now(now)

    async def _background_pass_now(self, now: datetime | None) -> None:
        reminded = waiting = 0
        # Writers take the write slot: SQLite runs in the event loop's thread, so a second
        # writer must wait for the slot, never for SQLite's lock (storage.db).
        async with self.dispatcher.write_slots, UnitOfWork(self.dispatcher.sessions) as uow:
            if await claim_job(uow.session, "reminders"):
                reminded = await documents.send_due_reminders(uow, now or utcnow())
                reminded += await telemedicine_jobs.run_due(uow, now or utcnow())
        if reminded:
            log.info("sending %s reminders and clinic messages", reminded)
        async with self.dispatcher.write_slots, UnitOfWork(self.dispatcher.sessions) as uow:
            if await claim_job(uow.session, "reminders"):
                waiting = await support.send_due_reminders(uow, self.settings, self.dispatcher.staff_forum,
                                                           now or utcnow())
        if waiting:
            log.info("reminded staff of %s waiting support requests", waiting)
        await self.dispatcher.flush_outbox(self.application.bot)
        async with self.dispatcher.write_slots:
            await self.inbox.prune(now)
            await self.dispatcher.purge_sent_payloads(now)
        await self.dispatcher.limiter.prune()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("error outside a handler (update %s)", update_id, exc_info=context.error)

    async def start(self, *, poll_interval: float = 0.0, timeout: int = 10, polling: bool = True) -> None:
        """Start inside the running event loop: the inbox processor and (unless a webhook
        feeds `receive_update`) the poller."""
        await self.application.initialize()
        await self.prepare()
        await self.application.start()
        if self.link is not None:
            await self.link.listen(INBOX_CHANNEL, self._woken)
            await self.link.open()
            await self._learn_workers()
        self._tasks.append(asyncio.create_task(self.processor.run(only_worker=not self.shared), name="inbox"))
        self._tasks.append(asyncio.create_task(self.webhooks.run(self._stopping), name="partner-webhooks"))
        if polling or self.link is not None:
            poller = Poller(self.application.bot, self._store, timeout=timeout, poll_interval=poll_interval)
            run = poller.run() if self.link is None else self._cluster_forever(poller if polling else None)
            self._tasks.append(asyncio.create_task(run, name="poller"))

    def _woken(self, worker: str) -> None:
        """A new inbox row for `worker` ("": for any worker)."""
        if worker in ("", self.processor.worker):
            self.processor.wake()

    async def _learn_workers(self) -> bool:
        """Check this worker's own connection, and learn the live workers from it (the
        inbox shares users over them: `storage.inbox.owner_of`)."""
        assert self.link is not None
        alive = await self.link.check()
        self.inbox.workers = self.link.members
        return alive

    async def _cluster_forever(self, poller: Poller | None) -> None:
        """Several workers: keep this worker's own connection (LISTEN) alive, and poll
        Telegram only while holding the poller's lock: one worker polls, the others
        process; when the poller dies its lock is released and another one takes over."""
        assert self.link is not None
        polling: asyncio.Task[None] | None = None
        try:
            while True:
                alive = await self._learn_workers()
                if not alive and polling is not None:
                    polling.cancel()  # the lock went with the connection: another worker may poll now
                    with suppress(asyncio.CancelledError, Exception):
                        await polling
                    polling = None
                if poller is not None and polling is None and alive:
                    try:
                        elected = await self.link.try_lock("poller")
                    except Exception as exc:
                        log.warning("could not ask for the poller's lock: %s", exc.__class__.__name__)
                        elected = False
                    if elected:
                        log.info("this worker (%s) now polls Telegram", self.processor.worker)
                        poller.offset = None
                        polling = asyncio.create_task(poller.run(), name="polling")
                if polling is not None and polling.done():
                    polling = None
                    await self.link.close()  # give the lock back (the poller stopped on a bad token)
                    await asyncio.sleep(ELECTION_EVERY)
                    await self.link.open()
                await asyncio.sleep(ELECTION_EVERY)
        finally:
            if polling is not None:
                polling.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await polling

    async def serve_api(self, host: str, port: int) -> int:
        """Serve the web app (webhook, partner API, health) in this event loop; returns the port."""
        from bot.web.server import ApiServer  # FastAPI loads after the database is ready, not before

        self.api = ApiServer(self, host, port, reuse_port=self.shared)
        return await self.api.start()

    async def stop(self) -> None:
        if self.api is not None:
            await self.api.stop()
            self.api = None
        poller = [t for t in self._tasks if t.get_name() == "poller"]
        for task in poller:
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task
        await self.processor.drain(timeout=STOP_GRACE)
        for task in self._tasks:
            task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.link is not None:
            await self.link.close()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.cleanup()

    def run(self) -> None:
        """Real Telegram: webhook when a public URL is set, else long polling."""
        with asyncio.Runner(loop_factory=loop_factory(self.settings.event_loop)) as runner:
            runner.run(self._serve())

    async def _serve(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        webhook = self.settings.webhook_url is not None
        log.info("event loop: %s", type(loop).__module__.split(".")[0])
        await self.start(timeout=30, polling=not webhook)
        try:
            if webhook:
                # One server: Telegram's webhook at /telegram beside the partner API.
                await self.serve_api(self.settings.webhook_listen, self.settings.webhook_port)
                await self.application.bot.set_webhook(f"{self.settings.webhook_url}/telegram",
                                                       secret_token=self.settings.webhook_secret,
                                                       allowed_updates=Update.ALL_TYPES)
            else:
                port = await self.serve_api(self.settings.api_listen, self.settings.api_port)
                log.info("partner API on %s:%s (/api/v1, /healthz)", self.settings.api_listen, port)
            spare_the_collector()
            await stop.wait()
        finally:
            await self.stop()
