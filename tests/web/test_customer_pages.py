"""The customer list (filters, sort by kana or by last contact, days since contact) and the customer
page (days since the last real contact in the viewer's time zone, next planned, timeline a page at a
time, a fixed number of queries)."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, SegmentFactory, activity_type
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from totonou.activities.models import Activity, Comment
from totonou.activities.services import activity_create
from totonou.customers.models import Customer

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def log_contact(rep, customer, start: datetime.datetime, slug: str = "visit") -> Activity:
    return activity_create(
        actor=rep,
        type=activity_type(slug),
        customer=customer,
        status="done",
        starts_at=start,
        ends_at=start + HOUR,
    )


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr class="[^"]*" data-customer="([0-9]+)"', html)]


# --- The list --------------------------------------------------------------------------------------------


@pytest.fixture
def shelf(team_a):
    """Five customers of the rep with kana names and last contacts; one of a colleague."""
    _team, _manager, (rep, other_rep) = team_a
    segment = SegmentFactory(name="Shops")
    other_segment = SegmentFactory(name="Chains")

    def customer(kana: str, **kwargs) -> Customer:
        kwargs.setdefault("owner", rep)
        kwargs.setdefault("segment", segment)
        return CustomerFactory(name=f"Shop {kana}", name_kana=kana, **kwargs)

    shops = {
        "a": customer("あ", is_key=True),  # never contacted
        "ka": customer("か"),
        "sa": customer("さ", is_key=True),
        "ta": customer("た"),  # never contacted
        "na": customer("な", segment=other_segment),
        "colleague": customer("は", owner=other_rep),
    }
    log_contact(rep, shops["ka"], local_noon(-3))
    log_contact(rep, shops["sa"], local_noon(-40))
    log_contact(rep, shops["na"], local_noon(-10))
    log_contact(rep, shops["na"], local_noon(-1), slug="email")  # not a real contact
    log_contact(other_rep, shops["colleague"], local_noon(-100))
    return rep, shops


def test_the_list_is_by_kana_by_default(shelf, client_for):
    rep, shops = shelf
    html = client_for(rep).get(reverse("customers:customer_list")).content.decode()
    assert listed(html) == [shops[name].pk for name in ("a", "ka", "sa", "ta", "na", "colleague")]


def test_sort_by_last_contact_puts_never_contacted_first_then_the_oldest(shelf, client_for):
    rep, shops = shelf
    html = client_for(rep).get(reverse("customers:customer_list"), {"sort": "last_contact"}).content.decode()
    assert listed(html) == [shops[name].pk for name in ("a", "ta", "colleague", "sa", "na", "ka")]
    assert '<option value="last_contact" selected>' in html
    assert "longest without contact first" in html


def test_sort_combines_with_the_filters(shelf, client_for):
    rep, shops = shelf
    client = client_for(rep)
    mine = client.get(
        reverse("customers:customer_list"), {"sort": "last_contact", "owner": rep.pk}
    ).content.decode()
    assert listed(mine) == [shops[name].pk for name in ("a", "ta", "sa", "na", "ka")]
    key = client.get(
        reverse("customers:customer_list"), {"sort": "last_contact", "is_key": "true"}
    ).content.decode()
    assert listed(key) == [shops["a"].pk, shops["sa"].pk]
    segment = shops["na"].segment_id
    chains = client.get(reverse("customers:customer_list"), {"segment": segment}).content.decode()
    assert listed(chains) == [shops["na"].pk]


def test_an_unknown_sort_is_a_field_error_and_the_default_order(shelf, client_for):
    rep, shops = shelf
    response = client_for(rep).get(reverse("customers:customer_list"), {"sort": "revenue"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<code>sort</code>" in html
    assert listed(html)[0] == shops["a"].pk


def test_the_list_shows_the_last_contact_date_and_days(shelf, client_for):
    rep, shops = shelf
    html = client_for(rep).get(reverse("customers:customer_list")).content.decode()
    ka = find_one(html, "data-customer", str(shops["ka"].pk))
    assert local_noon(-3).strftime("%Y/%m/%d") in ka.text
    assert "3 days ago" in ka.text
    assert find_one(ka.html, "class", "last-contact").attrs["data-days"] == "3"
    never = find_one(html, "data-customer", str(shops["a"].pk))
    assert "Never contacted" in never.text
    assert "★" in never.text


def test_the_api_sorts_the_same_way(shelf, api_client):
    rep, shops = shelf
    response = api_client(rep).get("/api/v1/customers", {"sort": "last_contact", "owner": rep.pk})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [
        shops[name].pk for name in ("a", "ta", "sa", "na", "ka")
    ]


# --- The page --------------------------------------------------------------------------------------------


def test_days_since_the_last_real_contact_and_who_made_it(world, client_for):
    log_contact(world.other_rep, world.customer, local_noon(-5))
    log_contact(world.rep, world.customer, local_noon(-1), slug="email")  # not a real contact
    html = client_for(world.rep).get(world.customer.get_absolute_url()).content.decode()
    fact = find_one(html, "data-fact", "last-contact")
    assert "5 days ago" in fact.text
    assert f"by {world.other_rep}" in fact.text
    assert local_noon(-5).strftime("%Y/%m/%d") in fact.text
    assert "Contact threshold: 30 days" in fact.text
    assert "Past the threshold" not in fact.text


def test_a_never_contacted_key_customer_is_past_its_threshold(world, client_for):
    html = client_for(world.rep).get(world.key_customer.get_absolute_url()).content.decode()
    fact = find_one(html, "data-fact", "last-contact")
    assert "Never contacted" in fact.text
    assert "Contact threshold: 14 days" in fact.text  # the segment's key cadence
    assert "Past the threshold" in fact.text


def test_days_since_contact_are_counted_in_the_viewers_time_zone(world, client_for):
    """The same contact can be N days ago in Tokyo and N ± 1 in London: each viewer sees their own."""
    now = timezone.now()
    tokyo, london = zoneinfo.ZoneInfo("Asia/Tokyo"), zoneinfo.ZoneInfo("Europe/London")
    # Pick a contact time whose calendar day differs between the zones exactly when today's does not.
    same_today = now.astimezone(tokyo).date() == now.astimezone(london).date()
    hour = 0 if same_today else 12  # 00:30 Tokyo is the previous day in London; 12:30 is the same day
    day = now.astimezone(tokyo).date() - datetime.timedelta(days=6)
    moment = datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=tokyo)
    log_contact(world.rep, world.customer, moment)
    expected = {
        zone: (now.astimezone(zone).date() - moment.astimezone(zone).date()).days for zone in (tokyo, london)
    }
    assert expected[tokyo] != expected[london]
    world.other_rep.time_zone = "Europe/London"
    world.other_rep.save(update_fields=["time_zone"])
    for user, zone in ((world.rep, tokyo), (world.other_rep, london)):
        html = client_for(user).get(world.customer.get_absolute_url()).content.decode()
        assert f"{expected[zone]} days ago" in find_one(html, "data-fact", "last-contact").text


def test_the_next_planned_activity_is_the_earliest_plan_ahead(world, client_for):
    # A customer of its own: the world's visits are today at noon and 14:00, ahead or not by the clock.
    customer = CustomerFactory(owner=world.rep, name="Fresh Greens")
    ActivityFactory(owner=world.rep, customer=customer, starts_at=local_noon(-2))  # overdue, not ahead
    ActivityFactory(
        owner=world.rep,
        customer=customer,
        starts_at=local_noon(1),
        status=Activity.Status.CANCELLED,
        cancel_reason="x",
        cancelled_at=timezone.now(),
    )
    later = ActivityFactory(owner=world.rep, customer=customer, starts_at=local_noon(9))
    soonest = ActivityFactory(
        owner=world.other_rep, customer=customer, starts_at=local_noon(3), subject="Tasting"
    )
    html = client_for(world.rep).get(customer.get_absolute_url()).content.decode()
    fact = find_one(html, "data-fact", "next-planned")
    assert soonest.get_absolute_url() in fact.html
    assert later.get_absolute_url() not in fact.html
    assert "Tasting" in fact.text and str(world.other_rep) in fact.text
    assert local_noon(3).strftime("%Y/%m/%d") in fact.text


def test_nothing_planned_offers_to_plan_a_visit(world, client_for):
    customer = CustomerFactory(owner=world.rep)
    html = client_for(world.rep).get(customer.get_absolute_url()).content.decode()
    fact = find_one(html, "data-fact", "next-planned")
    assert "Nothing planned" in fact.text and "Plan a visit" in fact.text


def test_the_page_shows_contacts_deals_and_the_timeline_with_notes_and_comments(world, client_for):
    contact = ContactFactory(customer=world.key_customer, name="Tanaka", title="Buyer")
    done = ActivityFactory(
        owner=world.rep,
        customer=world.key_customer,
        starts_at=local_noon(-4),
        status=Activity.Status.DONE,
        completed_at=timezone.now(),
        notes="Agreed on a shelf test",
    )
    Comment.objects.create(author=world.manager, body="Nice", activity=done)
    Comment.objects.create(author=world.manager, body="Follow up", activity=done)
    html = client_for(world.rep).get(world.key_customer.get_absolute_url()).content.decode()
    assert "Tanaka" in find_one(html, "id", f"contact-{contact.pk}").text
    assert world.deal.get_absolute_url() in html
    timeline = find_one(html, "class", "timeline").html
    entries = [int(pk) for pk in re.findall(r'data-timeline="([0-9]+)"', timeline)]
    if world.key_activity.starts_at >= timezone.now():  # today's plan is still ahead: listed above
        assert entries == [done.pk]
    else:  # newest first: today's plan (now waiting for its result), then the result
        assert entries == [world.key_activity.pk, done.pk]
        assert "comments" not in find_one(timeline, "data-timeline", str(world.key_activity.pk)).text
    entry = find_one(timeline, "data-timeline", str(done.pk))
    assert "Agreed on a shelf test" in entry.text
    assert "2 comments" in entry.text


def test_plans_ahead_come_first_then_the_history_newest_first(world, client_for):
    """A key customer's page: the plans ahead soonest first (at most five, "more follow"), then the
    history newest first (an overdue plan is history); rows name neither the customer nor ★ (the page
    does, once) and carry no key border."""
    customer = CustomerFactory(owner=world.rep, name="Key Foods", is_key=True)
    ahead = [
        ActivityFactory(
            owner=world.rep, customer=customer, starts_at=local_noon(days), subject=f"Plan {days}"
        )
        for days in (9, 2, 5, 3, 7, 8)
    ]
    overdue = ActivityFactory(owner=world.rep, customer=customer, starts_at=local_noon(-2))
    done = ActivityFactory(
        owner=world.rep,
        customer=customer,
        starts_at=local_noon(-5),
        status=Activity.Status.DONE,
        completed_at=timezone.now(),
        subject="Tasting",
    )
    html = client_for(world.rep).get(customer.get_absolute_url()).content.decode()
    upcoming = find_one(html, "class", "activity-list timeline__ahead").html
    by_start = sorted(ahead, key=lambda activity: activity.starts_at)
    listed = [int(pk) for pk in re.findall(r'data-activity="([0-9]+)"', upcoming)]
    assert listed == [activity.pk for activity in by_start[:5]]
    assert "More plans follow." in html
    timeline = find_one(html, "class", "timeline").html
    assert [int(pk) for pk in re.findall(r'data-timeline="([0-9]+)"', timeline)] == [overdue.pk, done.pk]
    for rows in (upcoming, timeline):
        assert "Key Foods" not in rows
        assert "is-key" not in rows and "key-marker" not in rows
    assert ">Tasting</a>" in timeline


def ahead(activity: Activity) -> bool:
    """Whether ``activity`` (planned) is still ahead: listed above the history, not in it."""
    return activity.starts_at >= timezone.now()


def test_a_long_timeline_shows_a_page_and_show_more_appends_the_next(world, client_for):
    activities = [
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(-index - 1))
        for index in range(45)
    ]
    client = client_for(world.rep)
    html = client.get(world.customer.get_absolute_url()).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-timeline="([0-9]+)"', html)]
    # The world's visit today is history once it has started, a plan ahead before.
    today = [] if ahead(world.plain_activity) else [world.plain_activity.pk]
    newest_first = today + [activity.pk for activity in activities]
    assert shown == newest_first[:20]
    more = find_one(html, "id", "timeline-more")
    assert f"20 of {len(newest_first)} shown" in more.text
    response = client.get(
        world.customer.get_absolute_url(),
        {"page": 2},
        headers={"HX-Request": "true", "HX-Target": "timeline-more"},
    )
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<li class="timeline__entry"')
    assert "<html" not in fragment
    assert [int(pk) for pk in re.findall(r'data-timeline="([0-9]+)"', fragment)] == newest_first[20:40]
    assert f"40 of {len(newest_first)} shown" in find_one(fragment, "id", "timeline-more").text
    last = client.get(
        world.customer.get_absolute_url(),
        {"page": 3},
        headers={"HX-Request": "true", "HX-Target": "timeline-more"},
    ).content.decode()
    assert [int(pk) for pk in re.findall(r'data-timeline="([0-9]+)"', last)] == newest_first[40:]
    assert 'id="timeline-more"' not in last


def test_without_javascript_show_more_is_the_next_page(world, client_for):
    for index in range(25):
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(-index - 1))
    html = client_for(world.rep).get(world.customer.get_absolute_url(), {"page": 2}).content.decode()
    assert len(find_all(html, "class", "timeline__entry")) == (5 if ahead(world.plain_activity) else 6)
    assert "Back to the newest activities" in html


def test_a_key_customers_page_marks_the_customer_once_not_each_activity(world, client_for):
    html = client_for(world.rep).get(world.key_customer.get_absolute_url()).content.decode()
    item = find_one(html, "data-activity", str(world.key_activity.pk))
    assert "is-key" not in item.classes and "★" not in item.text and "Key Mart" not in item.text
    assert "★" in html[html.index("<h1") : html.index("</h1>")]


# --- Query budgets: the same with 10 and with 100 activities ------------------------------------------------


def add_timeline(world, count: int) -> None:
    """``count`` activities at the key customer and on its deal, with contacts and comments."""
    for index in range(count):
        activity = ActivityFactory(
            owner=world.rep if index % 2 else world.other_rep,
            customer=world.key_customer,
            deal=world.deal,
            starts_at=local_noon(-index % 60) + datetime.timedelta(minutes=index),
            status=Activity.Status.DONE if index % 3 else Activity.Status.PLANNED,
            completed_at=timezone.now() if index % 3 else None,
        )
        activity.contacts.set([ContactFactory(customer=world.key_customer)])
        if index % 4 == 0:
            Comment.objects.create(author=world.manager, body="ok", activity=activity)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_customer_page_queries_do_not_grow_with_the_timeline(world, client_for):
    client = client_for(world.rep)
    url = world.key_customer.get_absolute_url()
    add_timeline(world, 9)  # with the world's key activity: 10
    with_10 = queries(client, url)
    add_timeline(world, 90)  # 100
    with_100 = queries(client, url)
    assert with_10 == with_100, f"{with_10} queries with 10 activities, {with_100} with 100"
    html = client.get(url).content.decode()
    assert '<span class="count">100</span>' in html
    assert len(find_all(html, "class", "timeline__entry")) == 20
