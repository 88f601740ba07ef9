"""The outbox mechanics shared by chat deliveries and emails: leased claims and retry arithmetic.

A row is due when it is pending, its ``next_attempt_at`` has come and nobody holds a live lease on it
(``claimed_until``). A worker claims a batch in a short transaction (``SELECT … FOR UPDATE SKIP LOCKED``
on PostgreSQL, SQLite's immediate transaction elsewhere), works outside any transaction, and writes the
outcome only while its claim still holds.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

BATCH_SIZE = 10
MAX_ERROR_TEXT = 1000
MAX_RETRY_AFTER_SECONDS = 24 * 60 * 60


def backoff_seconds(attempt: int, *, retry_after: float | None = None) -> float:
    """The wait before attempt ``attempt + 1``: exponential (base × 2^(attempt-1), capped), with jitter
    (a random point in the upper half), and never less than the receiver's ``Retry-After``."""
    base = float(settings.TOTONOU_DELIVERY_BACKOFF_SECONDS)
    cap = float(settings.TOTONOU_DELIVERY_BACKOFF_MAX_SECONDS)
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    delay = random.uniform(delay / 2, delay)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


def due_rows(model: type[models.Model], now: datetime.datetime) -> Any:
    return model._default_manager.filter(status="pending", next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def rows_claim(model: type[models.Model], *, worker_id: str, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due rows of ``model`` for ``worker_id``; their ids, oldest due first."""
    now = timezone.now()
    lease = datetime.timedelta(seconds=float(settings.TOTONOU_DELIVERY_LEASE_SECONDS))
    with transaction.atomic():
        ids = list(
            due_rows(model, now)
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            model._default_manager.filter(pk__in=ids).update(claimed_by=worker_id, claimed_until=now + lease)
    return ids


def retry_changes(
    *,
    number: int,
    limit: int,
    now: datetime.datetime,
    retryable: bool,
    final: bool = False,
    retry_after: float | None = None,
    failed_status: str = "failed",
) -> dict[str, Any]:
    """What an unsuccessful attempt ``number`` changes: the next attempt after a backoff while attempts
    are left, ``dead`` when they are used up, ``failed_status`` at once when it is not worth retrying."""
    if retryable and not final and number < limit:
        delay = backoff_seconds(number, retry_after=retry_after)
        return {"next_attempt_at": now + datetime.timedelta(seconds=delay)}
    if retryable and not final:
        return {"status": "dead"}
    return {"status": failed_status}
