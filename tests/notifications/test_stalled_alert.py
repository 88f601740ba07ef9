"""The stalled-deal alert: the owner hears once per deal and stage entry (the one stalled rule), and the
team's chat channels get ``deal.stalled`` in every channel kind and both languages."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, DealFactory
from tests.notifications.helpers import make_channel, pump_all
from totonou.deals.models import Stage
from totonou.insights.stalled import stalled_alerts_job, stalled_alerts_send
from totonou.notifications.formats.message import message_for
from totonou.notifications.models import Event, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def stalled(team_a, team_b):
    _team, manager, (rep, _other) = team_a
    _team_b, _manager_b, (rep_b, _other_b) = team_b
    negotiation = Stage.objects.get(slug="negotiation")
    now = timezone.now()
    customer = CustomerFactory(owner=rep, name="重点商事", is_key=True)
    long = DealFactory(
        customer=customer,
        owner=rep,
        title="基幹システム",
        amount=1_200_000,
        stage=negotiation,
        stage_entered_at=now - datetime.timedelta(days=30),
    )
    quiet = DealFactory(customer=customer, owner=rep, title="保守契約", amount=300_000)
    type(quiet).objects.filter(pk=quiet.pk).update(
        created_at=now - datetime.timedelta(days=40), last_activity_at=now - datetime.timedelta(days=15)
    )
    other_team = DealFactory(
        customer=CustomerFactory(owner=rep_b),
        owner=rep_b,
        title="Other team",
        stage=negotiation,
        stage_entered_at=now - datetime.timedelta(days=22),
    )
    fresh = DealFactory(customer=customer, owner=rep, title="新規", stage=negotiation)
    return manager, rep, long, quiet, other_team, fresh


def test_owner_hears_once_and_the_team_channel_gets_it(stalled, receiver):
    manager, rep, _long, _quiet, _other_team, _fresh = stalled
    make_channel(manager, receiver.url, events=["deal.stalled"], language="en")
    assert stalled_alerts_send() == 3
    assert stalled_alerts_send() == 0
    titles = sorted(
        title["en"] for title in Notification.objects.filter(recipient=rep).values_list("title", flat=True)
    )
    assert titles == [
        "Your deal 保守契約 has stalled: no recent activity and nothing planned",
        "Your deal 基幹システム has stalled: 30 days in Negotiation",
    ]
    assert Event.objects.filter(name="deal.stalled").count() == 3  # the channel wants every team
    assert pump_all() == 3
    texts = sorted(
        text
        for request in receiver.requests
        if "重点商事" in (text := request.json()["blocks"][0]["text"]["text"])
    )
    assert texts == [
        "*Deal stalled: 保守契約 (★ 重点商事)*\nNo recent activity and nothing planned (Lead) · ¥300,000 · "
        + str(rep),
        "*Deal stalled: 基幹システム (★ 重点商事)*\n30 days in Negotiation · ¥1,200,000 · " + str(rep),
    ]


def test_a_new_stage_entry_alerts_again(stalled):
    _manager, _rep, long, *_ = stalled
    assert stalled_alerts_send() == 3
    type(long).objects.filter(pk=long.pk).update(
        stage_entered_at=timezone.now() - datetime.timedelta(days=25)
    )
    assert stalled_alerts_send() == 1


def test_the_job_runs_once_an_hour(stalled):
    now = timezone.now()
    first = stalled_alerts_job(now=now.replace(year=2030))
    assert stalled_alerts_job(now=now.replace(year=2030)) == 0
    assert first >= 0


@pytest.mark.parametrize(
    ("language", "reason", "title", "text"),
    [
        (
            "en",
            "in_stage",
            "Deal stalled: 基幹システム (★ 重点商事)",
            "30 days in Negotiation · ¥1,200,000 · Sato",
        ),
        ("ja", "in_stage", "停滞案件: 基幹システム (★ 重点商事)", "交渉で30日 · ¥1,200,000 · Sato"),
        (
            "en",
            "no_activity",
            "Deal stalled: 基幹システム (★ 重点商事)",
            "No recent activity and nothing planned (Negotiation) · ¥1,200,000 · Sato",
        ),
        (
            "ja",
            "no_activity",
            "停滞案件: 基幹システム (★ 重点商事)",
            "最近の活動も予定もありません（交渉） · ¥1,200,000 · Sato",
        ),
    ],
)
def test_message_in_both_languages(language, reason, title, text):
    context = {
        "title": "基幹システム",
        "customer": "重点商事",
        "is_key": True,
        "owner": "Sato",
        "amount": 1_200_000,
        "to_stage": {"ja": "交渉", "en": "Negotiation"},
        "days": 30,
        "reason": reason,
        "web_url": "http://127.0.0.1:8000/deals/1/",
    }
    message = message_for("deal.stalled", context, language=language)
    assert (message.title, message.text) == (title, text)
