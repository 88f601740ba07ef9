"""Pages of a word spread over months of documents, with paging and a date range, whether PostgreSQL's
probe reads every document or none; FTS5 follows the tokens, not the owners."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from totonou.search import backend
from totonou.search.selectors import SearchQuery, search
from totonou.search.services import document_upsert

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 1, 1, 9, tzinfo=datetime.UTC)


@pytest.fixture
def documents(db) -> None:
    """60 activities three days apart (30 buckets or so); every fifth mentions "firmware", and only the
    oldest 30 do; the newest 20 are plans with a subject only."""
    for n in range(60):
        mentions = n < 30 and n % 5 == 0
        document_upsert(
            kind="activity",
            object_id=n + 1,
            title=f"Visit {n + 1}",
            texts=["firmware update" if mentions else "regular visit"],
            date=START + datetime.timedelta(days=3 * n),
            owner_id=None,
        )


def titles(q: str, page: int, page_size: int, **filters) -> list[str]:
    groups = search(
        user=_Reader(), query=SearchQuery(q=q, kinds=["activity"], **filters), page=page, page_size=page_size
    )
    return [hit.title for group in groups for hit in group.hits]


class _Reader:
    is_authenticated = True
    is_active = True


MENTIONS = [f"Visit {n + 1}" for n in reversed(range(30)) if n % 5 == 0]  # newest first: 26, 21, … 1


@pytest.mark.parametrize("probe_minimum", [2000, 1])
def test_pages_across_buckets(documents, monkeypatch, probe_minimum) -> None:
    # 2,000: the probe reads every document; 1: PostgreSQL walks the buckets (SQLite ignores this).
    monkeypatch.setattr(backend, "PROBE_FACTOR", 0)
    monkeypatch.setattr(backend, "PROBE_DEFAULT_MINIMUM", probe_minimum)
    assert titles("firmware", 1, 2) == MENTIONS[:2]
    assert titles("firmware", 2, 2) == MENTIONS[2:4]
    assert titles("firmware", 3, 2) == MENTIONS[4:]
    assert titles("firmware", 4, 2) == []
    assert titles("firmware", 1, 10) == MENTIONS
    assert titles("visit", 1, 3) == ["Visit 60", "Visit 59", "Visit 58"]
    assert titles("absent", 1, 10) == []
    # A date range: the 2nd to the 20th document (days 3 to 57).
    ranged = titles(
        "firmware",
        1,
        10,
        date_from=datetime.date(2026, 1, 4),
        date_to=datetime.date(2026, 2, 27),
    )
    assert ranged == ["Visit 16", "Visit 11", "Visit 6"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_fts5_follows_tokens_and_keys_not_owners(documents) -> None:
    """The update trigger fires on a change of the tokens or the key only: an owner's change leaves FTS5
    alone, and FTS5 still agrees with the table after each kind of change."""
    from totonou.search.services import documents_set_owner_for

    def integrity() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {backend.FTS_TABLE}({backend.FTS_TABLE}, rank) VALUES ('integrity-check', 1)"  # noqa: S608
            )

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {backend.FTS_TABLE}_data")  # noqa: S608
        (before,) = cursor.fetchone()
        documents_set_owner_for(kind="activity", object_ids=range(1, 61), owner_id=None)  # type: ignore[arg-type]
        cursor.execute(f"SELECT count(*) FROM {backend.FTS_TABLE}_data")  # noqa: S608
        assert cursor.fetchone() == (before,)  # nothing written to the index
    integrity()
    document_upsert(kind="activity", object_id=1, title="Visit 1", texts=["renewal"], date=START)
    document_upsert(
        kind="activity",
        object_id=2,
        title="Visit 2",
        texts=["renewal"],
        date=START + datetime.timedelta(days=400),
    )
    integrity()
    assert titles("renewal", 1, 10) == ["Visit 2", "Visit 1"]
    assert "Visit 1" not in titles("firmware", 1, 10)
