"""Run the emulator standalone: ``python -m bot.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .server import DEFAULT_TOKEN, Emulator

logger = logging.getLogger("bot.emulator")


async def _serve(host: str, port: int, token: str, page: bool = False, flood: bool = False) -> None:
    emulator = Emulator(token, sandbox_page=page, flood_control=flood)
    base_url = await emulator.start(host, port)
    if page:
        logger.info("Sandbox page:      %s/", base_url)
    logger.info("Bot API base URL:  %s", emulator.bot_api_base_url)
    logger.info("File base URL:     %s", emulator.file_base_url)
    logger.info("Control API:       %s/control/", base_url)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--page", action="store_true", help="also serve the browser sandbox page at /"
    )
    parser.add_argument(
        "--flood-control", action="store_true",
        help="answer 429 with retry_after over Telegram's sending limits (bot/send_limits.py)",
    )
    args = parser.parse_args()
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token, args.page, args.flood_control))


if __name__ == "__main__":
    main()
