"""Email through the outbox: ``OutboxEmailBackend`` (the ``EMAIL_BACKEND``) writes every message Django
sends — notifications, digests, password resets — as an ``OutboundEmail`` row in the caller's
transaction; the worker sends it with the real backend (``TOTONOU_EMAIL_DELIVERY_BACKEND``: SMTP when
``EMAIL_HOST`` is set, the console otherwise), leased and retried like a chat delivery.

So a rolled-back change sends nothing, a committed one is sent even if the web process dies, and an SMTP
server that is down only delays the mail. The stored message keeps its ``Message-ID`` on every attempt.
A refusal by the server (a 4xx or 5xx answer, a bounce of the address) is recorded on the row and retried
until the attempt limit; then the email is dead and listed on the outgoing-email page.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import email
import email.policy
import logging
import smtplib
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from totonou.notifications.leases import BATCH_SIZE, MAX_ERROR_TEXT, retry_changes, rows_claim
from totonou.notifications.models import OutboundEmail

logger = logging.getLogger("totonou.notifications")

#: The earliest time the outbox may send what is written now (the recipient's quiet hours).
send_not_before: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar(
    "send_not_before", default=None
)


@contextlib.contextmanager
def not_before(when: datetime.datetime | None) -> Iterator[None]:
    """Mails written inside wait until ``when`` (None: no wait)."""
    token = send_not_before.set(when)
    try:
        yield
    finally:
        send_not_before.reset(token)


def _decoded_subject(message: EmailMessage) -> str:
    return str(message.subject or "")[:300]


class OutboxEmailBackend(BaseEmailBackend):
    """Writes each message into the outbox (in the current transaction); sends nothing itself."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = []
        now = timezone.now()
        due = max(now, send_not_before.get() or now)
        for message in email_messages:
            recipients = list(message.recipients())
            if not recipients:
                continue
            mime = message.message()
            rows.append(
                OutboundEmail(
                    subject=_decoded_subject(message),
                    from_email=str(message.from_email or settings.DEFAULT_FROM_EMAIL),
                    recipients=recipients,
                    raw=mime.as_bytes(linesep="\n"),
                    message_id=str(mime.get("Message-ID", ""))[:300],
                    next_attempt_at=due,
                    attempt_limit=settings.TOTONOU_EMAIL_MAX_ATTEMPTS,
                )
            )
        OutboundEmail.objects.bulk_create(rows)
        return len(rows)


class _RawMessage:
    """A stored MIME message, as Django's backends read one (``as_bytes``, ``get_charset``)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw.replace(b"\r\n", b"\n").replace(b"\n", linesep.encode())

    def get_charset(self) -> None:
        return None

    def __getitem__(self, name: str) -> Any:
        return email.message_from_bytes(self.raw, policy=email.policy.default)[name]


class StoredEmail(EmailMessage):
    """An outbox row as an ``EmailMessage``: the envelope from the row, the message as it was stored."""

    def __init__(self, row: OutboundEmail) -> None:
        super().__init__(from_email=row.from_email, to=list(row.recipients))
        self.row = row

    def message(self, *, policy: Any = None) -> Any:
        return _RawMessage(bytes(self.row.raw))

    def recipients(self) -> list[str]:
        return list(self.row.recipients)


def delivery_connection() -> Any:
    return get_connection(settings.TOTONOU_EMAIL_DELIVERY_BACKEND, fail_silently=False)


def _error_text(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {code} {reason.decode(errors='replace') if isinstance(reason, bytes) else reason}"
            for address, (code, reason) in error.recipients.items()
        ]
        return "SMTP refused " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"SMTP {error.smtp_code}: {text}"
    return f"{type(error).__name__}: {error}"


def email_send(*, email_id: int, worker_id: str, connection: Any) -> tuple[OutboundEmail, bool]:
    """One attempt at an email this worker has claimed, recorded. Returns the row and whether the
    connection failed (the caller opens a new one for the next email)."""
    row = OutboundEmail.objects.get(pk=email_id)
    if row.claimed_by != worker_id or row.status != OutboundEmail.Status.PENDING:
        return row, False
    number = row.attempt_count + 1
    error_text = ""
    broken = False
    try:
        sent = connection.send_messages([StoredEmail(row)])
        if not sent:
            error_text = "The email backend sent nothing."
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        error_text = _error_text(error)
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        error_text, broken = _error_text(error), True
    except Exception as error:  # a backend bug must not stop the worker
        logger.exception("Email %s could not be sent", row.pk)
        error_text, broken = _error_text(error), True
    now = timezone.now()
    changes: dict[str, Any] = {
        "attempt_count": number,
        "claimed_by": "",
        "claimed_until": None,
        "last_error": error_text[:MAX_ERROR_TEXT],
        "updated_at": now,
    }
    if not error_text:
        changes.update(status=OutboundEmail.Status.SENT, sent_at=now)
    else:
        changes.update(retry_changes(number=number, limit=row.attempt_limit, now=now, retryable=True))
    with transaction.atomic():
        updated = OutboundEmail.objects.filter(pk=row.pk, claimed_by=worker_id).update(**changes)
    if not updated:
        logger.warning("Email %s: lost the claim during attempt %s", row.pk, number)
    row.refresh_from_db()
    return row, broken


def emails_pump(*, worker_id: str, limit: int = BATCH_SIZE) -> int:
    """Claim one batch of due emails and send each over one connection; the number attempted."""
    ids = rows_claim(OutboundEmail, worker_id=worker_id, limit=limit)
    if not ids:
        return 0
    connection = delivery_connection()
    try:
        for email_id in ids:
            _row, broken = email_send(email_id=email_id, worker_id=worker_id, connection=connection)
            if broken:
                _close(connection)
                connection = delivery_connection()
    finally:
        _close(connection)
    return len(ids)


def _close(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # closing a broken SMTP connection may fail; it is gone either way
        logger.debug("Closing the email connection failed", exc_info=True)


def email_retry(*, email: OutboundEmail) -> OutboundEmail:
    """Give a dead email a new round of attempts (attempt numbers continue)."""
    if email.status != OutboundEmail.Status.DEAD:
        return email
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.PENDING,
        attempt_limit=email.attempt_count + settings.TOTONOU_EMAIL_MAX_ATTEMPTS,
        next_attempt_at=timezone.now(),
        claimed_by="",
        claimed_until=None,
    )
    email.refresh_from_db()
    return email
