"""The Application factory: python-telegram-bot wired to storage and journeys."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime, timedelta

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters import EmulatorSms, HttpSmsGateway, LoggedSms, SmsSender
from bot.dispatcher import Dispatcher, PerUserOrder
from bot.i18n import LANGUAGES
from bot.settings import Settings
from bot.telemedicine import service as telemedicine_jobs
from handlers import build_router, documents, start, support, telemedicine
from storage.db import create_engine, migrate, session_factory
from storage.documents import DocumentStore
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

OUTBOX_FLUSH_EVERY = 15.0
CONNECTION_POOL = 32
DEFAULT_COMMAND_LANGUAGE = "ru"


def sms_sender(settings: Settings) -> SmsSender:
    if settings.sms_gateway_url:
        return HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_token)
    if settings.sandbox and settings.api_base_url:
        return EmulatorSms(settings.api_base_url)
    return LoggedSms()


class QamqorBot:
    """One bot process: the PTB Application, the database and background work.

    `prepare()` / `cleanup()` run around the Application's life, either as
    PTB's post_init / post_shutdown (`run`) or called by `start()` / `stop()`
    (sandbox and tests).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url)
        self.documents = DocumentStore(settings.data_dir / "documents")
        self.dispatcher = Dispatcher(settings, session_factory(self.engine), build_router(), self.documents,
                                     sms_sender(settings))
        self.dispatcher.on_sent.update(support.ON_SENT)
        self.dispatcher.on_sent["telemedicine_queue"] = telemedicine.remember_queue_message
        self.dispatcher.resolvers.update(support.RESOLVERS)
        self.application = self._build_application()
        self._background: asyncio.Task[None] | None = None

    def _build_application(self) -> Application:
        builder = (
            ApplicationBuilder()
            .token(self.settings.bot_token)
            .concurrent_updates(PerUserOrder(max_concurrent_updates=64))
            .post_init(lambda _app: self.prepare())
            .post_shutdown(lambda _app: self.cleanup())
            .get_updates_read_timeout(40)
            # PTB's default is one connection: concurrent updates would queue for it.
            .connection_pool_size(CONNECTION_POOL)
            .pool_timeout(10)
        )
        if self.settings.api_base_url:
            builder = builder.base_url(f"{self.settings.api_base_url}/bot").base_file_url(
                f"{self.settings.api_base_url}/file/bot"
            )
        application = builder.build()
        application.add_handler(TypeHandler(Update, self.dispatcher.handle_update))
        application.add_error_handler(self._on_error)
        return application

    async def prepare(self) -> None:
        await migrate(self.engine)
        await self.set_command_menus()
        await self.dispatcher.learn_staff_chat(self.application.bot)
        self._background = asyncio.create_task(self._flush_outbox_forever(), name="outbox-flush")

    async def cleanup(self) -> None:
        if self._background is not None:
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

    async def _flush_outbox_forever(self) -> None:
        """Background work found in the database, so a restart neither loses nor repeats it:
        claim document reminders, then whatever the outbox still holds."""
        await self.dispatcher.flush_outbox(self.application.bot, older_than=timedelta(0))
        while True:
            try:
                await self.run_background_once()
            except Exception:
                log.exception("background work failed")
            await asyncio.sleep(OUTBOX_FLUSH_EVERY)

    async def run_background_once(self, now: datetime | None = None) -> None:
        async with UnitOfWork(self.dispatcher.sessions) as uow:
            reminded = await documents.send_due_reminders(uow, now or utcnow())
            reminded += await telemedicine_jobs.run_due(uow, now or utcnow())
        if reminded:
            log.info("sending %s reminders and clinic messages", reminded)
        async with UnitOfWork(self.dispatcher.sessions) as uow:
            waiting = await support.send_due_reminders(uow, self.settings, self.dispatcher.staff_forum, now or utcnow())
        if waiting:
            log.info("reminded staff of %s waiting support requests", waiting)
        await self.dispatcher.deliver(self.application.bot, background=True)
        await self.dispatcher.flush_outbox(self.application.bot)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("error outside a handler (update %s)", update_id, exc_info=context.error)

    async def start(self, *, poll_interval: float = 0.0, timeout: int = 10) -> None:
        """Start polling inside the running event loop (sandbox, tests)."""
        await self.application.initialize()
        await self.prepare()
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(
            poll_interval=poll_interval, timeout=timeout, allowed_updates=Update.ALL_TYPES
        )

    async def stop(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.cleanup()

    def run(self) -> None:
        """Real Telegram: webhook when a public URL is set, else long polling."""
        if self.settings.webhook_url:
            path = "telegram"
            self.application.run_webhook(
                listen=self.settings.webhook_listen,
                port=self.settings.webhook_port,
                url_path=path,
                webhook_url=f"{self.settings.webhook_url}/{path}",
                secret_token=self.settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            self.application.run_polling(allowed_updates=Update.ALL_TYPES)
