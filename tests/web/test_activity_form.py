"""The activity form: plan or log (from a calendar slot), edit; the customer found by name or kana,
only that customer's deals and contacts; field errors next to the field; who may plan for whom."""

from __future__ import annotations

import datetime
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, activity_type
from tests.web.html import find_all, find_one
from totonou.activities.models import Activity, ActivityEvent

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
CREATE = reverse("activities:activity_create")
CUSTOMERS = reverse("activities:activity_form_customers")
RELATIONS = reverse("activities:activity_form_relations")


def edit_url(activity: Activity) -> str:
    return reverse("activities:activity_edit", args=[activity.pk])


def plan_data(**changes) -> dict:
    data = {
        "mode": "plan",
        "type": activity_type("visit").pk,
        "customer": "",
        "starts_at": "2026-12-01T10:00",
        "ends_at": "2026-12-01T11:00",
        "subject": "",
        "purpose": "",
        "notes": "",
        "next_step": "",
    }
    data.update(changes)
    return data


class _Controls(HTMLParser):
    """Every ``<input>`` and ``<option>`` (with its select's name), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []
        self._select = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "select":
            self._select = values.get("name", "")
        elif tag == "option":
            self.found.append({"name": self._select, **values})
        elif tag == "input":
            self.found.append(values)


def controls(html: str, name: str) -> list[dict[str, str]]:
    parser = _Controls()
    parser.feed(html)
    return [control for control in parser.found if control.get("name") == name]


def option_values(html: str, name: str) -> list[str]:
    """The values a radio group, checkbox group or select offers."""
    return [control.get("value", "") for control in controls(html, name)]


def chosen(html: str, name: str) -> list[str]:
    return [c.get("value", "") for c in controls(html, name) if "checked" in c or "selected" in c]


# --- Plan or log ------------------------------------------------------------------------------------


def test_the_empty_form_defaults_to_a_visit_now_for_60_minutes_for_oneself(world, client_for):
    before = timezone.localtime().replace(second=0, microsecond=0)
    response = client_for(world.rep).get(CREATE)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["mode"].value() == "plan"
    assert form["type"].value() == activity_type("visit").pk
    before = timezone.make_naive(before)  # a bound field's value is in the reader's zone, naive
    assert before <= form["starts_at"].value() <= before + datetime.timedelta(minutes=1)
    assert form["ends_at"].value() - form["starts_at"].value() == datetime.timedelta(minutes=60)
    assert "owner" not in form.fields  # a rep plans for themselves
    html = response.content.decode()
    # The rep's own customers are offered, key customers first, each with the ★ when key.
    assert option_values(html, "customer") == ["", str(world.key_customer.pk), str(world.customer.pk)]
    (key_option,) = find_all(html, "class", "is-key")
    assert (
        f'value="{world.key_customer.pk}"' in key_option.html
        and 'aria-label="Key customer"' in key_option.html
    )


def test_a_slot_link_fills_the_start_the_mode_and_the_owner(world, client_for):
    response = client_for(world.manager).get(
        CREATE, {"starts_at": "2026-12-01T14:00", "mode": "log", "owner": world.rep.pk, "next": "/calendar/"}
    )
    form = response.context["form"]
    assert form["starts_at"].value() == datetime.datetime(2026, 12, 1, 14, 0)  # noqa: DTZ001 (the form's local)
    assert form["ends_at"].value() == datetime.datetime(2026, 12, 1, 15, 0)  # noqa: DTZ001
    assert form["mode"].value() == "log"
    assert form["owner"].value() == world.rep.pk
    html = response.content.decode()
    assert '<input type="hidden" name="next" value="/calendar/">' in html
    # The owner's customers are offered.
    assert str(world.key_customer.pk) in option_values(html, "customer")


def test_an_owner_the_user_may_not_plan_for_is_not_prefilled(world, client_for, team_b):
    _team, _manager, (stranger, _) = team_b
    form = client_for(world.manager).get(CREATE, {"owner": stranger.pk}).context["form"]
    assert form["owner"].value() == world.manager.pk
    owners = [user.pk for user in form.fields["owner"].queryset]
    assert sorted(owners) == sorted([world.manager.pk, world.rep.pk, world.other_rep.pk])


def test_planning_creates_a_plan_and_goes_back_to_the_calendar(world, client_for):
    contact = ContactFactory(customer=world.key_customer)
    response = client_for(world.rep).post(
        CREATE,
        plan_data(
            customer=world.key_customer.pk,
            deal=world.deal.pk,
            contacts=[contact.pk],
            subject="Spring fair pitch",
            purpose="Agree the shelf space",
            next="/calendar/?view=week",
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(subject="Spring fair pitch")
    # Back on the calendar, on the plan's day, with the plan highlighted.
    day = timezone.localtime(activity.starts_at).date()
    assert response["Location"] == f"/calendar/?view=week&date={day.isoformat()}&highlight={activity.pk}"
    assert (activity.owner, activity.customer, activity.deal) == (world.rep, world.key_customer, world.deal)
    assert list(activity.contacts.all()) == [contact]
    assert activity.status == Activity.Status.PLANNED
    assert activity.starts_at == datetime.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
    assert activity.planned_at is not None
    assert activity.original_starts_at == activity.starts_at
    assert activity.purpose == "Agree the shelf space"


def test_logging_records_a_done_activity_and_an_empty_end_means_60_minutes(world, client_for):
    response = client_for(world.rep).post(
        CREATE,
        plan_data(
            mode="log", customer=world.customer.pk, ends_at="", starts_at="2026/04/01 10:00", notes="OK"
        ),
    )
    assert response.status_code == 302
    activity = Activity.objects.get(notes="OK")
    assert activity.status == Activity.Status.DONE
    assert activity.completed_at is not None and activity.planned_at is None
    assert activity.starts_at == datetime.datetime(2026, 4, 1, 10, 0, tzinfo=TOKYO)
    assert activity.ends_at == datetime.datetime(2026, 4, 1, 11, 0, tzinfo=TOKYO)
    assert response["Location"] == activity.get_absolute_url()


def test_field_errors_are_shown_next_to_their_field_and_nothing_is_saved(world, client_for):
    other_contact = ContactFactory(customer=world.key_customer)
    count = Activity.objects.count()
    response = client_for(world.rep).post(
        CREATE,
        plan_data(
            customer=world.customer.pk,
            deal=world.deal.pk,  # Key Mart's deal
            contacts=[other_contact.pk],  # Key Mart's contact
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_deal_errors"><li>This deal belongs to another customer.</li>' in html
    assert Activity.objects.count() == count

    response = client_for(world.rep).post(
        CREATE, plan_data(customer=world.customer.pk, contacts=[other_contact.pk])
    )
    assert (
        'id="id_contacts_errors"><li>These contacts do not belong to the customer'
        in response.content.decode()
    )

    response = client_for(world.rep).post(CREATE, plan_data(ends_at="2026-12-01T09:00"))
    assert (
        'id="id_ends_at_errors"><li>The end must not be before the start.</li>' in response.content.decode()
    )

    response = client_for(world.rep).post(CREATE, plan_data(starts_at="tomorrow-ish"))
    assert 'id="id_starts_at_errors"' in response.content.decode()

    response = client_for(world.rep).post(CREATE, plan_data(starts_at="9999-12-31T23:30", ends_at=""))
    assert (
        'id="id_starts_at_errors"><li>Give a date between 1900-01-01 and 2200-12-31.'
        in response.content.decode()
    )
    assert client_for(world.rep).get(CREATE, {"starts_at": "9999-12-31T23:30"}).status_code == 200
    assert Activity.objects.count() == count


def test_a_rep_cannot_plan_for_someone_else(world, client_for):
    response = client_for(world.rep).post(CREATE, plan_data(owner=world.other_rep.pk, subject="Mine"))
    assert response.status_code == 302
    assert Activity.objects.get(subject="Mine").owner == world.rep  # the owner sent is ignored


def test_a_manager_plans_for_a_member_but_not_for_another_team(world, client_for, team_b):
    _team, _manager, (stranger, _) = team_b
    client = client_for(world.manager)
    response = client.post(CREATE, plan_data(owner=world.rep.pk, subject="For the rep"))
    assert response.status_code == 302
    assert Activity.objects.get(subject="For the rep").owner == world.rep
    response = client.post(CREATE, plan_data(owner=stranger.pk, subject="For a stranger"))
    assert response.status_code == 200
    assert 'id="id_owner_errors"' in response.content.decode()
    assert not Activity.objects.filter(subject="For a stranger").exists()


def test_the_search_button_without_javascript_keeps_the_form_and_saves_nothing(world, client_for):
    sakura = CustomerFactory(owner=world.other_rep, name="株式会社さくら", name_kana="サクラ")
    count = Activity.objects.count()
    response = client_for(world.rep).post(
        CREATE, plan_data(customer_q="さくら", subject="Keep me", _refresh="1", next="/calendar/")
    )
    assert response.status_code == 200
    assert Activity.objects.count() == count
    html = response.content.decode()
    assert option_values(html, "customer") == ["", str(sakura.pk)]
    assert 'value="Keep me"' in html
    assert '<input type="hidden" name="next" value="/calendar/">' in html
    assert "field__errors" not in html
    # Choosing the customer and searching again shows its deals and contacts.
    deal = DealFactory(customer=sakura, title="Sakura deal")
    response = client_for(world.rep).post(CREATE, plan_data(customer=sakura.pk, _refresh="1"))
    assert option_values(response.content.decode(), "deal") == ["", str(deal.pk)]


# --- Customer search (htmx) -------------------------------------------------------------------------


def test_the_customer_search_finds_exact_name_and_kana_matches_first(world, client_for):
    near = CustomerFactory(owner=world.other_rep, name="さくら食品", name_kana="サクラショクヒン")
    exact = CustomerFactory(owner=world.other_rep, name="株式会社さくら", name_kana="サクラ")
    inside = CustomerFactory(owner=world.other_rep, name="はなさくら", name_kana="ハナサクラ")
    CustomerFactory(owner=world.other_rep, name="Unrelated", name_kana="アンリレイテッド")
    client = client_for(world.rep)

    def search(query: str, **extra) -> list[str]:
        response = client.get(CUSTOMERS, {"customer_q": query, **extra}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="customer-options"')
        return option_values(html, "customer")[1:]

    expected = [str(exact.pk), str(near.pk), str(inside.pk)]
    assert search("サクラ") == expected  # kana: exact, then starting with, then containing
    assert search("さくら") == expected  # hiragana finds the katakana reading
    assert search("ｻｸﾗ") == expected  # half-width kana too
    assert search("株式会社さくら") == [str(exact.pk)]  # the name
    assert search("key mart") == [str(world.key_customer.pk)]  # case does not matter
    assert search("nothing like it") == []
    # The chosen customer stays in the list while typing.
    assert search("サクラ", customer=world.customer.pk)[0] == str(world.customer.pk)


def test_the_customer_search_shows_at_most_20(world, client_for):
    for index in range(25):
        CustomerFactory(owner=world.rep, name=f"Tokyo branch {index:02}", name_kana=f"トウキョウ{index:02}")
    html = client_for(world.rep).get(CUSTOMERS, {"customer_q": "tokyo"}).content.decode()
    assert len(option_values(html, "customer")) == 21  # "no customer" + 20
    assert "More than 20 customers match" in html


def test_choosing_a_customer_offers_only_its_deals_and_contacts(world, client_for):
    own_contact = ContactFactory(customer=world.key_customer, name="Tanaka")
    ContactFactory(customer=world.customer, name="Suzuki")
    other_deal = DealFactory(customer=world.customer, owner=world.rep, title="Other deal")
    client = client_for(world.rep)
    html = client.get(RELATIONS, {"customer": world.key_customer.pk}).content.decode()
    assert html.lstrip().startswith('<div id="customer-relations"')
    assert option_values(html, "deal") == ["", str(world.deal.pk)]
    assert option_values(html, "contacts") == [str(own_contact.pk)]
    assert "Other deal" not in html and "Suzuki" not in html
    html = client.get(RELATIONS, {"customer": world.customer.pk}).content.decode()
    assert option_values(html, "deal") == ["", str(other_deal.pk)]
    assert 'name="deal"' not in client.get(RELATIONS).content.decode()  # internal work: no deal


def test_a_deal_link_fills_its_customer(world, client_for):
    form = client_for(world.rep).get(CREATE, {"deal": world.deal.pk}).context["form"]
    assert form["customer"].value() == world.key_customer.pk
    assert form["deal"].value() == world.deal.pk


# --- Edit -------------------------------------------------------------------------------------------


def edit_data(activity: Activity, **changes) -> dict:
    local = timezone.localtime
    data = {
        "type": activity.type_id,
        "customer": activity.customer_id or "",
        "deal": activity.deal_id or "",
        "subject": activity.subject,
        "starts_at": f"{local(activity.starts_at):%Y-%m-%dT%H:%M}",
        "ends_at": f"{local(activity.ends_at):%Y-%m-%dT%H:%M}",
        "purpose": activity.purpose,
        "notes": activity.notes,
        "next_step": activity.next_step,
        "version": activity.version,
    }
    data.update(changes)
    return data


def test_a_new_start_moves_a_plan_and_keeps_the_original_date(world, client_for):
    activity = world.plain_activity
    original = activity.starts_at
    client = client_for(world.rep)
    new_start = timezone.localtime(original) + datetime.timedelta(days=2)
    response = client.post(
        edit_url(activity),
        edit_data(activity, starts_at=f"{new_start:%Y-%m-%dT%H:%M}", ends_at=""),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.starts_at == new_start
    assert activity.original_starts_at == original
    assert activity.ends_at - activity.starts_at == datetime.timedelta(
        hours=1
    )  # an empty end keeps the length
    assert ActivityEvent.objects.filter(activity=activity, kind="moved").count() == 1
    html = client.get(edit_url(activity)).content.decode()
    moved = find_one(html, "class", "activity-form__moved")
    assert "Moved from" in moved.text and f"{timezone.localtime(original):%Y/%m/%d %H:%M}" in moved.text


def test_a_rep_cannot_edit_another_reps_activity(world, client_for):
    activity = world.key_activity
    client = client_for(world.other_rep)
    assert client.get(edit_url(activity)).status_code == 403
    response = client.post(
        edit_url(activity), edit_data(activity, subject="hijacked", starts_at="2026-12-24T10:00")
    )
    assert response.status_code == 403
    assert b"Nothing was changed." in response.content
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("Key visit", 1)


def test_a_manager_edits_and_reassigns_a_members_activity(world, client_for):
    activity = world.plain_activity
    response = client_for(world.manager).post(
        edit_url(activity), edit_data(activity, owner=world.other_rep.pk)
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.owner == world.other_rep


def test_a_stale_edit_is_a_conflict(world, client_for):
    activity = world.plain_activity
    response = client_for(world.manager).post(edit_url(activity), edit_data(activity, subject="First"))
    assert response.status_code == 302  # a manager's form without an owner keeps the owner
    response = client_for(world.rep).post(
        edit_url(activity), edit_data(activity, subject="Second", version=1)
    )
    assert response.status_code == 409
    activity.refresh_from_db()
    assert activity.subject == "First"


def test_the_edit_form_offers_the_customers_deals_and_contacts(world, client_for):
    contact = ContactFactory(customer=world.key_customer)
    activity = ActivityFactory(owner=world.rep, customer=world.key_customer, deal=world.deal)
    activity.contacts.set([contact])
    html = client_for(world.rep).get(edit_url(activity)).content.decode()
    assert chosen(html, "customer") == [str(world.key_customer.pk)]
    assert chosen(html, "contacts") == [str(contact.pk)]
    assert option_values(html, "deal") == ["", str(world.deal.pk)]
    assert option_values(html, "contacts") == [str(contact.pk)]
    assert 'name="version" value="1"' in html


def test_without_a_query_the_owners_own_customers_are_offered(world, client_for, team_b):
    _team, _manager, (stranger, _) = team_b
    CustomerFactory(owner=stranger, name="Stranger's customer")
    client = client_for(world.manager)
    html = client.get(CUSTOMERS, {"owner": world.rep.pk}).content.decode()
    assert option_values(html, "customer") == ["", str(world.key_customer.pk), str(world.customer.pk)]
    # An owner the manager may not plan for falls back to the manager's own customers (none here).
    html = client.get(CUSTOMERS, {"owner": stranger.pk}).content.decode()
    assert option_values(html, "customer") == [""]
    assert "Type a name to find a customer." in html


def test_planning_over_another_plan_of_the_same_person_warns_but_saves(world, client_for):
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    ActivityFactory(
        owner=world.rep,
        customer=world.key_customer,
        starts_at=datetime.datetime(2026, 12, 1, 10, 30, tzinfo=tokyo),
    )
    client = client_for(world.rep)
    count = Activity.objects.count()
    response = client.post(CREATE, plan_data(customer=world.customer.pk), follow=True)
    assert Activity.objects.count() == count + 1
    html = response.content.decode()
    assert "Activity planned." in html
    assert f"This plan overlaps another plan of {world.rep}: 10:30 {world.key_customer.name}." in html
    # A plan at a free time saves without a warning.
    response = client.post(
        CREATE, plan_data(starts_at="2026-12-01T14:00", ends_at="2026-12-01T15:00"), follow=True
    )
    assert "overlaps" not in response.content.decode()
