"""PostgreSQL's timestamps are read with ``core.postgres.IsoTimestampLoader`` (``fromisoformat``, in C)
instead of Django's regular-expression loader, and give exactly the values Django's loader gives: the
same instants, the same ``datetime.timezone.utc``, and the same error for what neither can read."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from tests.factories import CustomerFactory
from totonou.core.postgres import IsoTimestampLoader
from totonou.customers.models import Customer

pytestmark = [pytest.mark.django_db, pytest.mark.skipif("connection.vendor != 'postgresql'")]

TIMESTAMPTZ = 1184  # the type's oid

#: What PostgreSQL may send: whole seconds, one to six fractional digits, the first and last years Python
#: knows, a leap day, and instants written in other offsets (the session's UTC answers them).
LITERALS = [
    "2026-12-04 09:30:00+00",
    "2026-12-04 09:30:00.5+00",
    "2026-12-04 09:30:00.12+00",
    "2026-12-04 09:30:00.123+00",
    "2026-12-04 09:30:00.1234+00",
    "2026-12-04 09:30:00.12345+00",
    "2026-12-04 09:30:00.123456+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2028-02-29 23:59:59+00",
    "2026-12-04 23:30:00+09",
    "2026-03-08 02:30:00-05:00",
    "1969-12-31 23:59:59.999999+00",
]


def _read(literals: list[str]) -> list[tuple[datetime.datetime, ...]]:
    placeholders = ", ".join(["%s::timestamptz"] * len(literals))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {placeholders}", literals)
        return cursor.fetchall()


def _with_djangos_loader(read):
    """``read()`` with Django's own loader on the connection, then ours again."""
    connection.ensure_connection()
    register_tzloader(datetime.UTC, connection.connection)
    try:
        return read()
    finally:
        connection.connection.adapters.register_loader("timestamptz", IsoTimestampLoader)


def test_the_connection_reads_timestamps_with_the_iso_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, 0)
    assert loader is IsoTimestampLoader
    assert connection.timezone == datetime.UTC
    with connection.cursor():  # Django compares the loader's zone before each cursor and keeps it
        pass
    assert connection.connection.adapters.get_loader(TIMESTAMPTZ, 0) is IsoTimestampLoader


def test_every_value_equals_djangos_reading_with_the_same_zone_object():
    ours = _read(LITERALS)
    theirs = _with_djangos_loader(lambda: _read(LITERALS))
    assert ours == theirs
    (row,) = ours
    assert [value.tzinfo for value in row] == [datetime.UTC] * len(LITERALS)
    assert row[0] == datetime.datetime(2026, 12, 4, 9, 30, tzinfo=datetime.UTC)
    assert row[1].microsecond == 500_000 and row[4].microsecond == 123_400
    assert row[10] == datetime.datetime(2026, 12, 4, 14, 30, tzinfo=datetime.UTC)
    assert row[11] == datetime.datetime(2026, 3, 8, 7, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize("literal", ["infinity", "-infinity", "10000-01-01 00:00:00+00"])
def test_what_python_cannot_hold_fails_as_with_djangos_loader(literal):
    with pytest.raises(Exception) as ours:
        _read([literal])
    with pytest.raises(Exception) as theirs:
        _with_djangos_loader(lambda: _read([literal]))
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


def test_model_timestamps_round_trip():
    at = datetime.datetime(
        2026, 12, 4, 23, 59, 59, 999_999, tzinfo=datetime.timezone(datetime.timedelta(hours=9))
    )
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(last_contact_at=at)
    read = Customer.objects.values_list("last_contact_at", flat=True).get(pk=customer.pk)
    assert read == at and read.tzinfo is datetime.UTC
    assert read == _with_djangos_loader(
        lambda: Customer.objects.values_list("last_contact_at", flat=True).get(pk=customer.pk)
    )
