"""Django's PostgreSQL backend, with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` (on: connections live for a minute, ``config/settings.py``) Django asks a kept
connection ``SELECT 1`` before the first query of every request: a round trip on every page, the sixth of
the feed's (and on a loaded two-core machine one more wake-up of the server and of the worker). An idle
connection the server has closed (a restart, ``pg_terminate_backend``, an idle timeout) has something
to read, the server's goodbye or the end of the stream, and a socket that is ready to read is seen
without a round trip. So: a connection whose socket has nothing to read while no transaction is open is
usable; anything else (something to read, a transaction open, a broken connection) gets Django's own
``SELECT 1``. A connection cut without a word (a network partition) is found by the first query instead,
which fails, and Django drops the connection after that request, as it did before health checks.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status == pq.TransactionStatus.IDLE:
            try:
                ready, _, _ = select.select([pgconn.socket], [], [], 0)
            except (OSError, ValueError):
                return False
            if not ready:
                return True
        return bool(super().is_usable())
