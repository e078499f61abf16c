"""The web service: one ASGI app (FastAPI, served by uvicorn) with the Telegram
webhook (`/telegram`), the partner API (`/api/v1`) and `/healthz`."""

from bot.web.app import create_app

__all__ = ["create_app"]
