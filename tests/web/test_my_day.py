"""My day beyond the basics: key customers past their contact threshold, a manager opening a member's
day, the review list, and turning a plan into a result in one step (htmx and without JavaScript)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory, UserFactory, activity_type
from tests.web.conftest import local_noon
from tests.web.html import find_all, find_one
from totonou.activities.models import Activity, ActivityEvent
from totonou.activities.services import activity_create
from totonou.customers.models import Customer
from totonou.users.models import User
from totonou.web.views.home import plan_visit_url

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def section(html: str, title_id: str) -> str:
    """The HTML of the ``<section>`` labelled by ``title_id``."""
    return find_one(html, "aria-labelledby", title_id).html


def contact(rep: User, customer: Customer, days_ago: int, *, slug: str = "visit") -> Activity:
    """A done activity ``days_ago`` days ago at local noon, through the service (which keeps
    ``last_contact_at`` in step)."""
    start = local_noon(-days_ago)
    return activity_create(
        actor=rep,
        type=activity_type(slug),
        customer=customer,
        status="done",
        starts_at=start,
        ends_at=start + HOUR,
    )


# --- Key customers going cold --------------------------------------------------------------------------


@pytest.fixture
def key_customers(team_a, settings):
    """A hand-built set: which of the rep's key customers are past their threshold today."""
    settings.TOTONOU_DEFAULT_CADENCE_DAYS = 30
    _team, _manager, (rep, other_rep) = team_a
    shops = SegmentFactory(name="Shops", cadence_days=30, key_cadence_days=14)
    chains = SegmentFactory(name="Chains", cadence_days=60, key_cadence_days=7)

    def key(name: str, kana: str, **kwargs) -> Customer:
        kwargs.setdefault("segment", shops)
        kwargs.setdefault("owner", rep)
        kwargs.setdefault("is_key", True)
        return CustomerFactory(name=name, name_kana=kana, **kwargs)

    customers = {
        "never": key("Never Mart", "ネバー"),
        "never_b": key("Another Never", "アナザー"),
        "at_14": key("Fourteen", "フォーティーン"),
        "at_13": key("Thirteen", "サーティーン"),
        "override_5_at_6": key("Override Five", "オーバーファイブ", cadence_days=5),
        "override_60_at_20": key("Override Sixty", "オーバーシックスティ", cadence_days=60),
        "chain_at_7": key("Chain Seven", "チェーンセブン", segment=chains),
        "chain_at_6": key("Chain Six", "チェーンシックス", segment=chains),
        "no_segment_at_30": key("Default Thirty", "デフォルトサーティ", segment=None),
        "no_segment_at_29": key("Default TwentyNine", "デフォルトニジュウク", segment=None),
        "emailed_only": key("Emailed Only", "メールオンリー"),
        # never listed: inactive, not key (even if cold), someone else's
        "inactive": key("Closed Shop", "クローズド", status=Customer.Status.INACTIVE),
        "not_key": key("Plain Never", "プレーン", is_key=False),
        "not_key_cold": key("Plain Cold", "プレーンコールド", is_key=False),
        "colleague": key("Colleague Key", "コリーグ", owner=other_rep),
    }
    contact(rep, customers["at_14"], 14)
    contact(rep, customers["at_13"], 13)
    contact(rep, customers["override_5_at_6"], 6)
    contact(rep, customers["override_60_at_20"], 20)
    contact(rep, customers["chain_at_7"], 7)
    contact(rep, customers["chain_at_6"], 6)
    contact(rep, customers["no_segment_at_30"], 30)
    contact(rep, customers["no_segment_at_29"], 29)
    contact(rep, customers["emailed_only"], 40)
    contact(rep, customers["emailed_only"], 1, slug="email")  # not a real contact: the clock runs on
    contact(rep, customers["not_key_cold"], 90)
    return rep, customers


def test_key_customers_past_their_threshold_exactly_never_contacted_first(key_customers, client_for):
    rep, customers = key_customers
    html = section(client_for(rep).get(reverse("web:home")).content.decode(), "key-due-title")
    listed = [int(item.attrs["data-customer"]) for item in find_all(html, "class", "due is-key")]
    expected = [
        "never_b",
        "never",
        "emailed_only",
        "no_segment_at_30",
        "at_14",
        "chain_at_7",
        "override_5_at_6",
    ]
    assert listed == [customers[name].pk for name in expected]
    assert '<span class="count">7</span>' in html


def test_past_eight_key_customers_the_first_eight_are_listed_and_all_counted(key_customers, client_for):
    rep, customers = key_customers
    extra = [
        CustomerFactory(name=f"Cold {index}", name_kana=f"コールド{index}", owner=rep, is_key=True)
        for index in range(3)
    ]
    for index, customer in enumerate(extra):
        contact(rep, customer, 100 + index)  # colder than every hand-built one
    html = section(client_for(rep).get(reverse("web:home")).content.decode(), "key-due-title")
    listed = [int(item.attrs["data-customer"]) for item in find_all(html, "class", "due is-key")]
    coldest = ["never_b", "never"]
    assert listed == [
        *(customers[name].pk for name in coldest),
        extra[2].pk,
        extra[1].pk,
        extra[0].pk,
        customers["emailed_only"].pk,
        customers["no_segment_at_30"].pk,
        customers["at_14"].pk,
    ]
    assert '<span class="count">10</span>' in html
    assert "See all 10 key customers by last contact" in html


def test_each_key_customer_shows_days_since_contact_threshold_and_one_click_plan(key_customers, client_for):
    rep, customers = key_customers
    html = section(client_for(rep).get(reverse("web:home")).content.decode(), "key-due-title")
    never = find_one(html, "data-customer", str(customers["never"].pk))
    assert "Never contacted" in never.text
    assert "threshold 14 days" in never.text
    override = find_one(html, "data-customer", str(customers["override_5_at_6"].pk))
    assert "6 days since contact" in override.text
    assert "threshold 5 days" in override.text
    chain = find_one(html, "data-customer", str(customers["chain_at_7"].pk))
    assert "7 days since contact" in chain.text
    assert "threshold 7 days" in chain.text
    url = plan_visit_url(customer_id=customers["at_14"].pk)
    assert "mode=plan" in url and f"customer={customers['at_14'].pk}" in url
    plan_link = find_one(html, "href", url)
    assert "Plan a visit" in plan_link.text
    assert "★" in find_one(html, "data-customer", str(customers["at_14"].pk)).text


def test_a_key_customer_with_a_planned_contact_shows_the_plan_instead_of_the_button(
    key_customers, client_for
):
    rep, customers = key_customers
    plan = ActivityFactory(owner=rep, customer=customers["never"], starts_at=local_noon(2))
    ActivityFactory(
        owner=rep, customer=customers["at_14"], starts_at=local_noon(3), type=activity_type("internal")
    )
    html = section(client_for(rep).get(reverse("web:home")).content.decode(), "key-due-title")
    never = find_one(html, "data-customer", str(customers["never"].pk))
    assert plan.get_absolute_url() in never.html
    assert "Planned" in never.text and "Plan a visit" not in never.text
    # Internal work is not a contact, so the customer still needs a plan.
    assert "Plan a visit" in find_one(html, "data-customer", str(customers["at_14"].pk)).text


def test_the_plan_link_falls_back_to_the_quick_log_which_preselects_plan(world, client_for):
    html = (
        client_for(world.rep)
        .get(reverse("web:home"), {"customer": world.customer.pk, "mode": "plan"})
        .content.decode()
    )
    assert f'<option value="{world.customer.pk}" selected>' in html
    assert 'value="planned" required id="id_status_1" checked>' in html
    assert '<details class="quick-log__more" open>' in html


# --- Whose day: the member picker ----------------------------------------------------------------------


def test_a_rep_sees_only_their_own_day(world, client_for):
    client = client_for(world.rep)
    html = client.get(reverse("web:home")).content.decode()
    assert 'id="member-switch"' not in html
    assert client.get(reverse("web:home"), {"member": world.rep.pk}).status_code == 200
    assert client.get(reverse("web:home"), {"member": world.other_rep.pk}).status_code == 403


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "9" * 30])
def test_an_unknown_member_is_404(world, client_for, raw):
    assert client_for(world.manager).get(reverse("web:home"), {"member": raw}).status_code == 404


def test_a_manager_opens_a_members_day_and_only_their_teams(world, team_b, client_for):
    waiting = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(-3))
    client = client_for(world.manager)
    html = client.get(reverse("web:home")).content.decode()
    picker = find_one(html, "id", "member-switch")
    offered = [int(value) for value in re.findall(r'<option value="([0-9]+)"', picker.html)]
    assert sorted(offered) == sorted([world.manager.pk, world.rep.pk, world.other_rep.pk])

    response = client.get(reverse("web:home"), {"member": world.rep.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{world.rep}'s day</h1>" in page
    assert f'<option value="{world.rep.pk}" selected>' in page
    assert find_one(page, "id", f"waiting-{waiting.pk}")
    assert 'id="quick-log-title"' not in page  # the quick log is the signed-in user's own
    for action in ("complete", "reschedule", "cancel"):  # a manager may record a member's result
        assert reverse(f"activities:activity_{action}", args=[waiting.pk]) in page

    _team_b, _manager_b, (rep_b, _rep_b2) = team_b
    assert client.get(reverse("web:home"), {"member": rep_b.pk}).status_code == 403


def test_an_admin_opens_anyones_day(world, team_b, admin_user, client_for):
    _team_b, _manager_b, (rep_b, _rep_b2) = team_b
    waiting = ActivityFactory(owner=rep_b, starts_at=local_noon(-1))
    response = client_for(admin_user).get(reverse("web:home"), {"member": rep_b.pk})
    assert response.status_code == 200
    assert find_one(response.content.decode(), "id", f"waiting-{waiting.pk}")


def test_a_manager_sees_the_teams_unreviewed_results(world, team_b, client_for):
    done = {"status": Activity.Status.DONE, "completed_at": timezone.now()}
    unreviewed = ActivityFactory(owner=world.rep, starts_at=local_noon(-1), **done)
    cancelled = ActivityFactory(
        owner=world.other_rep,
        starts_at=local_noon(-2),
        status=Activity.Status.CANCELLED,
        cancel_reason="Ill",
        cancelled_at=timezone.now(),
    )
    reviewed = ActivityFactory(
        owner=world.rep,
        starts_at=local_noon(-1),
        reviewed_by=world.manager,
        reviewed_at=timezone.now(),
        **done,
    )
    mine = ActivityFactory(owner=world.manager, starts_at=local_noon(-1), **done)
    _team_b, _manager_b, (rep_b, _rep_b2) = team_b
    elsewhere = ActivityFactory(owner=rep_b, starts_at=local_noon(-1), **done)

    client = client_for(world.manager)
    html = section(client.get(reverse("web:home")).content.decode(), "unreviewed-title")
    listed = [int(pk) for pk in re.findall(r'data-activity="([0-9]+)"', html)]
    assert listed == [cancelled.pk, unreviewed.pk]  # the latest recorded first
    for absent in (reviewed, mine, elsewhere, world.key_activity, world.plain_activity):  # planned: no result
        assert f'data-activity="{absent.pk}"' not in html
    assert '<span class="count">2</span>' in html
    assert f'href="{reverse("activities:feed")}?unreviewed=true&amp;team={world.rep.team_id}"' in html

    one_member = section(
        client.get(reverse("web:home"), {"member": world.other_rep.pk}).content.decode(), "unreviewed-title"
    )
    assert f'data-activity="{cancelled.pk}"' in one_member
    assert f'data-activity="{unreviewed.pk}"' not in one_member
    assert f"unreviewed=true&amp;owner={world.other_rep.pk}" in one_member


def test_a_rep_has_no_review_list(world, client_for):
    assert 'id="unreviewed-title"' not in client_for(world.rep).get(reverse("web:home")).content.decode()


# --- One step from a plan to a result ------------------------------------------------------------------


def htmx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def snapshot(activity: Activity) -> tuple:
    activity.refresh_from_db()
    return (activity.status, activity.starts_at, activity.notes, activity.cancel_reason, activity.version)


@pytest.fixture
def world_plans_tomorrow(world) -> None:
    """The world's two plans of today at noon and 14:00 move to tomorrow: after those hours they would
    wait for a result too, and tests that count the waiting plans must not depend on the clock."""
    Activity.objects.filter(pk__in=[world.key_activity.pk, world.plain_activity.pk]).update(
        starts_at=F("starts_at") + datetime.timedelta(days=1),
        ends_at=F("ends_at") + datetime.timedelta(days=1),
    )


@pytest.fixture
def waiting(world) -> Activity:
    return ActivityFactory(
        owner=world.rep, customer=world.key_customer, starts_at=local_noon(-2), notes="Plan"
    )


def test_done_with_notes_from_my_day_swaps_just_that_item(world, world_plans_tomorrow, waiting, client_for):
    other = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(-3))
    response = client_for(world.rep).post(
        reverse("activities:activity_complete", args=[waiting.pk]),
        {"notes": "Ordered 20 cases", "next_step": "Deliver", "version": 1, "next": reverse("web:home")},
        headers=htmx(f"waiting-{waiting.pk}"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="waiting-{waiting.pk}" class="plan-item plan-item--recorded"')
    assert "Key Mart" in html and "recorded as done." in html
    assert "<form" not in html  # it left the waiting list: no result forms any more
    assert '<span id="waiting-count" class="count" hx-swap-oob="true">1</span>' in html
    assert f"waiting-{other.pk}" not in html
    waiting.refresh_from_db()
    assert (waiting.status, waiting.notes, waiting.next_step) == (
        Activity.Status.DONE,
        "Ordered 20 cases",
        "Deliver",
    )
    assert ActivityEvent.objects.filter(activity=waiting, kind="completed").count() == 1


def test_moving_from_my_day(world, waiting, client_for):
    response = client_for(world.rep).post(
        reverse("activities:activity_reschedule", args=[waiting.pk]),
        {"starts_at": "2030-05-11T09:30", "version": 1},
        headers=htmx(f"waiting-{waiting.pk}"),
    )
    assert response.status_code == 200
    assert "moved to 5/11 (Sat) 09:30." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Activity.Status.PLANNED
    assert timezone.localtime(waiting.starts_at).strftime("%Y-%m-%d %H:%M") == "2030-05-11 09:30"
    assert waiting.original_starts_at == local_noon(-2)


def test_cancel_with_a_reason_from_my_day(world, waiting, client_for):
    response = client_for(world.rep).post(
        reverse("activities:activity_cancel", args=[waiting.pk]),
        {"reason": "Store closed for renovation", "version": 1},
        headers=htmx(f"waiting-{waiting.pk}"),
    )
    assert response.status_code == 200
    assert "cancelled." in response.content.decode()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.cancel_reason) == (
        Activity.Status.CANCELLED,
        "Store closed for renovation",
    )


def test_cancel_without_a_reason_is_a_field_error_in_the_item_and_nothing_changes(world, waiting, client_for):
    before = snapshot(waiting)
    events = ActivityEvent.objects.count()
    response = client_for(world.rep).post(
        reverse("activities:activity_cancel", args=[waiting.pk]),
        {"reason": "   ", "version": 1},
        headers=htmx(f"waiting-{waiting.pk}"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="waiting-{waiting.pk}" class="plan-item plan-item--open"')
    errors = find_one(html, "id", f"plan{waiting.pk}_cancel_reason_errors")
    assert errors.text == "Say why the activity is cancelled."
    # Open, in a group of its own: the browser would close it if it shared the old item's group.
    assert re.search(
        rf'<details class="plan-action plan-action--cancel" name="plan-{waiting.pk}-[0-9a-f]{{8}}" open>',
        html,
    )
    assert "recorded" not in html
    assert snapshot(waiting) == before
    assert ActivityEvent.objects.count() == events


def test_a_stale_result_form_shows_the_conflict_in_the_item(world, waiting, client_for):
    client_for(world.manager).post(
        reverse("activities:activity_complete", args=[waiting.pk]),
        {"notes": "Done by the manager", "version": 1},
    )
    before = snapshot(waiting)
    response = client_for(world.rep).post(
        reverse("activities:activity_cancel", args=[waiting.pk]),
        {"reason": "Too late", "version": 1},
        headers=htmx(f"waiting-{waiting.pk}"),
    )
    assert response.status_code == 200  # htmx swaps successful answers only
    html = response.content.decode()
    assert 'class="message message--error" role="alert"' in html and "changed by someone else" in html
    assert "<form" not in html  # it is done now: nothing left to record
    assert snapshot(waiting) == before


def test_recording_a_todays_plan_keeps_it_in_today_as_done(world, client_for):
    activity = world.key_activity
    # The world's other plan of today (14:00) would wait for a result after 14:00: it moves to tomorrow.
    Activity.objects.filter(pk=world.plain_activity.pk).update(
        starts_at=F("starts_at") + datetime.timedelta(days=1),
        ends_at=F("ends_at") + datetime.timedelta(days=1),
    )
    response = client_for(world.rep).post(
        reverse("activities:activity_complete", args=[activity.pk]),
        {"notes": "Good talk", "version": 1},
        headers=htmx(f"today-{activity.pk}"),
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="today-{activity.pk}"')
    assert "activity--done" in find_one(html, "data-activity", str(activity.pk)).classes
    # The count of plans waiting for a result comes along (one of today's may have been one).
    assert '<span id="waiting-count" class="count" hx-swap-oob="true">0</span>' in html


def test_waiting_for_a_result_has_one_definition_for_the_tag_and_the_count(
    world, world_plans_tomorrow, client_for
):
    """A plan of today whose start has passed is tagged "! Waiting for result" in Today, and counted."""
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    started = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=midnight)
    client = client_for(world.rep)
    html = client.get(reverse("web:home")).content.decode()
    item = find_one(section(html, "today-title"), "data-activity", str(started.pk))
    assert "is-overdue" in item.classes and "Waiting for result" in item.text
    waiting = section(html, "overdue-title")
    assert find_one(waiting, "id", "waiting-count").text == "1"
    assert "Nothing is waiting" not in waiting and "Well done" not in waiting
    assert find_one(waiting, "id", "waiting-today").text == (
        "1 of today's plans above has started and waits for a result too."
    )

    client.post(reverse("activities:activity_complete", args=[started.pk]), {"version": 1, "next": "/"})
    waiting = section(client.get(reverse("web:home")).content.decode(), "overdue-title")
    assert find_one(waiting, "id", "waiting-count").text == "0"
    assert "Nothing is waiting. Well done." in waiting


def test_without_javascript_the_result_form_returns_to_my_day(world, waiting, client_for):
    client = client_for(world.manager)
    next_url = f"{reverse('web:home')}?member={world.rep.pk}"
    response = client.post(
        reverse("activities:activity_complete", args=[waiting.pk]),
        {"notes": "Called", "version": 1, "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    page = client.get(next_url).content.decode()
    assert "The activity is done." in page
    assert f'id="waiting-{waiting.pk}"' not in page


def test_without_javascript_an_error_shows_the_activity_page_and_keeps_the_way_back(
    world, waiting, client_for
):
    before = snapshot(waiting)
    response = client_for(world.rep).post(
        reverse("activities:activity_cancel", args=[waiting.pk]),
        {"reason": "", "version": 1, "next": reverse("web:home")},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say why the activity is cancelled." in html
    for action in ("complete", "reschedule", "cancel"):
        form = find_one(html, "action", reverse(f"activities:activity_{action}", args=[waiting.pk]))
        assert f'<input type="hidden" name="next" value="{reverse("web:home")}">' in form.html
    assert snapshot(waiting) == before


@pytest.mark.parametrize("action", ["complete", "reschedule", "cancel"])
def test_another_rep_posting_a_result_from_my_day_gets_403_and_nothing_changes(
    world, waiting, client_for, action
):
    before = snapshot(waiting)
    data = {"notes": "x", "starts_at": "2030-05-11T09:30", "reason": "x", "version": 1}
    response = client_for(world.other_rep).post(
        reverse(f"activities:activity_{action}", args=[waiting.pk]),
        data,
        headers=htmx(f"waiting-{waiting.pk}"),
    )
    assert response.status_code == 403
    assert snapshot(waiting) == before


def test_the_waiting_list_is_capped_oldest_first_and_says_how_many_more(
    world, world_plans_tomorrow, client_for
):
    plans = [
        ActivityFactory(owner=world.rep, customer=world.customer, starts_at=local_noon(-30 + index))
        for index in range(23)
    ]
    html = section(client_for(world.rep).get(reverse("web:home")).content.decode(), "overdue-title")
    shown = [int(item.attrs["data-plan"]) for item in find_all(html, "class", "plan-item plan-item--open")]
    assert shown == [plan.pk for plan in plans[:10]]
    assert '<span id="waiting-count" class="count">23</span>' in html
    assert "13 more plans are waiting" in html


def test_a_users_day_follows_their_time_zone(world, client_for):
    """An activity at 01:00 Tokyo time is "today" for a Tokyo user; My day bounds follow the zone."""
    tokyo_early = local_noon() - datetime.timedelta(hours=11)  # 01:00 today in Tokyo
    activity = ActivityFactory(owner=world.rep, customer=world.customer, starts_at=tokyo_early)
    html = section(client_for(world.rep).get(reverse("web:home")).content.decode(), "today-title")
    assert f'id="today-{activity.pk}"' in html


def test_the_quick_log_still_needs_only_customer_type_and_notes(world, client_for):
    user = UserFactory(username="solo")
    customer = CustomerFactory(owner=user)
    response = client_for(user).post(
        reverse("web:home"),
        {"customer": customer.pk, "type": activity_type("call").pk, "notes": "Quick", "status": "done"},
    )
    assert response.status_code == 302
    assert Activity.objects.filter(owner=user, customer=customer, notes="Quick", status="done").count() == 1


@pytest.mark.parametrize("member", ["own", "member"])
def test_a_managers_my_day_costs_the_same_with_10_and_100_activities(world, client_for, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.manager)
    url = reverse("web:home") + (f"?member={world.rep.pk}" if member == "member" else "")

    def add(count: int) -> None:
        for index in range(count):
            ActivityFactory(  # waiting plans, and results waiting for review
                owner=world.rep,
                customer=world.key_customer if index % 2 else world.customer,
                starts_at=local_noon(-1 - index % 20),
                **({"status": Activity.Status.DONE, "completed_at": timezone.now()} if index % 3 else {}),
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    add(8)
    with_10 = count()
    add(90)
    assert count() == with_10


def test_moving_a_todays_plan_to_another_day_takes_it_out_of_today(world, client_for):
    activity = world.plain_activity
    response = client_for(world.rep).post(
        reverse("activities:activity_reschedule", args=[activity.pk]),
        {"starts_at": "2030-05-13T10:00", "version": 1},
        headers=htmx(f"today-{activity.pk}"),
    )
    html = response.content.decode()
    assert "moved to 5/13 (Mon) 10:00." in html
    assert f'data-activity="{activity.pk}"' not in html


def test_the_cancel_reason_is_marked_required(world, waiting, client_for):
    html = client_for(world.rep).get(reverse("web:home")).content.decode()
    label = find_one(html, "for", f"plan{waiting.pk}_cancel_reason")
    assert '<span class="required" aria-hidden="true">*</span>' in label.html
