"""The daily digest (once per channel and local day, its content) and the outbound HTTP guard."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory
from tests.notifications.helpers import make_channel, pump_all
from totonou.core.http import BlockedAddressError, OutboundError, http_post
from totonou.notifications.models import Delivery, ScheduledRun
from totonou.notifications.scheduler import scheduled_events_create

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def at(hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    day = timezone.now().astimezone(TOKYO).date() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TOKYO)


def test_digest_is_made_once_per_day_and_says_what_happened(team_a, receiver):
    _team, manager, (rep, other) = team_a
    make_channel(
        manager,
        receiver.url,
        events=["digest.daily"],
        language="en",
        team_id=team_a[0].pk,
        digest_time=datetime.time(8, 30),
    )
    key = CustomerFactory(owner=rep, name="重点商事", is_key=True)
    ActivityFactory(
        owner=rep, customer=key, starts_at=at(10, days=-1), status="done", completed_at=at(11, days=-1)
    )
    ActivityFactory(owner=rep, starts_at=at(14, days=-1))  # planned yesterday, no result
    ActivityFactory(
        owner=other, starts_at=at(15, days=-1), status="done", planned_at=None, completed_at=at(16, days=-1)
    )
    ActivityFactory(owner=rep, customer=key, starts_at=at(9, 30), subject="朝の訪問")

    assert scheduled_events_create(now=at(8, 0)) == 0  # not yet
    assert scheduled_events_create(now=at(8, 31)) == 1
    assert scheduled_events_create(now=at(8, 32)) == 0  # the second pass (or worker) makes nothing
    assert scheduled_events_create(now=at(9, 0)) == 0
    assert ScheduledRun.objects.count() == 1 and Delivery.objects.count() == 1
    assert pump_all() == 1

    blocks = receiver.requests[0].json()["blocks"]
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    day = at(0).strftime("%Y/%m/%d")
    assert texts[0] == f"*Daily digest Team A {day}*"
    assert texts[1].startswith("*Yesterday: 1 done of 2 planned, 1 unplanned*")
    assert texts[2].startswith("*Today's plans (1)*\n• 09:30 ")
    assert "★ 重点商事" in texts[2]
    assert texts[3].startswith("*Key customers past their threshold (")


def test_the_next_day_makes_a_new_digest(team_a, receiver):
    _team, manager, _reps = team_a
    make_channel(manager, receiver.url, events=["digest.daily"], digest_time=datetime.time(7, 0))
    assert scheduled_events_create(now=at(7, 5)) == 1
    assert scheduled_events_create(now=at(7, 5, days=1)) == 1
    assert sorted(ScheduledRun.objects.values_list("local_date", flat=True)) == [
        at(0).date(),
        at(0, days=1).date(),
    ]


def test_guard_refuses_private_addresses_unless_allowed(settings, receiver):
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = False
    for url in (receiver.url, "http://localhost:9/", "http://10.1.2.3/", "http://[::ffff:127.0.0.1]:9/"):
        with pytest.raises(BlockedAddressError):
            http_post(url, body=b"{}", headers={})
    assert receiver.requests == []
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = True
    assert http_post(receiver.url, body=b"{}", headers={}).status == 200


def test_no_redirect_to_another_host(settings):
    from tests.notifications.receivers import Receiver

    target = Receiver().start()
    redirector = Receiver(
        script=[(307, {"Location": target.url.replace("127.0.0.1", "localhost") + "/x"}, b"")]
    ).start()
    same_host = Receiver(script=[(308, {"Location": "/moved"}, b""), (200, {}, b"ok")]).start()
    try:
        response = http_post(redirector.url, body=b"{}", headers={})
        assert response.status == 307 and target.requests == []
        response = http_post(same_host.url, body=b"{}", headers={})
        assert response.status == 200
        assert [request.path for request in same_host.requests] == ["/", "/moved"]
    finally:
        for server in (target, redirector, same_host):
            server.stop()


def test_timeout_is_an_outbound_error(settings):
    from tests.notifications.receivers import Receiver

    slow = Receiver(delay=1.0).start()
    try:
        with pytest.raises(OutboundError) as error:
            http_post(slow.url, body=b"{}", headers={}, timeout=0.2)
    finally:
        slow.stop()
    assert error.value.retryable and "did not answer" in error.value.message


def test_uncontacted_alert_names_key_customers_past_their_threshold_once(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    make_channel(
        manager, receiver.url, events=["alert.uncontacted"], language="en", digest_time=datetime.time(9, 0)
    )
    CustomerFactory(owner=rep, name="放置商事", is_key=True)  # never contacted
    CustomerFactory(owner=rep, name="普通商事", is_key=False)
    assert scheduled_events_create(now=at(9, 1)) == 1
    assert scheduled_events_create(now=at(9, 2)) == 0
    assert pump_all() == 1
    text = receiver.requests[0].json()["text"]
    assert text.startswith("1 key customers have not been contacted for too long")
    assert "★ 放置商事 (— / 14)" in text and "普通商事" not in text


def test_no_uncontacted_alert_when_nobody_is_overdue(team_a, receiver):
    _team, manager, _reps = team_a
    make_channel(manager, receiver.url, events=["alert.uncontacted"], digest_time=datetime.time(9, 0))
    assert scheduled_events_create(now=at(9, 1)) == 1  # the day is marked done
    assert Delivery.objects.count() == 0 and ScheduledRun.objects.count() == 1
