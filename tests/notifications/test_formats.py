"""Each kind's payload, as its receiver gets it over real HTTP: Slack Block Kit (checked with slack_sdk's
models), Teams' Adaptive Card 1.4 envelope, Chatwork's form field and header, Google Chat's text, and
the generic webhook with its Standard Webhooks signature verified independently here."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json

import pytest
from slack_sdk.models.blocks import Block

from tests.factories import CustomerFactory, DealFactory
from tests.notifications.helpers import make_channel, plan_visit, pump_all
from totonou.activities.models import Activity
from totonou.activities.services import (
    activity_cancel,
    activity_complete,
    activity_reschedule,
    comment_create,
)
from totonou.notifications.models import Delivery

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_slack_blocks_with_mentions_key_marker_and_link(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    rep.slack_user_id = "U0REP"
    rep.save(update_fields=["slack_user_id"])
    make_channel(manager, receiver.url, events=["comment.created"], language="en")
    activity = plan_visit(rep)
    comment_create(actor=manager, activity=activity, body=f"@{rep.username} 良い提案でした <b>")
    assert pump_all() == 1

    body = receiver.requests[0].json()
    parsed = [Block.parse(block) for block in body["blocks"]]
    for block in parsed:
        block.validate_json()
    assert [block.type for block in parsed] == ["section", "context"]
    assert body["blocks"][0]["text"] == {
        "type": "mrkdwn",
        "text": f"*{manager.display_name} commented on ★ 株式会社サンプル 定例訪問*\n"
        f"@{rep.username} 良い提案でした &lt;b&gt;",
    }
    comment = activity.comments.get()
    assert body["blocks"][1]["elements"] == [
        {"type": "mrkdwn", "text": "<@U0REP>"},
        {"type": "mrkdwn", "text": f"<http://127.0.0.1:8000{comment.get_absolute_url()}|Open in Totonou>"},
    ]
    assert body["text"].startswith(f"{manager.display_name} commented on ★ 株式会社サンプル")
    assert receiver.requests[0].headers["content-type"] == "application/json; charset=utf-8"


def test_teams_adaptive_card_in_the_attachment_envelope(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    make_channel(manager, receiver.url, kind="teams", events=["activity.cancelled"], language="en")
    activity = plan_visit(rep)
    activity_cancel(actor=rep, activity=activity, reason="先方都合")
    assert pump_all() == 1

    body = receiver.requests[0].json()
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert [block["type"] for block in card["body"]] == ["TextBlock", "TextBlock"]
    assert card["body"][0]["text"] == f"{rep.display_name} cancelled Visit ★ 株式会社サンプル"
    assert card["body"][1]["text"] == "Reason: 先方都合"
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open in Totonou",
            "url": f"http://127.0.0.1:8000/activities/{activity.pk}/",
        }
    ]


def test_chatwork_room_message_with_token_header_and_notation(team_a, receiver, settings):
    _team, manager, (rep, _other) = team_a
    settings.TOTONOU_CHATWORK_API_BASE = f"{receiver.url}/v2"
    rep.chatwork_account_id = "12345"
    rep.save(update_fields=["chatwork_account_id"])
    from totonou.integrations.services import channel_create

    channel_create(
        actor=manager,
        name="営業部",
        kind="chatwork",
        room_id="987",
        token="cw-token",
        events=["comment.created"],
        language="ja",
    )
    activity = plan_visit(rep)
    comment_create(actor=manager, activity=activity, body=f"@{rep.username} 確認お願いします")
    assert pump_all() == 1

    request = receiver.requests[0]
    assert request.path == "/v2/rooms/987/messages"
    assert request.headers["x-chatworktoken"] == "cw-token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = request.form()
    assert form["self_unread"] == ["0"]
    (text,) = form["body"]
    comment = activity.comments.get()
    assert text == (
        f"[To:12345]{rep.display_name}\n"
        f"[info][title]{manager.display_name} さんが ★ 株式会社サンプル 定例訪問 にコメントしました[/title]"
        f"@{rep.username} 確認お願いします\nhttp://127.0.0.1:8000{comment.get_absolute_url()}[/info]"
    )


def test_google_chat_text(team_a, receiver):
    _team, manager, (rep, _other) = team_a
    make_channel(manager, receiver.url, kind="google_chat", events=["activity.moved"], language="en")
    activity = plan_visit(rep)
    before = activity.starts_at
    activity_reschedule(actor=rep, activity=activity, starts_at=before + datetime.timedelta(days=1))
    assert pump_all() == 1
    text = receiver.requests[0].json()["text"]
    lines = text.split("\n")
    assert lines[0] == f"*{rep.display_name} moved Visit ★ 株式会社サンプル*"
    assert lines[1].count("→") == 1
    assert lines[2] == f"<http://127.0.0.1:8000/activities/{activity.pk}/|Open in Totonou>"


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the specification (not the code under test)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (part.partition(",") for part in headers["webhook-signature"].split())
    )


def test_webhook_payload_is_the_api_representation_and_is_signed(team_a, receiver, api_client):
    _team, manager, (rep, _other) = team_a
    make_channel(manager, receiver.url, kind="webhook", events=["activity.completed"], secret=SECRET)
    activity = plan_visit(rep)
    activity_complete(actor=rep, activity=activity, notes="受注見込み")
    assert pump_all() == 1

    request = receiver.requests[0]
    assert _verify(SECRET, request.headers, request.body)
    assert not _verify("whsec_" + base64.b64encode(b"another secret").decode(), request.headers, request.body)
    delivery = Delivery.objects.get()
    assert request.headers["webhook-id"] == delivery.dedupe_key
    document = json.loads(request.body)
    assert document["type"] == "activity.completed"
    assert document["timestamp"].endswith("Z")
    api = api_client(manager).get(f"/api/v1/activities/{activity.pk}").json()
    for volatile in ("reacted_by_me",):
        api.pop(volatile)
        document["data"].pop(volatile)
    assert document["data"] == api
    assert document["data"]["status"] == Activity.Status.DONE and document["data"]["is_key_customer"] is True


def test_filters_team_key_only_owner(team_a, team_b, receiver):
    _team, _manager, (rep, _other) = team_a
    team_b_obj, manager_b, (rep_b, _rep_b2) = team_b
    make_channel(manager_b, receiver.url, events=["activity.planned"], team_id=team_b_obj.pk, key_only=True)
    plan_visit(rep)  # team A: not wanted
    plan_visit(rep_b, customer=CustomerFactory(owner=rep_b, is_key=False))  # not a key customer
    plan_visit(rep_b, customer=CustomerFactory(owner=rep_b, name="重点商事", is_key=True))
    assert Delivery.objects.count() == 1
    assert pump_all() == 1
    assert "★ 重点商事" in receiver.requests[0].json()["text"]


def test_deal_won_and_lost(team_a, receiver):
    from totonou.deals.models import LossReason, Stage
    from totonou.deals.services import deal_change_stage

    _team, manager, (rep, _other) = team_a
    make_channel(manager, receiver.url, events=["deal.won", "deal.lost"], language="en")
    customer = CustomerFactory(owner=rep, name="重点商事", is_key=True)
    won = DealFactory(customer=customer, owner=rep, title="基幹システム", amount=1_200_000)
    lost = DealFactory(customer=customer, owner=rep, title="保守契約")
    deal_change_stage(actor=rep, deal=won, stage=Stage.objects.filter(kind="won").first())
    reason = LossReason.objects.order_by("order").first()
    deal_change_stage(
        actor=rep, deal=lost, stage=Stage.objects.filter(kind="lost").first(), loss_reason=reason
    )
    assert pump_all() == 2
    texts = sorted(request.json()["blocks"][0]["text"]["text"] for request in receiver.requests)
    assert texts == [
        f"*Deal lost: 保守契約 (★ 重点商事)*\n¥{lost.amount:,} · {rep.display_name} · {reason.name_en}",
        f"*Deal won: 基幹システム (★ 重点商事)*\n¥1,200,000 · {rep.display_name}",
    ]
