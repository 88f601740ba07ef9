"""``deal.won``, ``deal.lost`` and ``deal.stalled`` as every channel kind renders them, in both
languages: the events are made by the real services (a stage change, the daily stalled job), recorded
for eight channels (Slack, Teams, Chatwork, Google Chat × ja, en), and each delivery's request body is
read back and compared with the exact text — customer (with ★), amount, owner, reason, link. The
stalled alert goes out once per deal and stage entry: the daily job run twice sends nothing new."""

from __future__ import annotations

import datetime
import json
from urllib.parse import parse_qs

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory
from totonou.deals.models import LossReason, Stage
from totonou.deals.services import deal_change_stage
from totonou.insights.stalled import stalled_alerts_job
from totonou.integrations.services import channel_create
from totonou.notifications.formats import render
from totonou.notifications.models import Delivery, Event, Notification

pytestmark = pytest.mark.django_db

EVENTS = ["deal.won", "deal.lost", "deal.stalled"]
KINDS = ["slack", "teams", "chatwork", "google_chat"]


@pytest.fixture
def deals(team_a):
    cache.clear()  # the job's once-an-hour mark of another test
    _team, manager, (rep, _other) = team_a
    rep.display_name = "佐藤"
    rep.save(update_fields=["display_name"])
    for kind in KINDS:
        for language in ("ja", "en"):
            where = (
                {"room_id": "987", "token": "cw-token"}
                if kind == "chatwork"
                else {"url": f"https://hooks.example.com/{kind}/{language}"}
            )
            channel_create(
                actor=manager, name=f"{kind} {language}", kind=kind, events=EVENTS, language=language, **where
            )
    customer = CustomerFactory(owner=rep, name="重点商事", is_key=True)
    won = DealFactory(customer=customer, owner=rep, title="基幹システム", amount=1_200_000)
    lost = DealFactory(customer=customer, owner=rep, title="保守契約", amount=300_000)
    stalled = DealFactory(
        customer=customer,
        owner=rep,
        title="増設",
        amount=4_500_000,
        stage=Stage.objects.get(slug="negotiation"),
        stage_entered_at=timezone.now() - datetime.timedelta(days=30),
    )
    deal_change_stage(actor=rep, deal=won, stage=Stage.objects.get(slug="won"))
    deal_change_stage(
        actor=rep,
        deal=lost,
        stage=Stage.objects.get(slug="lost"),
        loss_reason=LossReason.objects.get(slug="price"),
        loss_note="他社が2割安い",
    )
    return {"won": won, "lost": lost, "stalled": stalled, "rep": rep}


def sent_text(delivery: Delivery) -> str:
    """What the chat shows: the message text the request carries, in the kind's own markup."""
    request = render(delivery, timestamp=1_800_000_000)
    kind = delivery.channel.kind
    if kind == "chatwork":
        return parse_qs(request.body.decode())["body"][0]
    body = json.loads(request.body)
    if kind == "slack":
        blocks = body["blocks"]
        return blocks[0]["text"]["text"] + "\n" + blocks[1]["elements"][-1]["text"]
    if kind == "teams":
        card = body["attachments"][0]["content"]
        action = card["actions"][0]
        return "\n".join(block["text"] for block in card["body"]) + f"\n{action['title']} {action['url']}"
    return body["text"]


TITLES = {
    ("deal.won", "ja"): "受注: {title} (★ 重点商事)",
    ("deal.won", "en"): "Deal won: {title} (★ 重点商事)",
    ("deal.lost", "ja"): "失注: {title} (★ 重点商事)",
    ("deal.lost", "en"): "Deal lost: {title} (★ 重点商事)",
    ("deal.stalled", "ja"): "停滞案件: {title} (★ 重点商事)",
    ("deal.stalled", "en"): "Deal stalled: {title} (★ 重点商事)",
}
TEXTS = {
    ("deal.won", "ja"): "¥1,200,000 · 佐藤",
    ("deal.won", "en"): "¥1,200,000 · 佐藤",
    ("deal.lost", "ja"): "¥300,000 · 佐藤 · 価格: 他社が2割安い",
    ("deal.lost", "en"): "¥300,000 · 佐藤 · Price: 他社が2割安い",
    ("deal.stalled", "ja"): "交渉で30日 · ¥4,500,000 · 佐藤",
    ("deal.stalled", "en"): "30 days in Negotiation · ¥4,500,000 · 佐藤",
}
LINK_LABEL = {"ja": "Totonou で開く", "en": "Open in Totonou"}
DEAL_OF = {"deal.won": "won", "deal.lost": "lost", "deal.stalled": "stalled"}


def expected(event: str, kind: str, language: str, deals) -> str:
    deal = deals[DEAL_OF[event]]
    title = TITLES[(event, language)].format(title=deal.title)
    text = TEXTS[(event, language)]
    link = f"http://127.0.0.1:8000/deals/{deal.pk}/"
    label = LINK_LABEL[language]
    if kind == "slack":
        return f"*{title}*\n{text}\n<{link}|{label}>"
    if kind == "teams":
        return f"{title}\n{text}\n{label} {link}"
    if kind == "chatwork":
        return f"[info][title]{title}[/title]{text}\n{link}[/info]"
    return f"*{title}*\n{text}\n<{link}|{label}>"


def test_each_event_in_each_kind_and_language(deals):
    assert stalled_alerts_job(now=timezone.now()) == 1
    deliveries = list(Delivery.objects.select_related("channel", "event"))
    seen = set()
    for delivery in deliveries:
        key = (delivery.event_name, delivery.channel.kind, delivery.channel.language)
        assert key not in seen
        seen.add(key)
        assert sent_text(delivery) == expected(*key, deals), key
    assert seen == {(e, k, lang) for e in EVENTS for k in KINDS for lang in ("ja", "en")}


def test_the_stalled_alert_goes_once_per_stage_entry(deals):
    """The daily job run twice (the next day): one alert for the deal, one notification; a new stage
    entry (moved and stalled again later) alerts again."""
    now = timezone.now()
    assert stalled_alerts_job(now=now) == 1
    assert stalled_alerts_job(now=now + datetime.timedelta(days=1)) == 0
    assert Event.objects.filter(name="deal.stalled").count() == 1
    assert Delivery.objects.filter(event__name="deal.stalled").count() == 8
    assert Notification.objects.filter(recipient=deals["rep"], dedupe_key__startswith="stalled:").count() == 1
    stalled = deals["stalled"]
    type(stalled).objects.filter(pk=stalled.pk).update(stage_entered_at=now - datetime.timedelta(days=25))
    assert stalled_alerts_job(now=now + datetime.timedelta(days=2)) == 1
    assert Event.objects.filter(name="deal.stalled").count() == 2
