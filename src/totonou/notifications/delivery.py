"""Sending deliveries: claim with a lease, one attempt each, backoff, dead letters.

A worker claims a batch of due deliveries by setting ``claimed_by`` / ``claimed_until`` (a lease) in a
short transaction: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, and on SQLite the immediate
transaction (``BEGIN IMMEDIATE``) that serialises writers. The HTTP request is made outside any
transaction; the outcome is written only while the worker still holds the claim. A worker that dies
leaves its claims behind, and another worker takes them once the lease has run out.

Outcomes: 2xx succeeded; a timeout, a connection error, 429 or 5xx is retried with exponential backoff
and full jitter (never sooner than the receiver's ``Retry-After``) until the attempt limit, then the
delivery is dead; any other status (4xx, a redirect elsewhere) fails at once.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from totonou.core.http import HttpResponse, OutboundError, http_post
from totonou.notifications.formats import render
from totonou.notifications.leases import (  # noqa: F401 - backoff_seconds: re-exported for callers
    BATCH_SIZE,
    MAX_ERROR_TEXT,
    MAX_RETRY_AFTER_SECONDS,
    backoff_seconds,
    due_rows,
    retry_changes,
    rows_claim,
)
from totonou.notifications.models import Delivery, DeliveryAttempt

logger = logging.getLogger("totonou.notifications")


def parse_retry_after(value: str | None, *, now: datetime.datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - (now or timezone.now())).total_seconds())


def due_deliveries(now: datetime.datetime) -> Any:
    return due_rows(Delivery, now)


def deliveries_claim(*, worker_id: str, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due deliveries for ``worker_id``; their ids, oldest due first."""
    return rows_claim(Delivery, worker_id=worker_id, limit=limit)


def _error_text(response: HttpResponse) -> str:
    text = response.text.strip()
    return f"HTTP {response.status}" + (f": {text}" if text else "")


def delivery_attempt(*, delivery_id: int, worker_id: str, final: bool = False) -> Delivery:
    """Make one attempt at a delivery this worker has claimed, and record it. ``final``: no retry (the
    test message answers at once)."""
    delivery = Delivery.objects.select_related("event", "channel").get(pk=delivery_id)
    if delivery.claimed_by != worker_id or delivery.status != Delivery.Status.PENDING:
        return delivery  # the lease ran out and another worker took it, or it was settled meanwhile
    number = delivery.attempt_count + 1
    started_at = timezone.now()
    clock = time.monotonic()
    status_code: int | None = None
    retry_after: float | None = None
    try:
        request = render(delivery, timestamp=int(time.time()))
        response = http_post(request.url, body=request.body, headers=request.headers)
    except OutboundError as error:
        error_text, retryable = error.message, error.retryable
    except Exception as error:  # a formatter bug must not stop the worker: record it, do not retry
        logger.exception("Delivery %s could not be rendered", delivery.pk)
        error_text, retryable = f"{type(error).__name__}: {error}", False
    else:
        status_code = response.status
        error_text = "" if response.ok else _error_text(response)
        retryable = response.status == 429 or response.status >= 500
        retry_after = parse_retry_after(response.header("retry-after"))
    duration_ms = int((time.monotonic() - clock) * 1000)
    now = timezone.now()
    changes: dict[str, Any] = {
        "attempt_count": number,
        "claimed_by": "",
        "claimed_until": None,
        "last_status_code": status_code,
        "last_error": error_text[:MAX_ERROR_TEXT],
        "updated_at": now,
    }
    if status_code is not None and 200 <= status_code < 300:
        changes.update(status=Delivery.Status.SUCCEEDED, delivered_at=now)
    else:
        changes.update(
            retry_changes(
                number=number,
                limit=delivery.attempt_limit,
                now=now,
                retryable=retryable,
                final=final,
                retry_after=retry_after,
            )
        )
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(**changes)
        if updated:
            DeliveryAttempt.objects.create(
                delivery=delivery,
                number=number,
                started_at=started_at,
                duration_ms=duration_ms,
                status_code=status_code,
                error=error_text[:MAX_ERROR_TEXT],
                worker=worker_id[:64],
            )
    if not updated:
        logger.warning("Delivery %s: lost the claim during attempt %s", delivery.pk, number)
    delivery.refresh_from_db()
    return delivery


def deliveries_pump(*, worker_id: str, limit: int = BATCH_SIZE) -> int:
    """Claim one batch and attempt each delivery; the number attempted."""
    ids = deliveries_claim(worker_id=worker_id, limit=limit)
    for delivery_id in ids:
        delivery_attempt(delivery_id=delivery_id, worker_id=worker_id)
    return len(ids)
