"""The database side of the index: the SQL that differs between SQLite (FTS5) and PostgreSQL (GIN over
``tsvector``). Everything else in the search app is the same on both."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from totonou.search import text

TABLE = "search_document"
FTS_TABLE = "search_document_fts"
#: One GIN index per kind (partial), so a rare word's postings are those of the kind searched.
KINDS = ("activity", "customer", "contact", "deal")
GIN_INDEXES = {kind: f"search_document_tokens_{kind}_idx" for kind in KINDS}
#: PostgreSQL first looks for matches among the newest documents: this many per wanted result, at least
#: the minimum. Activities start with the plans ahead, which have no notes yet: they look further.
PROBE_FACTOR = 100
PROBE_MINIMUM = {"activity": 50_000}
PROBE_DEFAULT_MINIMUM = 2000

# Constant names only: no outside input reaches this SQL.
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS search_document_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (new.id, new.tokens);
    END""",  # noqa: S608
    f"""CREATE TRIGGER IF NOT EXISTS search_document_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) VALUES ('delete', old.id, old.tokens);
    END""",  # noqa: S608
    # Only a change of the tokens or the key touches FTS5: a bulk reassign updates owners only.
    f"""CREATE TRIGGER IF NOT EXISTS search_document_au AFTER UPDATE OF id, tokens ON {TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) VALUES ('delete', old.id, old.tokens);
        INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (new.id, new.tokens);
    END""",  # noqa: S608
)
SQLITE_DROP_TRIGGERS = tuple(
    f"DROP TRIGGER IF EXISTS search_document_{suffix}" for suffix in ("ai", "ad", "au")
)


def install_sql(vendor: str) -> list[str]:
    """The token index for ``vendor`` (migration 0002). On SQLite a migration that remakes the table must
    run this again: the triggers go with the old table."""
    if vendor == "sqlite":
        return [
            # The tokens are already normalised and separated by spaces: the ascii tokenizer splits on
            # them and keeps every non-ASCII character as part of a token.
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(tokens, content='{TABLE}', "
            "content_rowid='id', tokenize='ascii')",
            *SQLITE_TRIGGERS,
        ]
    if vendor == "postgresql":
        return [
            f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING gin (tokens) WHERE kind = '{kind}'"
            for kind, name in GIN_INDEXES.items()
        ]
    return []


#: PostgreSQL: the table's rows in key order, newest last. A page first walks the newest documents by
#: key (``page_sql``); in key order those 50,000 rows lie on ~6,000 pages instead of ~44,000 (a search
#: for a word found nowhere: 44 -> 21 ms for the activities). ``CLUSTER`` orders the rows once; the
#: table remembers the index, so a later plain ``CLUSTER search_document`` (``totonou rebuild``, or on
#: its own in a quiet hour) orders them again after months of edits.
CLUSTER_SQL = (
    f"ALTER TABLE {TABLE} CLUSTER ON {TABLE}_pkey",
    f"CLUSTER {TABLE}",
)


def cluster_sql(vendor: str) -> list[str]:
    """Put the rows in key order: PostgreSQL only (a SQLite table is stored in its integer key's order)."""
    return list(CLUSTER_SQL) if vendor == "postgresql" else []


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [*SQLITE_DROP_TRIGGERS, f"DROP TABLE IF EXISTS {FTS_TABLE}"]
    if vendor == "postgresql":
        return [f"DROP INDEX IF EXISTS {name}" for name in GIN_INDEXES.values()]
    return []


def tokens_value(connection: BaseDatabaseWrapper, source: str) -> str:
    """What goes into the ``tokens`` column for a document's text."""
    if connection.vendor == "postgresql":
        return text.tsvector_literal(source)
    return text.token_text(source)


def tokens_placeholder(connection: BaseDatabaseWrapper) -> str:
    return "%s::tsvector" if connection.vendor == "postgresql" else "%s"


COLUMNS = "d.id, d.object_id, d.title, d.body, d.date, d.owner_id, d.customer_id"


def page_sql(
    connection: BaseDatabaseWrapper,
    *,
    kind: str,
    query_terms: list[text.Term],
    low: int,
    high: int,
    conditions: list[str],
    params: list[Any],
    limit: int,
    offset: int,
) -> tuple[str, list[Any]]:
    """One page of the documents of ``kind`` matching every term, newest first, keys in
    ``[low, high]`` and the extra ``conditions`` on ``d`` (with ``params``): the SQL and its parameters.
    Rows are ``(id, object_id, title, body, date, owner_id, customer_id)``."""
    extra = "".join(f" AND {condition}" for condition in conditions)
    if connection.vendor != "postgresql":
        # FTS5 walks its index in rowid order (either way) and honours rowid ranges: with the order on
        # f.rowid the query stops at the LIMIT, and the join follows it row by row.
        sql = (
            f"SELECT {COLUMNS} FROM {FTS_TABLE} f JOIN {TABLE} d ON d.id = f.rowid "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND f.rowid BETWEEN %s AND %s{extra} "
            "ORDER BY f.rowid DESC LIMIT %s OFFSET %s"
        )
        return sql, [text.fts5_query(query_terms), low, high, *params, limit, offset]
    # PostgreSQL cannot estimate how many documents a phrase matches, and the two good plans are far
    # apart: a frequent word is found fastest by walking the key backwards, a rare one through the GIN
    # index. Do both in one statement: look among the newest documents first, and only when that finds
    # too few (a one-time filter) ask the kind's GIN index (ORDER BY id + 0 keeps the planner from
    # walking the key instead).
    need = offset + limit
    probe = max(need * PROBE_FACTOR, PROBE_MINIMUM.get(kind, PROBE_DEFAULT_MINIMUM))
    query = text.tsquery_literal(query_terms)
    kind_literal = f"'{KINDS[KINDS.index(kind)]}'"  # one of the fixed kinds, never request input
    sql = (
        f"WITH probe AS MATERIALIZED (SELECT {COLUMNS} FROM ("  # noqa: S608
        f"SELECT d.* FROM {TABLE} d WHERE d.id BETWEEN %s AND %s{extra} "
        f"ORDER BY d.id DESC LIMIT %s) d WHERE d.tokens @@ %s::tsquery ORDER BY d.id DESC LIMIT %s) "
        "SELECT * FROM probe UNION "
        f"SELECT * FROM (SELECT {COLUMNS} FROM {TABLE} d WHERE d.kind = {kind_literal} "
        f"AND d.tokens @@ %s::tsquery AND d.id BETWEEN %s AND %s{extra} ORDER BY d.id + 0 DESC LIMIT %s) g "
        "WHERE (SELECT count(*) FROM probe) < %s "
        "ORDER BY 1 DESC LIMIT %s OFFSET %s"
    )
    return sql, [
        low, high, *params, probe, query, need,
        query, low, high, *params, need,
        need, limit, offset,
    ]  # fmt: skip


def matching_ids_sql(
    connection: BaseDatabaseWrapper,
    *,
    kind: str,
    query_terms: list[text.Term],
    low: int,
    high: int,
    object_id_mask: int,
    whole_kind: bool = False,
) -> tuple[str, list[Any]]:
    """The object ids of every document of ``kind`` (keys in ``[low, high]``) matching every term, for
    a subquery (``pk IN (…)``): FTS5's postings on SQLite, the kind's GIN index on PostgreSQL. The rows
    read are the matches, never the kind's every document. On SQLite the object id is read from the
    key itself (its low bits, ``object_id_mask``: ``services.sort_key``), so the matches' documents are
    not read at all (a common name's 1,500 matches: 8 ms of lookups before). ``whole_kind``: the range is
    every key of the kind, which PostgreSQL's partial index of the kind already is (as a condition it
    made a bitmap of the kind's every key, 100,000 entries, 4 ms of a name search)."""
    if connection.vendor != "postgresql":
        sql = (
            f"SELECT f.rowid & %s FROM {FTS_TABLE} f "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND f.rowid BETWEEN %s AND %s"
        )
        return sql, [object_id_mask, text.fts5_query(query_terms), low, high]
    kind_literal = f"'{KINDS[KINDS.index(kind)]}'"  # one of the fixed kinds, never request input
    sql = f"SELECT d.object_id FROM {TABLE} d WHERE d.kind = {kind_literal} AND d.tokens @@ %s::tsquery"  # noqa: S608
    if whole_kind:
        return sql, [text.tsquery_literal(query_terms)]
    return sql + " AND d.id BETWEEN %s AND %s", [text.tsquery_literal(query_terms), low, high]


def matching_in_text_order_sql(
    connection: BaseDatabaseWrapper, *, kind: str, query_terms: list[text.Term], low: int, high: int
) -> tuple[str, list[Any]]:
    """The object ids of the documents of ``kind`` (keys in ``[low, high]``, every key of the kind)
    matching every term, in the documents' text order (body, then title, then object id), each with
    the number of matches (``COUNT(*) OVER ()``); a ``LIMIT %s OFFSET %s`` follows (two more parameters).
    The matches' documents are read, never a domain table: a common name's 1,549 customers were each
    looked up in the customers' table to be sorted (4 ms of 5 on PostgreSQL)."""
    if connection.vendor != "postgresql":
        matches = (
            f"d.id IN (SELECT f.rowid FROM {FTS_TABLE} f "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND f.rowid BETWEEN %s AND %s)"
        )
        params = [text.fts5_query(query_terms), low, high]
    else:
        kind_literal = f"'{KINDS[KINDS.index(kind)]}'"  # one of the fixed kinds, never request input
        matches = f"d.kind = {kind_literal} AND d.tokens @@ %s::tsquery"  # the kind's partial GIN index
        params = [text.tsquery_literal(query_terms)]
    sql = (
        f"SELECT d.object_id, COUNT(*) OVER () FROM {TABLE} d WHERE {matches} "  # noqa: S608
        "ORDER BY d.body, d.title, d.object_id LIMIT %s OFFSET %s"
    )
    return sql, params
