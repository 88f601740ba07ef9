"""Recording events into the outbox and sending them: retries, backoff, Retry-After, dead letters."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from slack_sdk.models.blocks import Block

from tests.notifications.helpers import make_channel, plan_visit, pump_all
from tests.notifications.receivers import Receiver
from totonou.activities.services import activity_complete
from totonou.notifications.delivery import deliveries_claim, deliveries_pump, delivery_attempt
from totonou.notifications.models import Delivery, DeliveryAttempt, Event

pytestmark = pytest.mark.django_db


def test_a_completed_activity_reaches_slack_once(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    make_channel(manager, receiver.url, events=["activity.completed"])
    activity = plan_visit(rep)
    assert Event.objects.count() == 0  # the channel does not want activity.planned
    activity_complete(actor=rep, activity=activity, notes="見積の依頼あり")

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.event_name, delivery.attempt_count) == (
        "pending",
        "activity.completed",
        0,
    )
    assert pump_all() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("succeeded", 1, 200)
    assert len(receiver.requests) == 1
    body = receiver.requests[0].json()
    for block in body["blocks"]:
        Block.parse(block).validate_json()  # Slack's own models accept every block
    assert (
        body["blocks"][0]["text"]["text"]
        == f"*{rep.display_name} さんが 訪問 ★ 株式会社サンプル を完了しました*\n見積の依頼あり"
    )
    assert activity.get_absolute_url() in body["blocks"][-1]["elements"][-1]["text"]
    assert pump_all() == 0 and len(receiver.requests) == 1


def test_a_rolled_back_change_records_and_sends_nothing(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    make_channel(manager, receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        plan_visit(rep)
        assert Delivery.objects.count() == 1
        raise RuntimeError("the request failed after the change")
    assert Event.objects.count() == 0 and Delivery.objects.count() == 0
    assert pump_all() == 0
    assert receiver.requests == []


def test_500_500_200_is_one_delivery_and_three_attempts(team_a):
    _team, manager, (rep, _other) = team_a
    receiver = Receiver(script=[(500, {}, b"oops"), (502, {}, b"bad gateway"), (200, {}, b"ok")]).start()
    try:
        make_channel(manager, receiver.url, kind="webhook")
        plan_visit(rep)
        assert pump_all() == 3
    finally:
        receiver.stop()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 3)
    attempts = list(
        DeliveryAttempt.objects.filter(delivery=delivery).values_list("number", "status_code", "error")
    )
    assert attempts == [(1, 500, "HTTP 500: oops"), (2, 502, "HTTP 502: bad gateway"), (3, 200, "")]
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert ids == {delivery.dedupe_key}  # the same message id on every retry


def test_429_waits_for_retry_after(team_a):
    _team, manager, (rep, _other) = team_a
    receiver = Receiver(script=[(429, {"Retry-After": "1"}, b"slow down"), (200, {}, b"ok")]).start()
    try:
        make_channel(manager, receiver.url)
        plan_visit(rep)
        assert deliveries_pump(worker_id="w") == 1
        delivery = Delivery.objects.get()
        first = delivery.attempts.get()
        assert (delivery.status, first.status_code) == ("pending", 429)
        assert (delivery.next_attempt_at - first.started_at).total_seconds() >= 1.0
        assert deliveries_pump(worker_id="w") == 0  # not due yet
        time.sleep(1.1)
        assert pump_all() == 1
    finally:
        receiver.stop()
    assert receiver.requests[1].at - receiver.requests[0].at >= 1.0
    assert Delivery.objects.get().status == "succeeded"


def test_other_4xx_fails_without_retry(team_a):
    _team, manager, (rep, _other) = team_a
    receiver = Receiver(script=[(404, {}, b"no_service")]).start()
    try:
        make_channel(manager, receiver.url)
        plan_visit(rep)
        assert pump_all() == 1
    finally:
        receiver.stop()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.last_error) == (
        "failed",
        1,
        "HTTP 404: no_service",
    )
    assert len(receiver.requests) == 1


def test_after_the_last_attempt_the_delivery_is_dead(team_a, settings):
    settings.TOTONOU_DELIVERY_MAX_ATTEMPTS = 3
    _team, manager, (rep, _other) = team_a
    receiver = Receiver(script=[(503, {}, b"")]).start()
    try:
        make_channel(manager, receiver.url)
        plan_visit(rep)
        assert pump_all() == 3
    finally:
        receiver.stop()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("dead", 3, 503)
    assert len(receiver.requests) == 3


def test_receiver_down_then_up(team_a):
    _team, manager, (rep, _other) = team_a
    receiver = Receiver().start()
    port = receiver.server.server_address[1]
    url = receiver.url
    receiver.stop()  # down: nothing listens on the port
    make_channel(manager, url)
    plan_visit(rep)
    assert deliveries_pump(worker_id="w") == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "could not be reached" in delivery.last_error
    receiver = Receiver().start(port=port)  # up again
    try:
        assert pump_all() == 1
    finally:
        receiver.stop()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    assert len(receiver.requests) == 1


def test_a_claim_expires_and_another_worker_takes_it(team_a, receiver, settings):
    _team, manager, (rep, _other) = team_a
    settings.TOTONOU_DELIVERY_LEASE_SECONDS = 0.2
    make_channel(manager, receiver.url)
    plan_visit(rep)
    (claimed,) = deliveries_claim(worker_id="dead-worker")
    assert deliveries_claim(worker_id="other") == []  # held by the first worker's lease
    time.sleep(0.3)  # the first worker "died": its lease runs out
    assert deliveries_claim(worker_id="other") == [claimed]
    delivery = delivery_attempt(delivery_id=claimed, worker_id="other")
    assert delivery.status == "succeeded"
    assert delivery_attempt(delivery_id=claimed, worker_id="dead-worker").attempt_count == 1
    assert len(receiver.requests) == 1
