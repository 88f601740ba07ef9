"""Managers act inside their teams (issue 19, item 5), on the pages.

The channel settings pages and the delivery log show and change a team's channels for that team's
managers and admins only: another team's manager finds nothing (404, the webhook URL never shown) and
changes nothing; reps get 403. The team picker offers the teams one may give a channel to (and "All"
only where managers change what every team shares). The shared lists' pages follow
TOTONOU_MANAGERS_EDIT_REFERENCE_DATA for every write, under both values. Reviews: the author's managers
and admins, never one's own activity or report. (Strategies have no page of their own: the API and the
admin, which is for admins; the targets grid's matrix is in tests/targets/test_pages.py.)
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.notifications.receivers import Receiver
from totonou.activities.models import Activity, ActivityType
from totonou.activities.services import activity_type_create
from totonou.core.models import AuditEntry
from totonou.customers.models import Segment
from totonou.customers.services import segment_create
from totonou.deals.models import LossReason, Stage
from totonou.deals.services import loss_reason_create, stage_create
from totonou.integrations.services import channel_create
from totonou.notifications.models import Channel, Delivery, Event
from totonou.notifications.services import deliveries_create
from totonou.reports.models import WeeklyReport
from totonou.reports.services import weekly_report_start, weekly_report_submit

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "other_manager", "admin"]


@pytest.fixture
def who(team_a, team_b, admin_user):
    _team, manager, (rep, other_rep) = team_a
    _team_b, other_manager, _reps_b = team_b
    return {
        "rep": rep,
        "other_rep": other_rep,
        "manager": manager,
        "other_manager": other_manager,
        "admin": admin_user,
    }


@pytest.fixture
def receiver(settings):
    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = True
    started = Receiver().start()
    yield started
    started.stop()


def state() -> dict[str, object]:
    return {
        "channels": list(Channel.objects.order_by("pk").values()),
        "deliveries": list(Delivery.objects.order_by("pk").values()),
        "events": Event.objects.count(),
        "segments": list(Segment.objects.order_by("pk").values()),
        "stages": list(Stage.objects.order_by("pk").values()),
        "reasons": list(LossReason.objects.order_by("pk").values()),
        "types": list(ActivityType.objects.order_by("pk").values()),
        "activities": list(Activity.objects.order_by("pk").values("pk", "reviewed_by", "reviewed_at")),
        "reports": list(WeeklyReport.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
    }


def channel_form(url: str, **fields) -> dict[str, object]:
    return {
        "name": "#team-a",
        "kind": "slack",
        "url": url,
        "language": "en",
        "events": ["comment.created"],
        "digest_time": "08:30",
        "time_zone": "Asia/Tokyo",
        "enabled": "on",
        **fields,
    }


# --- Channels and the delivery log -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_teams_channel_pages_stay_in_the_team(who, team_a, client_for, receiver, role):
    team = team_a[0]
    secret_url = receiver.url + "/services/T0/B0/team-a-secret"
    channel = channel_create(
        actor=who["admin"],
        name="#team-a",
        kind="slack",
        url=secret_url,
        team_id=team.pk,
        events=["comment.created"],
    )
    event = Event.objects.create(name="comment.created", payload={}, context={"web_url": ""})
    (delivery,) = deliveries_create(event, [channel])
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.DEAD, attempt_count=8)
    client = client_for(who[role])
    before = state()
    pages = {
        "list": client.get(reverse("notifications:channel_list")),
        "edit": client.get(reverse("notifications:channel_edit", args=[channel.pk])),
        "save": client.post(
            reverse("notifications:channel_edit", args=[channel.pk]),
            channel_form(receiver.url + "/evil", name="乗っ取り", team=team.pk),
        ),
        "deliveries": client.get(reverse("notifications:delivery_list")),
        "retry": client.post(reverse("notifications:delivery_retry", args=[delivery.pk])),
        "test": client.post(reverse("notifications:channel_test", args=[channel.pk])),
    }
    if role == "rep":
        assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 403)
        assert client.post(reverse("notifications:channel_delete", args=[channel.pk])).status_code == 403
        assert state() == before and receiver.requests == []
        return
    if role == "other_manager":
        assert {name: page.status_code for name, page in pages.items()} == {
            "list": 200,
            "edit": 404,
            "save": 404,
            "deliveries": 200,
            "retry": 404,
            "test": 404,
        }
        for page in pages.values():
            content = page.content.decode()
            assert "team-a-secret" not in content and "#team-a" not in content
        assert client.post(reverse("notifications:channel_delete", args=[channel.pk])).status_code == 404
        assert state() == before and receiver.requests == []
        return
    assert pages["list"].status_code == 200 and "#team-a" in pages["list"].content.decode()
    assert pages["edit"].status_code == 200 and secret_url in pages["edit"].content.decode()
    assert pages["save"].status_code == 302, pages["save"].content.decode()
    assert f'value="{channel.pk}"' in pages["deliveries"].content.decode()  # the channel filter offers it
    assert pages["retry"].status_code == 302 and pages["test"].status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.url) == ("乗っ取り", receiver.url + "/evil")
    assert client.post(reverse("notifications:channel_delete", args=[channel.pk])).status_code == 302
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_the_team_picker_offers_the_managers_teams_only(who, team_a, team_b, client_for, receiver, settings):
    client = client_for(who["manager"])
    form = client.get(reverse("notifications:channel_create")).context["form"]
    assert [(str(value), label) for value, label in form.fields["team"].choices] == [
        ("", "All"),
        (str(team_a[0].pk), "Team A"),
    ]
    before = state()
    response = client.post(
        reverse("notifications:channel_create"), channel_form(receiver.url + "/b", team=team_b[0].pk)
    )
    assert response.status_code == 400 and "team" in response.context["form"].errors
    assert state() == before
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = False
    form = client.get(reverse("notifications:channel_create")).context["form"]
    assert [(str(value), label) for value, label in form.fields["team"].choices] == [
        (str(team_a[0].pk), "Team A")
    ]
    response = client.post(reverse("notifications:channel_create"), channel_form(receiver.url + "/all"))
    assert response.status_code == 400 and "team" in response.context["form"].errors
    assert state() == before
    admin_form = client_for(who["admin"]).get(reverse("notifications:channel_create")).context["form"]
    assert [label for _value, label in admin_form.fields["team"].choices] == ["All", "Team A", "Team B"]


@pytest.mark.parametrize("managers_edit", [True, False])
def test_a_channel_for_every_team_follows_the_setting_on_the_pages(
    who, client_for, receiver, settings, managers_edit
):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = managers_edit
    channel = channel_create(
        actor=who["admin"],
        name="#all",
        kind="slack",
        url=receiver.url + "/all-secret",
        events=["comment.created"],
    )
    client = client_for(who["manager"])
    before = state()
    listed = client.get(reverse("notifications:channel_list")).content.decode()
    saved = client.post(
        reverse("notifications:channel_edit", args=[channel.pk]),
        channel_form(receiver.url + "/x", name="改名"),
    )
    if not managers_edit:
        assert "all-secret" not in listed and saved.status_code == 404
        assert state() == before
        return
    assert "#all" in listed and saved.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "改名"


# --- Shared lists: every write, both values of the setting -------------------------------------------------

REFERENCE = {
    "segment": (
        {
            "name": "Drugstores",
            "color": "#6b7280",
            "cadence_days": 21,
            "key_cadence_days": 7,
            "sort_order": 3,
        },
        lambda admin: segment_create(actor=admin, name="Supermarkets", cadence_days=30),
    ),
    "stage": (
        {
            "name_ja": "試用",
            "name_en": "Trial",
            "order": 25,
            "probability": 40,
            "stagnation_days": 20,
            "kind": "open",
            "is_active": "on",
        },
        lambda admin: stage_create(
            actor=admin, name_ja="検証", name_en="Check", order=26, probability=30, stagnation_days=10
        ),
    ),
    "loss_reason": (
        {"name_ja": "時期尚早", "name_en": "Too early", "order": 9, "is_active": "on"},
        lambda admin: loss_reason_create(actor=admin, name_ja="予算", name_en="Budget", order=10),
    ),
    "activity_type": (
        {
            "name_ja": "展示会",
            "name_en": "Trade fair",
            "counts_as_contact": "on",
            "is_face_to_face": "on",
            "is_customer_facing": "on",
            "order": 50,
            "is_active": "on",
        },
        lambda admin: activity_type_create(actor=admin, name_ja="セミナー", name_en="Seminar"),
    ),
}


RENAMED = {"name": "Renamed", "name_ja": "改名", "name_en": "Renamed", "order": 77, "sort_order": 77}


@pytest.mark.parametrize("kind", list(REFERENCE))
@pytest.mark.parametrize("managers_edit", [True, False])
@pytest.mark.parametrize("role", ROLES)
def test_every_write_to_a_shared_list_follows_the_setting(
    who, client_for, settings, kind, managers_edit, role
):
    settings.TOTONOU_MANAGERS_EDIT_REFERENCE_DATA = managers_edit
    data, make = REFERENCE[kind]
    existing = make(who["admin"])
    allowed = role == "admin" or (managers_edit and role in {"manager", "other_manager"})
    client = client_for(who[role])
    before = state()
    responses = [
        client.get(reverse(f"setup:{kind}_list")),
        client.get(reverse(f"setup:{kind}_edit", args=[existing.pk])),
        client.post(reverse(f"setup:{kind}_create"), data),
        client.post(reverse(f"setup:{kind}_edit", args=[existing.pk]), {**data, **RENAMED}),
        client.post(reverse(f"setup:{kind}_delete", args=[existing.pk])),
    ]
    if not allowed:
        assert [response.status_code for response in responses] == [403] * 5
        assert state() == before
        return
    assert [response.status_code for response in responses] == [200, 200, 302, 302, 302], [
        response.content.decode()[:300] for response in responses
    ]
    assert not type(existing).objects.filter(pk=existing.pk).exists()


# --- Reviews: the author's managers and admins, never oneself -----------------------------------------------


def submitted_report(author) -> WeeklyReport:
    report, _created = weekly_report_start(actor=author, week="2026-W49")
    return weekly_report_submit(actor=author, report=report)


@pytest.mark.parametrize(
    ("role", "status"), [("rep", 403), ("manager", 302), ("other_manager", 404), ("admin", 302)]
)
def test_reviewing_a_weekly_report_on_its_page(who, client_for, role, status):
    report = submitted_report(who["other_rep"])
    client = client_for(who[role])
    before = state()
    response = client.post(reverse("reports:review", args=[report.pk]))
    assert response.status_code == status
    report.refresh_from_db()
    if status == 302:
        assert (report.status, report.reviewed_by_id) == ("reviewed", who[role].pk)
    else:
        assert state() == before


def test_a_manager_cannot_review_their_own_weekly_report(who, client_for):
    report = submitted_report(who["manager"])
    client = client_for(who["manager"])
    before = state()
    assert client.post(reverse("reports:review", args=[report.pk])).status_code == 403
    assert state() == before


def test_a_manager_cannot_mark_their_own_activity_reviewed_on_the_pages(who, client_for):
    manager, rep = who["manager"], who["rep"]
    start = timezone.now() - datetime.timedelta(hours=2)
    own = Activity.objects.create(
        owner=manager,
        type=ActivityType.objects.get(slug="visit"),
        customer=CustomerFactory(owner=manager),
        status=Activity.Status.DONE,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        completed_at=start + datetime.timedelta(hours=1),
        subject="自分の訪問",
    )
    members = Activity.objects.create(
        owner=rep,
        type=ActivityType.objects.get(slug="visit"),
        customer=CustomerFactory(owner=rep),
        status=Activity.Status.DONE,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        completed_at=start + datetime.timedelta(hours=1),
        subject="部下の訪問",
    )
    client = client_for(manager)
    own_page = client.get(reverse("activities:activity_detail", args=[own.pk])).content.decode()
    assert reverse("activities:activity_review", args=[own.pk]) not in own_page
    member_page = client.get(reverse("activities:activity_detail", args=[members.pk])).content.decode()
    assert reverse("activities:activity_review", args=[members.pk]) in member_page
    before = state()
    assert client.post(reverse("activities:activity_review", args=[own.pk])).status_code == 403
    assert state() == before
    assert client.post(reverse("activities:activity_review", args=[members.pk])).status_code == 302
    members.refresh_from_db()
    assert members.reviewed_by_id == manager.pk
