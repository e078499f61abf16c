"""The OpenAPI document as committed in docs/openapi.json (`python -m bot openapi --output docs/openapi.json`)."""

from __future__ import annotations

import json

from bot.web.app import create_app


def document() -> str:
    return json.dumps(create_app(None).openapi(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
