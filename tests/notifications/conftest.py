from __future__ import annotations

import pytest

from tests.notifications.receivers import Receiver


@pytest.fixture
def receiver():
    """A local receiver answering 200 until its script says otherwise."""
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _outbound_to_localhost(settings):
    """The receivers listen on 127.0.0.1, which the outbound guard refuses unless allowed; retries wait
    a few milliseconds instead of seconds."""
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = True
    settings.TOTONOU_DELIVERY_BACKOFF_SECONDS = 0.01
    settings.TOTONOU_DELIVERY_BACKOFF_MAX_SECONDS = 0.05
    settings.TOTONOU_WEBHOOK_TIMEOUT = 2
