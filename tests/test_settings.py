"""Settings come from the environment; a bad one stops start-up with one clear line."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from bot.settings import RedactingFormatter, SettingsError, load_settings

TOKEN = "123456789:AAHk-real-looking-secret_token"


KEY = "uW1ZQ9n4mDq6xg0oB3aYQm2Qm2bXx6uGQWZ0x8Hk3pM="


def test_defaults_need_a_token_a_data_key_and_an_sms_gateway_or_a_test_setup():
    settings = load_settings({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_DATA_KEY": KEY, "QAMQOR_TEST_SETUP": "1"})
    assert settings.database_url == "sqlite+aiosqlite:///data/qamqor.sqlite3"
    assert settings.api_base_url is None and settings.webhook_url is None
    assert TOKEN not in repr(settings) and KEY not in repr(settings)


@pytest.mark.parametrize(("environ", "named"), [
    ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_TEST_SETUP": "1"}, "QAMQOR_DATA_KEY"),
    ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_TEST_SETUP": "1", "QAMQOR_DATA_KEY": "short"}, "QAMQOR_DATA_KEY"),
    ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_DATA_KEY": KEY}, "QAMQOR_SMS_GATEWAY_URL"),
    ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_DATA_KEY": KEY, "QAMQOR_TEST_SETUP": "1",
      "QAMQOR_OUTBOX_RETENTION_HOURS": "0"}, "QAMQOR_OUTBOX_RETENTION_HOURS"),
])
def test_run_refuses_without_a_data_key_or_an_sms_gateway(environ, named):
    # issue 8: `run` needs a key for personal data, and an SMS gateway unless it is a test setup
    with pytest.raises(SettingsError) as error:
        load_settings(environ)
    assert named in str(error.value) and "\n" not in str(error.value) and KEY not in str(error.value)


def test_sandbox_needs_no_token():
    assert load_settings({}, sandbox=True).bot_token


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({}, "QAMQOR_BOT_TOKEN"),
        ({"QAMQOR_BOT_TOKEN": "not-a-token"}, "QAMQOR_BOT_TOKEN"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_DATABASE_URL": "mysql://x"}, "QAMQOR_DATABASE_URL"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_STAFF_CHAT_ID": "staff"}, "QAMQOR_STAFF_CHAT_ID"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_LOG_LEVEL": "LOUD"}, "QAMQOR_LOG_LEVEL"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_EVENT_LOOP": "fastest"}, "QAMQOR_EVENT_LOOP"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_API_BASE_URL": "localhost:8081"}, "QAMQOR_API_BASE_URL"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_WEBHOOK_URL": "http://bot.example.kz",
          "QAMQOR_WEBHOOK_SECRET": "s3cret"}, "QAMQOR_WEBHOOK_URL"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_WEBHOOK_URL": "https://bot.example.kz"}, "QAMQOR_WEBHOOK_SECRET"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_WEBHOOK_URL": "https://bot.example.kz",
          "QAMQOR_WEBHOOK_SECRET": "has spaces"}, "QAMQOR_WEBHOOK_SECRET"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_WEBHOOK_PORT": "70000"}, "QAMQOR_WEBHOOK_PORT"),
        ({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_STAFF_LANGUAGE": "en"}, "QAMQOR_STAFF_LANGUAGE"),
    ],
)
def test_a_missing_or_malformed_setting_is_named(environ, named):
    with pytest.raises(SettingsError) as error:
        load_settings(environ)
    message = str(error.value)
    assert named in message and "\n" not in message
    assert TOKEN not in message


def test_cli_stops_with_one_line_naming_the_setting(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QAMQOR_")}
    env["QAMQOR_BOT_TOKEN"] = TOKEN
    env["QAMQOR_DATABASE_URL"] = "mysql://nowhere"
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env | {
        "PYTHONPATH": os.pathsep.join(sys.path)}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "qamqor: QAMQOR_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
    ]


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"# comment\nQAMQOR_BOT_TOKEN={TOKEN}\nQAMQOR_LOG_LEVEL=debug\nQAMQOR_DATA_KEY={KEY}\n"
                      "QAMQOR_TEST_SETUP=1\n", encoding="utf-8")
    os.environ["QAMQOR_LOG_LEVEL"] = "WARNING"
    try:
        settings = load_settings(None, dotenv=dotenv)
    finally:
        del os.environ["QAMQOR_LOG_LEVEL"]
    assert settings.bot_token == TOKEN and settings.log_level == "WARNING"


def test_secrets_never_reach_a_log_line():
    settings = load_settings({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_WEBHOOK_URL": "https://bot.example.kz",
                              "QAMQOR_WEBHOOK_SECRET": "webhook-secret-42", "QAMQOR_DATA_KEY": KEY,
                              "QAMQOR_TEST_SETUP": "1"})
    formatter = RedactingFormatter("%(message)s", settings.secrets)
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "calling %s with %s",
                                   (f"/bot{TOKEN}/sendMessage", "webhook-secret-42"), sys.exc_info())
    line = formatter.format(record)
    assert TOKEN not in line and "webhook-secret-42" not in line
    assert "/bot***/sendMessage" in line and "/bot***/getMe" in line


def test_partner_link_keys_are_read_and_kept_out_of_logs():
    settings = load_settings({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_DATA_KEY": KEY, "QAMQOR_TEST_SETUP": "1",
                              "QAMQOR_PARTNER_LINK_KEYS": "obank:0123456789abcdefXYZ"})
    assert settings.partner_link_keys == {"obank": "0123456789abcdefXYZ"}
    assert "0123456789abcdefXYZ" in settings.secrets and "0123456789abcdefXYZ" not in repr(settings)
    with pytest.raises(SettingsError, match="QAMQOR_PARTNER_LINK_KEYS"):
        load_settings({"QAMQOR_BOT_TOKEN": TOKEN, "QAMQOR_DATA_KEY": KEY, "QAMQOR_TEST_SETUP": "1",
                       "QAMQOR_PARTNER_LINK_KEYS": "obank:short"})
