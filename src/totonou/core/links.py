"""Absolute links for chat messages, webhooks and the API's ``web_url``."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def absolute_url(path: str) -> str:
    return f"{settings.TOTONOU_BASE_URL}{path}"


def web_url(instance: models.Model) -> str:
    return absolute_url(instance.get_absolute_url())  # type: ignore[attr-defined]
