"""SQLite's statistics of the large benchmark data set (``sqlite_stat1`` after ``make bench`` seeds 100,000
customers and 2,000,000 activities), for plan tests: SQLite picks its plan from these rows, so a test
that installs them sees the plan the large data set gets, on a few rows."""

from __future__ import annotations

from django.db import connection

#: ``(table, index, stat)`` as ``sqlite_stat1`` holds them on the large data set (2026-12-04).
LARGE: list[tuple[str, str, str]] = [
    ("activities_activity", "activity_owner_start_idx", "1672000 1001 2 1 1 1 1 1 1 1"),
    ("activities_activity", "activity_deal_planned_idx", "5936 2 1 1 1"),
    ("activities_activity", "activity_owner_done_end_idx", "1911960 1001 2"),
    ("activities_activity", "activity_owner_planned_idx", "25680 251 2 1"),
    ("activities_activity", "activity_status_start_idx", "818496 1001 9 2 2"),
    ("activities_activity", "activity_recent_idx", "1621663 34 1"),
    ("activities_activity", "activity_start_idx", "1844160 56 1"),
    ("activities_activity", "activity_deal_start_idx", "2132330 5 2"),
    ("activities_activity", "activity_customer_start_idx", "2100064 37 2"),
    ("activities_activity", "activities_activity_type_id_19565e2a", "2433375 1001"),
    ("activities_activity", "activities_activity_reviewed_by_id_a2148b86", "2346204 1001"),
    ("activities_activity", "activities_activity_owner_id_44d8a0b4", "2048640 1001"),
    ("activities_activity", "activities_activity_deal_id_0d699e06", "2353582 5"),
    ("activities_activity", "activities_activity_customer_id_3e7162d1", "3276000 37"),
    ("customers_customer", "customer_owner_key_idx", "34650 1001 1001 2 1 1 1"),
    ("customers_customer", "customer_segment_counts_idx", "113880 1001 1001 1001 1001 1001 2 1"),
    ("customers_customer", "customer_contact_name_idx", "18630 3 1 1 1"),
    ("customers_customer", "customer_owner_name_idx", "90804 1001 1 1 1"),
    ("customers_customer", "customer_segment_name_idx", "90601 1001 2 2 1"),
    ("customers_customer", "customer_uncontacted_idx", "120960 1001 334 201 63 45 45 1 1"),
    ("customers_customer", "customer_contact_idx", "95634 3 1"),
    ("customers_customer", "customer_segment_contact_idx", "196596 1001 21"),
    ("customers_customer", "customer_key_idx", "116535 1001 1001"),
    ("customers_customer", "customer_kana_idx", "110352 2 2 1"),
    ("customers_customer", "customers_customer_segment_id_47032e27", "118450 1001"),
    ("customers_customer", "customers_customer_owner_id_fbb2798e", "107144 1001"),
]


def install() -> None:
    """Replace the statistics of the tables above with the large data set's (SQLite only), and have
    SQLite read them again."""
    assert connection.vendor == "sqlite"
    tables = sorted({table for table, _index, _stat in LARGE})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # creates sqlite_stat1
        for table in tables:
            cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
        cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", LARGE)
        cursor.execute("ANALYZE sqlite_schema")


def plan(sql: str, params: tuple | list = ()) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [str(row[-1]) for row in cursor.fetchall()]
