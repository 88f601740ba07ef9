"""Sessions in the database, as Django's ``db`` engine keeps them, read with one plain query.

Every signed-in request loads its session first; through the ORM, building and compiling the lookup cost
ten times the query (0.2 ms against 0.02 on SQLite). Writing, cycling and clearing are Django's."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        model = self.model
        alias = router.db_for_read(model, instance=None)
        connection = connections[alias]
        quote = connection.ops.quote_name
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('session_data')} FROM {quote(model._meta.db_table)} "  # noqa: S608 — names only
                f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key or "", session_data=row[0])
