"""Links: a record's page by its primary key without a reverse per record, and absolute links for chat
messages, webhooks and the API's ``web_url``."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.urls import get_script_prefix, get_urlconf, reverse

_SENTINEL = 987654321  # a pk no URL contains otherwise: reverse once, then fill in each record's pk


def url_shape(name: str) -> tuple[str, str]:
    """A URL with one integer argument as (head, tail): ``f"{head}{pk}{tail}"``. Reversed once per URL
    name, script prefix and URLconf (a page listing two hundred customers made two hundred reverses, a
    tenth of the meeting pack)."""
    return _shape(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=256)
def _shape(name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    head, tail = reverse(name, args=[_SENTINEL]).split(str(_SENTINEL))
    return head, tail


def record_url(name: str, pk: int) -> str:
    """``reverse(name, args=[pk])`` for a URL whose one argument is an integer."""
    head, tail = url_shape(name)
    return f"{head}{pk}{tail}"


def absolute_url(path: str) -> str:
    return f"{settings.TOTONOU_BASE_URL}{path}"


def web_url(instance: models.Model) -> str:
    return absolute_url(instance.get_absolute_url())  # type: ignore[attr-defined]
