from __future__ import annotations

import pytest

from tests.personal.smtp import SmtpServer

OUTBOX = "totonou.notifications.mail.OutboxEmailBackend"


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings, smtp_server):
    """Django's mail goes into the outbox; the worker sends it over SMTP to the local server, and a
    failed attempt is due again at once (no backoff wait in tests)."""
    settings.EMAIL_BACKEND = OUTBOX
    settings.TOTONOU_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Totonou <noreply@totonou.test>"
    settings.TOTONOU_DELIVERY_BACKOFF_SECONDS = 0
    settings.TOTONOU_DELIVERY_BACKOFF_MAX_SECONDS = 0
    settings.TOTONOU_EMAIL_MAX_ATTEMPTS = 3
    settings.TOTONOU_BASE_URL = "https://totonou.example.com"
    return settings
