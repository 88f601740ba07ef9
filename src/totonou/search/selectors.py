"""Reads from the search index: one query per kind, newest first, stopping after the page (no COUNT).

Everyone signed in reads everything (as ``users.querysets.VisibleQuerySet``); anyone else finds nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.expressions import RawSQL
from django.utils import timezone

from totonou.core.links import absolute_url
from totonou.search import backend, text
from totonou.search.models import Document, Kind
from totonou.search.services import MAX_OBJECT_ID, key_range
from totonou.search.sources import sources

#: Longest query accepted (characters).
MAX_QUERY_LENGTH = 100


@dataclass
class SearchQuery:
    q: str
    #: The kinds to search; empty means all.
    kinds: list[str] = field(default_factory=list)
    owner: int | None = None
    customer: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    title_highlights: list[tuple[int, int]]
    snippet: str
    highlights: list[tuple[int, int]]
    date: datetime.datetime
    owner_id: int | None
    customer_id: int | None
    path: str

    @property
    def web_url(self) -> str:
        return absolute_url(self.path)


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit]
    has_next: bool
    #: The page's link to more of this kind (set by the view).
    more_url: str | None = None


def _is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of ``day`` in the active (user's) time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search(
    *, user: Any, query: SearchQuery, page: int = 1, page_size: int = 10, using: str = DEFAULT_DB_ALIAS
) -> list[Group]:
    """Page ``page`` of each wanted kind, in the kinds' order (but customers first on the first page when
    one is named exactly by the query); empty groups are left out."""
    query_terms = text.query_terms(query.q)
    if not _is_signed_in(user) or not query_terms:
        return []
    connection = connections[using]
    start = _day_start(query.date_from) if query.date_from else None
    end = _day_start(query.date_to + datetime.timedelta(days=1)) if query.date_to else None
    labels = dict(Kind.choices)
    registered = sources()
    groups = []
    for kind in [kind for kind in Kind.values if not query.kinds or kind in query.kinds]:
        low, high = key_range(kind, start, end)
        conditions: list[str] = []
        params: list[Any] = []
        if query.owner is not None:
            conditions.append("d.owner_id = %s")
            params.append(query.owner)
        if query.customer is not None:
            conditions.append("d.customer_id = %s")
            params.append(query.customer)
        sql, sql_params = backend.page_sql(
            connection,
            kind=kind,
            query_terms=query_terms,
            low=low,
            high=high,
            conditions=conditions,
            params=params,
            limit=page_size + 1,
            offset=(page - 1) * page_size,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, sql_params)
            rows = [row[1:] for row in cursor.fetchall()]
        if not rows:
            continue
        hits = [_hit(connection, kind, row, query_terms, registered[kind].url) for row in rows[:page_size]]
        groups.append(Group(kind=kind, label=str(labels[kind]), hits=hits, has_next=len(rows) > page_size))
    return _exact_names_first(groups, query.q) if page == 1 else groups


def _name_terms(q: str) -> list[text.Term]:
    """``q``'s terms as a name is searched: a word typed is a prefix (``sam`` finds Sample), a Japanese
    run is matched anywhere."""
    return [term if term.is_cjk else text.Term(term.text, False, True) for term in text.query_terms(q)]


def matching_ids(*, kind: str, q: str, using: str = DEFAULT_DB_ALIAS) -> RawSQL | None:
    """The ids of the objects of ``kind`` whose document matches ``q``, as a subquery for ``pk__in``
    (a list filtered by name reads its matches through the index, not every row: the customer list's
    search). A word typed is a prefix (``sam`` finds Sample), as a name is typed; a Japanese run is
    matched anywhere in a name or its kana, as ``icontains`` did. None when ``q`` has no term (only
    punctuation): the caller falls back to comparing the text."""
    query_terms = _name_terms(q)
    if not query_terms:
        return None
    low, high = key_range(kind)
    sql, params = backend.matching_ids_sql(
        connections[using],
        kind=kind,
        query_terms=query_terms,
        low=low,
        high=high,
        object_id_mask=MAX_OBJECT_ID,
        whole_kind=True,
    )
    return RawSQL(sql, params)  # noqa: S611 — constant SQL; the query is a parameter


def matching_in_text_order(
    *, kind: str, q: str, start: int, stop: int, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[int, int]] | None:
    """The object ids ``[start:stop]`` of the documents of ``kind`` that match ``q`` (as ``matching_ids``
    does), in the documents' text order (body, then title, then object id), each with the number of
    matches: a list sorted by what its documents hold reads its page and its count from the index
    alone (the customer list's name search: ``customers.selectors.customer_search_page``). None when
    ``q`` has no term."""
    query_terms = _name_terms(q)
    if not query_terms:
        return None
    low, high = key_range(kind)
    connection = connections[using]
    sql, params = backend.matching_in_text_order_sql(
        connection, kind=kind, query_terms=query_terms, low=low, high=high
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, max(stop - start, 0), start])
        return [(object_id, size) for object_id, size in cursor.fetchall()]


def _exact_names_first(groups: list[Group], q: str) -> list[Group]:
    """A customer whose name is exactly the query (ignoring width, case, legal form and spaces) comes
    first: its group before the activities that merely mention it, and itself first in its group.
    Only the hits of the page are compared (no extra query)."""
    wanted = text.name_key(q)
    for index, group in enumerate(groups):
        if group.kind != Kind.CUSTOMER:
            continue
        exact = [hit for hit in group.hits if text.name_key(hit.title) == wanted]
        if not exact:
            return groups
        group.hits = exact + [hit for hit in group.hits if hit not in exact]
        return [group, *groups[:index], *groups[index + 1 :]]
    return groups


def _hit(connection: Any, kind: str, row: tuple[Any, ...], query_terms: list[text.Term], url: Any) -> Hit:
    object_id, title, body, date, owner_id, customer_id = row
    if isinstance(date, str):  # SQLite: naive UTC text
        date = datetime.datetime.fromisoformat(date).replace(tzinfo=datetime.UTC)
    elif timezone.is_naive(date):
        date = date.replace(tzinfo=datetime.UTC)
    snippet, highlights = text.snippet(body, query_terms)
    return Hit(
        kind=kind,
        object_id=object_id,
        title=title,
        title_highlights=text.highlights(title, query_terms),
        snippet=snippet,
        highlights=highlights,
        date=date,
        owner_id=owner_id,
        customer_id=customer_id,
        path=url(object_id, customer_id),
    )


def document_title(*, kind: str, object_id: int, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """A document's title (to name a filter's customer without asking the customers app)."""
    return (
        Document.objects.using(using)
        .filter(kind=kind, object_id=object_id)
        .values_list("title", flat=True)
        .first()
    )
