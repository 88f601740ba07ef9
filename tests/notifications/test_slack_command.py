"""The ``/totonou`` Slack slash command: Slack's signature and timestamp verified, the activity logged
for the mapped user through ``activity_create``, an ephemeral answer."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.factories import CustomerFactory
from totonou.activities.models import Activity

pytestmark = pytest.mark.django_db

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
URL = "/integrations/slack/command"


def post(body: dict[str, str], *, secret: str = SECRET, timestamp: int | None = None) -> object:
    raw = urlencode(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:".encode() + raw, hashlib.sha256).hexdigest()
    return Client(enforce_csrf_checks=True).post(
        URL,
        raw,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature},
    )


@pytest.fixture
def rep(team_a, settings):
    settings.SLACK_SIGNING_SECRET = SECRET
    _team, _manager, (rep, _other) = team_a
    rep.slack_user_id = "U0REP"
    rep.language = "en"
    rep.save(update_fields=["slack_user_id", "language"])
    return rep


def test_logs_a_visit_for_the_mapped_user(rep):
    customer = CustomerFactory(owner=rep, name="株式会社サンプル", name_kana="サンプル")
    CustomerFactory(owner=rep, name="サンプル物産", name_kana="サンプルブッサン")
    started = time.monotonic()
    response = post({"user_id": "U0REP", "command": "/totonou", "text": "visit 株式会社サンプル: 見積の相談"})
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    activity = Activity.objects.get()
    assert (activity.owner, activity.customer, activity.type.slug, activity.status, activity.notes) == (
        rep,
        customer,
        "visit",
        "done",
        "見積の相談",
    )
    assert activity.planned_at is None and activity.completed_at is not None
    assert response.json() == {
        "response_type": "ephemeral",
        "text": f"Logged: Visit with 株式会社サンプル. http://127.0.0.1:8000/activities/{activity.pk}/",
    }


def test_type_by_japanese_name_and_customer_by_kana(rep):
    customer = CustomerFactory(owner=rep, name="東西食品株式会社", name_kana="トウザイショクヒン")
    response = post({"user_id": "U0REP", "text": "電話 トウザイショクヒン"})
    assert response.status_code == 200, response.content
    activity = Activity.objects.get()
    assert (activity.customer, activity.type.slug, activity.notes) == (customer, "call", "")


@pytest.mark.parametrize(
    ("kwargs", "headers_missing"),
    [({"secret": "wrong-secret"}, False), ({"timestamp": int(time.time()) - 6 * 60}, False), ({}, True)],
)
def test_wrong_secret_old_timestamp_or_no_signature_is_401(rep, kwargs, headers_missing):
    CustomerFactory(owner=rep, name="株式会社サンプル")
    body = {"user_id": "U0REP", "text": "visit 株式会社サンプル: notes"}
    if headers_missing:
        response = Client().post(URL, urlencode(body), content_type="application/x-www-form-urlencoded")
    else:
        response = post(body, **kwargs)
    assert response.status_code == 401
    assert Activity.objects.count() == 0


def test_unknown_user_type_or_customer_creates_nothing(rep):
    CustomerFactory(owner=rep, name="株式会社サンプル")
    CustomerFactory(owner=rep, name="株式会社サンプル商事")
    answers = [
        post({"user_id": "UNOBODY", "text": "visit 株式会社サンプル"}).json()["text"],
        post({"user_id": "U0REP", "text": "juggling 株式会社サンプル"}).json()["text"],
        post({"user_id": "U0REP", "text": "visit 存在しない会社"}).json()["text"],
        post({"user_id": "U0REP", "text": "visit サンプル"}).json()["text"],
        post({"user_id": "U0REP", "text": ""}).json()["text"],
    ]
    # Nobody is known yet, so the site's language (ja) answers.
    assert answers[0].startswith("この Slack アカウントは Totonou のユーザーと連携されていません")
    assert answers[1] == "Unknown activity type “juggling”."
    assert answers[2] == "No customer matches “存在しない会社”."
    assert answers[3] == "Several customers match: 株式会社サンプル, 株式会社サンプル商事. Be more specific."
    assert answers[4].startswith("Usage: /totonou")
    assert Activity.objects.count() == 0


def test_names_in_the_answer_are_escaped_for_slack(rep):
    """A customer named like a mention stays words in the answer (issue 19, item 6)."""
    customer = CustomerFactory(owner=rep, name="<!channel> & Co")
    response = post({"user_id": "U0REP", "text": "visit <!channel> & Co: notes"})
    activity = Activity.objects.get()
    assert activity.customer == customer
    assert response.json()["text"] == (
        f"Logged: Visit with &lt;!channel&gt; &amp; Co. http://127.0.0.1:8000/activities/{activity.pk}/"
    )
    answer = post({"user_id": "U0REP", "text": "<!here> <!channel> & Co"}).json()["text"]
    assert answer == "Unknown activity type “&lt;!here&gt;”."
