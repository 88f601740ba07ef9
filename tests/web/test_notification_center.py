"""Who hears of what (comments, mentions in comments and notes, likes once, reviews, deals won, lost and
stalled, reminders of plans without a result and the manager's morning list) and the notification
centre: the list by kind, opening one marks it read, mark one or all read (htmx swaps the list and the
bell), the preferences page; one query for the bell and a constant number for the list."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, DealFactory, UserFactory
from tests.web.html import find_all, find_one
from totonou.activities import services
from totonou.activities.reminders import reminders_run
from totonou.deals.models import LossReason, Stage
from totonou.deals.services import deal_change_stage
from totonou.insights.stalled import stalled_alerts_send as deals_stalled_notify
from totonou.notifications.models import Notification, NotificationPreference, NotificationSettings
from totonou.notifications.personal import notification_record, notifications_purge

pytestmark = pytest.mark.django_db

TOKYO = datetime.timezone(datetime.timedelta(hours=9))
LIST = reverse("web:notifications")


def titles(user) -> list[tuple[str, str]]:
    return [
        (n.kind, n.text("title", "en")) for n in Notification.objects.filter(recipient=user).order_by("id")
    ]


def test_a_comment_tells_the_owner_and_the_mentioned_not_the_author(world):
    comment = services.comment_create(
        actor=world.manager, body=f"Good @{world.other_rep.username}", activity=world.key_activity
    )
    label = f"Key Mart · Visit · {timezone.localtime(world.key_activity.starts_at):%-m/%-d} · Key visit"
    assert titles(world.rep) == [("comment", f"{world.manager.display_name} commented on {label}")]
    assert titles(world.other_rep) == [("mention", f"{world.manager.display_name} mentioned you: {label}")]
    assert titles(world.manager) == []
    owner_note = Notification.objects.get(recipient=world.rep)
    assert owner_note.link == comment.get_absolute_url()
    assert owner_note.is_key is True
    assert owner_note.text("body", "en") == f"Good @{world.other_rep.username}"
    assert owner_note.text("title", "ja").startswith(f"{world.manager.display_name}さんがKey Mart · 訪問 · ")

    services.comment_create(actor=world.rep, body="Thanks", activity=world.key_activity)
    assert len(titles(world.rep)) == 1  # nobody hears of their own comment


def test_a_like_tells_the_owner_once_and_a_review_once(world):
    for _round in range(2):
        assert services.reaction_toggle(actor=world.manager, activity=world.plain_activity) is True
        assert services.reaction_toggle(actor=world.manager, activity=world.plain_activity) is False
    services.reaction_toggle(actor=world.rep, activity=world.plain_activity)  # own like: nothing
    services.activity_mark_reviewed(actor=world.manager, activity=world.plain_activity)
    services.activity_mark_reviewed(actor=world.manager, activity=world.plain_activity)
    kinds = [kind for kind, _title in titles(world.rep)]
    assert kinds == ["like", "review"]


def test_mentions_in_activity_notes_tell_each_new_name_once(world):
    services.activity_update(
        actor=world.rep, activity=world.plain_activity, notes=f"Ask @{world.manager.username}"
    )
    services.activity_update(
        actor=world.rep, activity=world.plain_activity, notes=f"Ask @{world.manager.username} again"
    )
    services.activity_complete(
        actor=world.rep,
        activity=world.plain_activity,
        notes=f"@{world.manager.username} @{world.other_rep.username}",
    )
    assert [kind for kind, _t in titles(world.manager)] == ["mention"]
    assert titles(world.other_rep)[0][1].startswith(
        f"{world.rep.display_name} mentioned you in the notes of "
    )


def test_a_deal_won_or_lost_by_someone_else_tells_the_owner(world):
    deal_change_stage(actor=world.manager, deal=world.deal, stage=Stage.objects.get(slug="won"))
    other = DealFactory(customer=world.customer, owner=world.rep, title="Autumn")
    deal_change_stage(
        actor=world.rep,
        deal=other,
        stage=Stage.objects.get(slug="lost"),
        loss_reason=LossReason.objects.first(),
    )  # the owner's own doing: nothing
    assert titles(world.rep) == [("deal", f"Your deal Spring fair was won (by {world.manager.display_name})")]


def test_a_stalled_deal_tells_the_owner_once(world):
    lead = Stage.objects.get(slug="lead")
    entered = timezone.now() - datetime.timedelta(days=lead.stagnation_days + 1)
    type(world.deal).objects.filter(pk=world.deal.pk).update(stage=lead, stage_entered_at=entered)
    assert deals_stalled_notify() == 1
    assert deals_stalled_notify() == 0
    ((kind, title),) = titles(world.rep)
    assert (kind, title) == (
        "deal",
        f"Your deal Spring fair has stalled: {lead.stagnation_days + 1} days in Lead",
    )


def test_a_plan_without_a_result_is_reminded_at_the_end_of_the_owners_day_once(world, settings):
    settings.TOTONOU_WORKDAY_END = "18:00"
    day = timezone.now().astimezone(TOKYO).date() - datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(10, 0), TOKYO)
    plan = ActivityFactory(owner=world.rep, customer=world.customer, subject="Forgotten", starts_at=start)
    done = ActivityFactory(
        owner=world.rep, customer=world.customer, starts_at=start, status="done", completed_at=start
    )
    before_end = datetime.datetime.combine(day, datetime.time(17, 59), TOKYO)
    at_end = datetime.datetime.combine(day, datetime.time(18, 0), TOKYO)

    reminders_run(now=before_end)
    assert titles(world.rep) == []
    reminders_run(now=at_end)
    reminders_run(now=at_end + datetime.timedelta(hours=1))
    ((kind, title),) = titles(world.rep)
    assert kind == "reminder" and title.endswith(" · Forgotten") and "without a result" in title
    assert Notification.objects.get().link == plan.get_absolute_url()
    assert done.pk  # a result is never reminded


def test_the_manager_gets_the_list_of_the_teams_plans_without_a_result_in_the_morning(world, settings):
    settings.TOTONOU_WORKDAY_START = "08:30"
    today = timezone.now().astimezone(TOKYO).date()
    start = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(10, 0), TOKYO)
    ActivityFactory(owner=world.rep, customer=world.customer, subject="Open one", starts_at=start)
    ActivityFactory(owner=world.other_rep, customer=world.key_customer, subject="Open two", starts_at=start)
    early = datetime.datetime.combine(today, datetime.time(8, 29), TOKYO)
    morning = datetime.datetime.combine(today, datetime.time(8, 30), TOKYO)

    from totonou.activities.reminders import morning_lists_send

    assert morning_lists_send(now=early) == 0
    assert morning_lists_send(now=morning) == 1
    assert morning_lists_send(now=morning + datetime.timedelta(hours=2)) == 0  # once a morning
    note = Notification.objects.get(recipient=world.manager)
    assert note.text("title", "en") == "2 plans of your team ended without a result"
    assert note.text("title", "ja") == "チームの2件の予定が結果未入力のまま終わっています"
    body = note.text("body", "en")
    assert "Open one" in body and "Open two" in body and world.rep.display_name in body
    assert note.is_key is True


def test_old_notifications_are_purged_after_90_days(world):
    old = notification_record(recipient=world.rep, kind="reminder", title="Old")
    new = notification_record(recipient=world.rep, kind="reminder", title="New")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=91))
    assert notifications_purge() == 1
    assert list(Notification.objects.values_list("pk", flat=True)) == [new.pk]


# --- The notification centre ------------------------------------------------------------------------


def some(world, count: int = 3) -> list[Notification]:
    return [
        notification_record(
            recipient=world.rep,
            kind="mention" if index % 2 == 0 else "like",
            title=f"Item {index}",
            link=world.key_activity.get_absolute_url(),
            is_key=index == 0,
        )
        for index in range(count)
    ]


def test_the_list_shows_mine_newest_first_by_kind(world, client_for):
    items = some(world)
    notification_record(recipient=world.other_rep, kind="mention", title="Not for rep")
    html = client_for(world.rep).get(LIST).content.decode()
    shown = find_all(html, "class", "mention-item notification-item is-unread")
    assert [int(item.attrs["data-notification"]) for item in shown] == [n.pk for n in reversed(items)]
    assert "Not for rep" not in html
    assert "★" in shown[-1].text and 'class="is-key"' in shown[-1].html
    bell = find_one(html, "id", "notification-bell")
    assert bell.attrs["aria-label"] == "Notifications: 3 unread"

    mentions = client_for(world.rep).get(LIST + "?kind=mention").content.decode()
    assert [
        i.attrs["data-kind"] for i in find_all(mentions, "class", "mention-item notification-item is-unread")
    ] == [
        "mention",
        "mention",
    ]


def test_opening_one_marks_it_read_and_goes_to_its_record(world, client_for):
    first, *_rest = some(world)
    client = client_for(world.rep)
    response = client.get(reverse("web:notification_open", args=[first.pk]))
    assert (response.status_code, response["Location"]) == (302, world.key_activity.get_absolute_url())
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    # someone else's notification: 404, nothing changed
    other = notification_record(recipient=world.other_rep, kind="mention", title="x")
    assert client.get(reverse("web:notification_open", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_one_and_all_read_with_htmx_swaps_the_list_and_the_bell(world, client_for):
    items = some(world)
    other = notification_record(recipient=world.other_rep, kind="mention", title="x")
    client = client_for(world.rep)
    response = client.post(
        reverse("web:notifications_read"), {"ids": [items[1].pk, other.pk]}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert len(find_all(html, "class", "mention-item notification-item is-unread")) == 2
    bell = find_one(html, "id", "notification-bell")
    assert bell.attrs["hx-swap-oob"] == "true" and bell.attrs["aria-label"] == "Notifications: 2 unread"
    other.refresh_from_db()
    assert other.read_at is None  # not the user's: untouched

    response = client.post(reverse("web:notifications_read"), {"all": "1"})
    assert (response.status_code, response["Location"]) == (302, LIST)
    assert not Notification.objects.filter(recipient=world.rep, read_at__isnull=True).exists()


def test_the_bell_is_one_query_and_the_list_a_constant_number(world, client_for):
    client = client_for(world.rep)
    some(world, 2)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    some(world, 25)
    assert queries() == few <= 6  # session, user, the bell, the page's count and rows


def test_the_preferences_page_saves_each_kind_the_digest_and_quiet_hours(world, client_for):
    client = client_for(world.rep)
    page = client.get(reverse("web:notification_preferences")).content.decode()
    assert "Mentions of me" in page and "In the app and by email" in page
    data = {f"kind_{kind}": "in_app" for kind in ("mention", "comment", "review", "like", "deal", "reminder")}
    data.update(kind_like="none", digest="on", digest_time="07:30", quiet_start="22:00", quiet_end="07:00")
    response = client.post(reverse("web:notification_preferences"), data)
    assert response.status_code == 302
    assert (
        dict(NotificationPreference.objects.filter(user=world.rep).values_list("kind", "channels"))["like"]
        == "none"
    )
    row = NotificationSettings.objects.get(user=world.rep)
    assert (row.digest, row.digest_time, row.quiet_start, row.quiet_end) == (
        True,
        datetime.time(7, 30),
        datetime.time(22, 0),
        datetime.time(7, 0),
    )
    services.reaction_toggle(actor=world.manager, activity=world.plain_activity)
    assert not Notification.objects.filter(recipient=world.rep).exists()  # likes: not at all

    bad = client.post(reverse("web:notification_preferences"), {**data, "quiet_end": ""})
    assert bad.status_code == 400
    row.refresh_from_db()
    assert row.quiet_end == datetime.time(7, 0)  # nothing changed


def test_the_mentions_page_still_works_and_reads_the_bells_mentions(world, client_for):
    services.comment_create(
        actor=world.manager, body=f"@{world.rep.username} look", activity=world.plain_activity
    )
    client = client_for(world.rep)
    assert client.get(reverse("activities:mentions")).status_code == 200
    assert Notification.objects.get(recipient=world.rep, kind="mention").read_at is not None


def test_an_inactive_recipient_or_unknown_kind(world):
    ghost = UserFactory(username="ghost", is_active=False)
    assert notification_record(recipient=ghost, kind="mention", title="x") is None
    with pytest.raises(ValueError):
        notification_record(recipient=world.rep, kind="deal.won", title="x")


def test_plans_that_ended_long_ago_are_not_reminded(world, settings):
    settings.TOTONOU_WORKDAY_END = "18:00"
    # A fixed clock before the world's plans of today end, so the hour the suite runs at does not matter.
    now = datetime.datetime.combine(timezone.now().astimezone(TOKYO).date(), datetime.time(11, 0), TOKYO)
    ActivityFactory(
        owner=world.rep, customer=world.customer, subject="Old", starts_at=now - datetime.timedelta(days=3)
    )
    ActivityFactory(
        owner=world.rep, customer=world.customer, subject="Recent", starts_at=now - datetime.timedelta(days=1)
    )
    reminders_run(now=now)
    ((kind, title),) = titles(world.rep)
    assert kind == "reminder" and title.endswith(" · Recent")
