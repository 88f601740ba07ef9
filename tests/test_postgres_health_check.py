"""The PostgreSQL health check (``core.backends.postgresql``): an idle connection the server keeps is
usable without a round trip; one the server has closed is not; inside a transaction, Django's own
``SELECT 1`` decides. Against the real server: the goodbye is the server's own."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections"),
    pytest.mark.django_db(transaction=True),
]


def _counting_cursors(monkeypatch: Any) -> list[int]:
    """Count the cursors opened on the psycopg connection (Django's check opens one for ``SELECT 1``)."""
    opened: list[int] = []
    raw = connection.connection
    original = raw.cursor

    def cursor(*args: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(raw, "cursor", cursor)
    return opened


def test_the_backend_is_the_projects():
    assert settings.DATABASES["default"]["ENGINE"] == "totonou.core.backends.postgresql"
    assert type(connections["default"]).__module__ == "totonou.core.backends.postgresql.base"


def test_an_idle_connection_is_usable_without_a_round_trip(monkeypatch):
    connection.ensure_connection()
    opened = _counting_cursors(monkeypatch)
    assert connection.is_usable() is True
    assert opened == []


def test_inside_a_transaction_djangos_select_decides(monkeypatch):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        opened = _counting_cursors(monkeypatch)
        assert connection.is_usable() is True
        assert opened == [1]
        cursor.execute("ROLLBACK")


def test_a_connection_the_server_closed_is_not_usable_and_is_replaced():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    for _ in range(50):  # the goodbye reaches the socket within milliseconds
        if not connection.is_usable():
            break
        time.sleep(0.02)
    assert connection.is_usable() is False
    # Django's health check (before a request's first query) closes it, and the next query reconnects.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
