"""An export streams: the rows come from the database a chunk at a time (``iterator(chunk_size=…)``,
a server-side cursor on PostgreSQL), so the memory it holds does not grow with the rows exported."""

from __future__ import annotations

import datetime
import tracemalloc

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, UserFactory, activity_type
from totonou.activities.services import activities_create_many
from totonou.core.csv import csv_stream
from totonou.imports import exports
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def _export_peak(admin: User) -> tuple[int, int]:
    """Rows exported and the peak of memory allocated while streaming them as CSV."""
    export = exports.EXPORTS["activities"]
    tracemalloc.start()
    try:
        rows = sum(
            1 for _chunk in csv_stream(export.header, export.rows(user=admin, filters=export.filter_schema()))
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return rows - 1, peak


def test_exporting_five_times_the_rows_takes_no_more_memory(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 100)
    admin = UserFactory(username="admin", role=User.Role.ADMIN)
    customer = CustomerFactory(owner=admin, name="株式会社ストリーム")
    visit = activity_type("visit")
    start = timezone.now() - datetime.timedelta(days=400)

    def add(count: int, offset: int) -> None:
        rows = [
            {
                "owner": admin,
                "type": visit,
                "customer": customer,
                "starts_at": start + datetime.timedelta(hours=offset + n),
                "ends_at": start + datetime.timedelta(hours=offset + n, minutes=30),
                "status": "done",
                "subject": f"訪問 {offset + n}",
                "notes": "議事録 " * 20,
            }
            for n in range(count)
        ]
        assert not [
            made for made in activities_create_many(actor=admin, rows=rows) if isinstance(made, Exception)
        ]

    add(1000, 0)
    small_rows, small_peak = _export_peak(admin)
    add(4000, 1000)
    large_rows, large_peak = _export_peak(admin)

    assert (small_rows, large_rows) == (1000, 5000)
    # Held as a list, 4,000 more rows of ~200 characters would add well over 1 MB.
    assert large_peak - small_peak < 256 * 1024, (small_peak, large_peak)
