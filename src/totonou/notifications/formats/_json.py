"""JSON bodies for the chat webhooks: UTF-8, no ASCII escapes (Japanese stays readable in logs)."""

from __future__ import annotations

import json
from typing import Any

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def json_body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
