"""The settings every PostgreSQL connection of the app starts with (``config/settings.py``)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db, pytest.mark.skipif("connection.vendor != 'postgresql'")]


def test_no_jit_and_no_parallel_workers_for_the_apps_queries():
    """JIT compiled a 10 ms insight query for 100-200 ms; a parallel worker cost 3-4 ms to start for a
    5 ms count. Both are off for every connection the app opens."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
