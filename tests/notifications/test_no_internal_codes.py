"""No internal code reaches a person: event names in the channel list and the delivery log read as
labels (``notifications.models.EVENT_LABELS``), admin records read like sentences, and the task
queue's admin section has a translated name (issue #18, item 7)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import DealFactory
from tests.notifications.helpers import make_channel
from totonou.core.models import AuditEntry
from totonou.deals.models import Stage, StageChange
from totonou.deals.services import deal_create
from totonou.integrations.services import channel_test
from totonou.notifications.models import EVENT_LABELS, EventName, event_label

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b(activity|comment|deal|digest|alert|channel)\.[a-z_]+\b")


def text_of(html: str) -> str:
    """What a person reads in the page's main part (no markup, no attribute values)."""
    main = html.split("<main", 1)[-1].split("</main>")[0]
    return re.sub(r"<[^>]*>", " ", main)


def signed_in(user, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def test_every_event_name_has_a_label():
    assert set(EVENT_LABELS) == {*EventName.values, "channel.test"}
    with translation.override("ja"):
        assert event_label("channel.test") == "テストメッセージ"
        assert event_label("comment.created") == "コメント"
        assert event_label("no.such") == "その他のイベント"


@pytest.mark.parametrize(
    ("language", "labels", "test_label"),
    [
        ("en", "Activity planned, Activity completed, Comment", "Test message"),
        ("ja", "活動の予定登録, 活動の完了, コメント", "テストメッセージ"),
    ],
)
def test_channel_list_and_delivery_log_show_labels_not_codes(team_a, receiver, language, labels, test_label):
    _team, manager, _reps = team_a
    manager.language = language
    manager.save(update_fields=["language"])
    channel = make_channel(manager, receiver.url)
    channel_test(actor=manager, channel=channel)
    client = signed_in(manager, language)
    listing = client.get(reverse("notifications:channel_list")).content.decode()
    assert labels in listing
    assert not CODE.search(text_of(listing)), text_of(listing)
    log = client.get(reverse("notifications:delivery_list")).content.decode()
    assert f"<td>{test_label}</td>" in log
    assert not CODE.search(text_of(log)), text_of(log)


def test_admin_records_read_like_sentences(team_a):
    _team, _manager, (rep, _other) = team_a
    deal = deal_create(actor=rep, customer=DealFactory(owner=rep).customer, title="Cold chain")
    first = StageChange.objects.get(deal=deal)
    moved = StageChange(deal=deal, from_stage=first.to_stage, to_stage=Stage.objects.get(slug="won"))
    entry = AuditEntry.objects.filter(object_id=deal.pk, content_type__model="deal").latest("id")
    with translation.override("en"):
        assert str(first) == f"Deal “Cold chain” opened at {first.to_stage.name}"
        assert str(moved) == f"Deal “Cold chain” moved from {first.to_stage.name} to {moved.to_stage.name}"
        assert str(entry) == "Created: deal “Cold chain”"


def test_the_task_queue_has_a_translated_name_in_the_admin(admin_user):
    client = signed_in(admin_user, "ja")
    page = client.get(reverse("admin:index")).content.decode()
    assert "バックグラウンドタスク" in page
    assert "Tasks Database Backend" not in page and "TASKS DATABASE BACKEND" not in page
