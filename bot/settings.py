"""Settings from the environment (and an optional `.env` file).

Every variable is prefixed `QAMQOR_`. A missing or malformed value raises
`SettingsError` whose message is one line naming the variable, so start-up can
stop with exactly that line. Secrets (`bot_token`, `webhook_secret`) are kept
out of `repr` so they never reach logs by accident.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from insurance.support_desk import DEFAULT_REMINDER_MINUTES, WorkingHours, parse_hours, parse_minutes

SANDBOX_TOKEN = "123456:SANDBOX-NOT-A-SECRET"
SANDBOX_PROVIDER_TOKEN = "sandbox-payments"
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{5,}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
_EVENT_LOOPS = ("asyncio", "uvloop")


DEFAULT_SUPPORT_HOURS = {"KZ": parse_hours("09:00-18:00"), "KG": parse_hours("09:00-18:00")}


class SettingsError(ValueError):
    """A setting is missing or malformed; str() is one line naming it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str = field(repr=False)
    api_base_url: str | None
    database_url: str
    data_dir: Path
    webhook_url: str | None
    webhook_secret: str | None = field(repr=False)
    webhook_listen: str
    webhook_port: int
    staff_chat_id: int | None
    log_level: str
    sandbox_host: str
    sandbox_port: int
    payment_provider_token: str | None = field(default=None, repr=False)
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = field(default=None, repr=False)
    sandbox: bool = False
    staff_language: str = "ru"
    # `run`'s event loop: asyncio's own, or uvloop (optional: the "speed" extra).
    event_loop: str = "asyncio"
    # Partner bank code -> the key its links are signed with (insurance.partner_link).
    partner_link_keys: dict[str, str] = field(default_factory=dict, repr=False)
    # Support desk (issue 10): who may act as staff besides the staff chat's administrators,
    # when waiting tickets are reminded, and working hours per country (local time).
    staff_user_ids: frozenset[int] = frozenset()
    support_reminder_minutes: tuple[int, ...] = DEFAULT_REMINDER_MINUTES
    support_hours: dict[str, WorkingHours] = field(default_factory=lambda: dict(DEFAULT_SUPPORT_HOURS))
    # reliability: personal data key(s), newest first; None in the sandbox means
    # "the data folder's own key" (storage.crypto.load_or_create_key_file).
    data_key: str | None = field(default=None, repr=False)
    test_setup: bool = False
    outbox_retention_hours: int = 24
    # workers (issue 15): how long a worker's claims outlive it, and Telegram's sending
    # limits (bot.send_limits; off by default in the sandbox, whose emulator has none).
    worker_lease_seconds: int = 30
    send_limits: bool = True
    send_rate: int = 30
    # Partner API (issue 9): where it listens when the bot polls (in webhook mode it shares
    # the webhook's server); port 0 takes any free port (tests).
    api_listen: str = "0.0.0.0"
    api_port: int = 8080

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line."""
        return tuple(
            s for s in (self.bot_token, self.webhook_secret, self.payment_provider_token, self.sms_gateway_token,
                        *self.partner_link_keys.values(), *(self.data_key or "").split(",")) if s and s.strip()
        )


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines and # comments are skipped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _url(name: str, value: str | None, *, require_https: bool = False) -> str | None:
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    if require_https and parsed.scheme != "https":
        raise SettingsError(f"{name} must be an https URL (Telegram delivers webhooks only over HTTPS)")
    return value.rstrip("/")


def _int(name: str, value: str | None, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None


def load_settings(
    environ: dict[str, str] | None = None, *, sandbox: bool = False, dotenv: Path | None = Path(".env")
) -> Settings:
    """Build settings from `environ` (default: os.environ over `.env`).

    In sandbox mode no token is needed: the bot talks to the built-in emulator.
    """
    env: dict[str, str] = {}
    if environ is None:
        if dotenv is not None:
            env.update(read_dotenv(dotenv))
        env.update(os.environ)
    else:
        env.update(environ)

    def get(key: str) -> str | None:
        value = env.get(f"QAMQOR_{key}")
        return value.strip() if value is not None else None

    token = get("BOT_TOKEN")
    if sandbox:
        token = token if token and _TOKEN_RE.match(token) else SANDBOX_TOKEN
    elif not token:
        raise SettingsError("QAMQOR_BOT_TOKEN is not set (get one from @BotFather, or run `python -m bot sandbox`)")
    elif not _TOKEN_RE.match(token):
        raise SettingsError("QAMQOR_BOT_TOKEN is malformed (expected digits:letters as given by @BotFather)")

    data_dir = Path(get("DATA_DIR") or "data")
    database_url = get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'qamqor.sqlite3'}"
    if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", database_url):
        raise SettingsError(
            "QAMQOR_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )

    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_secret and not _SECRET_RE.match(webhook_secret):
        raise SettingsError("QAMQOR_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and -, 1 to 256 characters")
    api_base_url = _url("QAMQOR_API_BASE_URL", get("API_BASE_URL"))
    # Telegram itself delivers only over HTTPS; a self-hosted Bot API server may use HTTP.
    webhook_url = _url("QAMQOR_WEBHOOK_URL", get("WEBHOOK_URL"), require_https=api_base_url is None)
    if webhook_url and not webhook_secret:
        raise SettingsError("QAMQOR_WEBHOOK_SECRET is required when QAMQOR_WEBHOOK_URL is set")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    event_loop = (get("EVENT_LOOP") or "asyncio").lower()
    if event_loop not in _EVENT_LOOPS:
        raise SettingsError(f"QAMQOR_EVENT_LOOP must be one of {', '.join(_EVENT_LOOPS)}, got {event_loop!r}")
    if event_loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
        raise SettingsError('QAMQOR_EVENT_LOOP=uvloop, but uvloop is not installed (pip install -e ".[speed]")')
    if log_level not in _LOG_LEVELS:
        raise SettingsError(f"QAMQOR_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {log_level!r}")

    port = _int("QAMQOR_WEBHOOK_PORT", get("WEBHOOK_PORT"), 8443)
    sandbox_port = _int("QAMQOR_SANDBOX_PORT", get("SANDBOX_PORT"), 8081)
    api_port = _int("QAMQOR_API_PORT", get("API_PORT"), 8080)
    for name, value in (("QAMQOR_WEBHOOK_PORT", port), ("QAMQOR_SANDBOX_PORT", sandbox_port),
                        ("QAMQOR_API_PORT", api_port)):
        if not 0 <= value <= 65535:
            raise SettingsError(f"{name} must be between 0 and 65535, got {value}")

    staff_language = (get("STAFF_LANGUAGE") or "ru").lower()
    if staff_language not in ("kk", "ky", "ru"):
        raise SettingsError(f"QAMQOR_STAFF_LANGUAGE must be kk, ky or ru, got {staff_language!r}")

    partner_link_keys = _partner_link_keys(get("PARTNER_LINK_KEYS"))
    try:
        staff_user_ids = frozenset(int(part) for part in (get("STAFF_USER_IDS") or "").split(",") if part.strip())
    except ValueError:
        raise SettingsError("QAMQOR_STAFF_USER_IDS must be Telegram user ids separated by commas") from None
    try:
        reminder_minutes = parse_minutes(get("SUPPORT_REMINDER_MINUTES") or "10,30")
    except ValueError as exc:
        raise SettingsError(f"QAMQOR_SUPPORT_REMINDER_MINUTES: {exc}") from None
    support_hours = dict(DEFAULT_SUPPORT_HOURS)
    for country in ("KZ", "KG"):
        if value := get(f"SUPPORT_HOURS_{country}"):
            try:
                support_hours[country] = parse_hours(value)
            except ValueError as exc:
                raise SettingsError(f"QAMQOR_SUPPORT_HOURS_{country}: {exc}") from None

    data_key = get("DATA_KEY") or None
    test_setup = (get("TEST_SETUP") or "").lower() in ("1", "true", "yes")
    sms_gateway_url = _url("QAMQOR_SMS_GATEWAY_URL", get("SMS_GATEWAY_URL"))
    if data_key:
        from storage.crypto import DataKeyError, DataKeys, parse_keys

        try:
            DataKeys(parse_keys(data_key))
        except DataKeyError as exc:
            raise SettingsError(str(exc)) from None
    retention = _int("QAMQOR_OUTBOX_RETENTION_HOURS", get("OUTBOX_RETENTION_HOURS"), 24)
    if retention < 1:
        raise SettingsError(f"QAMQOR_OUTBOX_RETENTION_HOURS must be at least 1, got {retention}")

    lease = _int("QAMQOR_WORKER_LEASE_SECONDS", get("WORKER_LEASE_SECONDS"), 30)
    if lease < 2:
        raise SettingsError(f"QAMQOR_WORKER_LEASE_SECONDS must be at least 2, got {lease}")
    limits = (get("SEND_LIMITS") or ("off" if sandbox else "on")).lower()
    if limits not in ("on", "off"):
        raise SettingsError(f"QAMQOR_SEND_LIMITS must be on or off, got {limits!r}")
    send_rate = _int("QAMQOR_SEND_RATE", get("SEND_RATE"), 30)
    if not 1 <= send_rate <= 1000:
        raise SettingsError(f"QAMQOR_SEND_RATE must be between 1 and 1000 messages a second, got {send_rate}")

    settings = Settings(
        bot_token=token,
        api_base_url=api_base_url,
        database_url=database_url,
        data_dir=data_dir,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=get("WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=port,
        staff_chat_id=_int("QAMQOR_STAFF_CHAT_ID", get("STAFF_CHAT_ID")),
        log_level=log_level,
        event_loop=event_loop,
        sandbox_host=get("SANDBOX_HOST") or "127.0.0.1",
        sandbox_port=sandbox_port,
        # The emulator accepts any provider token: the sandbox shows real invoices.
        payment_provider_token=get("PAYMENT_PROVIDER_TOKEN") or (SANDBOX_PROVIDER_TOKEN if sandbox else None),
        sms_gateway_url=sms_gateway_url,
        sms_gateway_token=get("SMS_GATEWAY_TOKEN") or None,
        sandbox=sandbox,
        staff_language=staff_language,
        partner_link_keys=partner_link_keys,
        staff_user_ids=staff_user_ids,
        support_reminder_minutes=reminder_minutes,
        support_hours=support_hours,
        data_key=data_key,
        test_setup=test_setup,
        outbox_retention_hours=retention,
        worker_lease_seconds=lease,
        send_limits=limits == "on",
        send_rate=send_rate,
        # The sandbox serves the API on loopback only.
        api_listen="127.0.0.1" if sandbox else (get("API_LISTEN") or "0.0.0.0"),
        api_port=api_port,
    )
    if not sandbox:  # checked last: a malformed setting above is named first
        if not data_key:
            raise SettingsError("QAMQOR_DATA_KEY is not set (personal data is encrypted with it; "
                                "make one with `python -m bot genkey`)")
        if not sms_gateway_url and not test_setup:
            raise SettingsError("QAMQOR_SMS_GATEWAY_URL is not set (signing codes go by SMS; "
                                "set QAMQOR_TEST_SETUP=1 for a test setup without one)")
    return settings


def _partner_link_keys(raw: str | None) -> dict[str, str]:
    """`bank:key,bank:key`; a key of at least 16 characters, no spaces."""
    keys: dict[str, str] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        bank, _, key = item.strip().partition(":")
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,19}", bank) or not re.fullmatch(r"\S{16,}", key):
            raise SettingsError("QAMQOR_PARTNER_LINK_KEYS must be bank:key pairs separated by commas "
                                "(bank code in lower case, key of 16 or more characters)")
        keys[bank] = key
    return keys


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, then replaces every secret with '***'."""

    def __init__(self, fmt: str, secrets: tuple[str, ...]) -> None:
        super().__init__(fmt)
        self._secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, with secrets redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", settings.secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO, and Bot API URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # aiosqlite logs every statement with its parameters at DEBUG: personal data
    # (identity numbers, phones) would reach the log, and its volume drowns the rest.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
