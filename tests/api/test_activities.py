"""Activities: list with the shared filters, detail, plan / log, partial update, delete."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import MATRIX, counts, detail, iso, soon
from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, SegmentFactory
from totonou.activities.models import Activity, ActivityType

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_detail_shape(people, api):
    customer = CustomerFactory(owner=people.owner, is_key=True)
    contact = ContactFactory(customer=customer)
    deal = DealFactory(customer=customer)
    start = soon()
    activity = ActivityFactory(
        owner=people.owner, customer=customer, deal=deal, starts_at=start, ends_at=start + HOUR
    )
    activity.contacts.set([contact])
    row = api(people.rep_b).get(f"/activities/{activity.pk}").json()
    assert row["id"] == activity.pk
    assert (row["owner"], row["type"], row["customer"], row["deal"]) == (
        people.owner.pk,
        "visit",
        customer.pk,
        deal.pk,
    )
    assert row["contacts"] == [contact.pk]
    assert row["status"] == "planned"
    assert row["is_key_customer"] is True
    assert row["starts_at"] == start.isoformat()
    assert row["ends_at"] == (start + HOUR).isoformat()
    assert row["original_starts_at"] == start.isoformat()
    assert row["planned_at"] is not None
    assert row["completed_at"] is None
    assert row["cancel_reason"] == ""
    assert row["version"] == 1
    assert row["web_url"] == f"http://127.0.0.1:8000/activities/{activity.pk}/"
    for name in ("subject", "purpose", "notes", "next_step"):
        assert isinstance(row[name], str)


@pytest.mark.parametrize("with_contacts", [False, True])
def test_the_create_answer_is_exactly_what_reading_it_back_answers(people, api, with_contacts):
    """The create is answered from the service's instance, not read back: it must not differ."""
    customer = CustomerFactory(owner=people.owner, is_key=True)
    contacts = [ContactFactory(customer=customer, name_kana=kana) for kana in ("イ", "ア")]
    deal = DealFactory(customer=customer)
    body = {
        "type": "visit",
        "customer": customer.pk,
        "deal": deal.pk,
        "subject": "見積の説明",
        "starts_at": "2030-05-13T10:00:00+09:00",
        "ends_at": "2030-05-13T11:00:00.250000+09:00",
    }
    if with_contacts:
        body["contacts"] = [contact.pk for contact in contacts]
    client = api(people.owner)
    created = client.post("/activities", body)
    assert created.status_code == 201
    row = created.json()
    assert row == client.get(f"/activities/{row['id']}").json()
    assert row["is_key_customer"] is True
    assert row["contacts"] == ([contacts[1].pk, contacts[0].pk] if with_contacts else [])
    assert row["reactions"] == {"like": 0} and row["reacted_by_me"] == []


def test_list_filters(people, api):
    segment = SegmentFactory()
    key_customer = CustomerFactory(owner=people.owner, is_key=True, segment=segment)
    deal = DealFactory(customer=key_customer)
    now = soon(days=0)
    visit = ActivityFactory(
        owner=people.owner, customer=key_customer, deal=deal, starts_at=now, ends_at=now + HOUR
    )
    call = ActivityFactory(
        owner=people.rep_b,
        type=ActivityType.objects.get(slug="call"),
        status="done",
        completed_at=now,
        starts_at=now + datetime.timedelta(days=3),
        ends_at=now + datetime.timedelta(days=3) + HOUR,
    )
    client = api(people.owner)

    def ids(**params):
        response = client.get("/activities", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [call.pk, visit.pk]  # latest start first
    assert ids(owner=people.owner.pk) == [visit.pk]
    assert ids(team=people.rep_b.team_id) == [call.pk]
    assert ids(customer=key_customer.pk) == [visit.pk]
    assert ids(deal=deal.pk) == [visit.pk]
    assert ids(status="done") == [call.pk]
    assert ids(type="call") == [call.pk]
    assert ids(segment=segment.pk) == [visit.pk]
    assert ids(key_only="true") == [visit.pk]
    assert ids(start=iso(now + datetime.timedelta(days=1))) == [call.pk]
    assert ids(end=iso(now + datetime.timedelta(days=1))) == [visit.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "bogus"}, "status"), ({"start": "yesterday"}, "start"), ({"owner": "me"}, "owner")],
)
def test_list_filter_validation(people, api, params, field):
    response = api(people.owner).get("/activities", params)
    assert response.status_code == 422
    assert set(detail(response)) == {field}


def test_unknown_activity_is_404(people, api):
    assert api(people.owner).get("/activities/999999").status_code == 404


def test_plan_an_activity(people, api):
    customer = CustomerFactory(owner=people.owner)
    contacts = [ContactFactory(customer=customer), ContactFactory(customer=customer)]
    deal = DealFactory(customer=customer)
    start = soon()
    response = api(people.owner).post(
        "/activities",
        {
            "type": "visit",
            "customer": customer.pk,
            "deal": deal.pk,
            "contacts": [contact.pk for contact in contacts],
            "starts_at": iso(start),
            "ends_at": iso(start + HOUR),
            "subject": "Introduce the new line",
            "purpose": "Get the buyer's feedback",
        },
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["owner"], row["status"], row["subject"]) == (
        people.owner.pk,
        "planned",
        "Introduce the new line",
    )
    assert sorted(row["contacts"]) == sorted(contact.pk for contact in contacts)
    activity = Activity.objects.get(pk=row["id"])
    assert activity.planned_at is not None
    assert activity.original_starts_at == start
    assert set(activity.contacts.all()) == set(contacts)


def test_log_an_activity_after_the_fact(people, api):
    customer = CustomerFactory(owner=people.owner)
    start = soon(days=-1)
    response = api(people.owner).post(
        "/activities",
        {
            "type": "call",
            "customer": customer.pk,
            "status": "done",
            "starts_at": iso(start),
            "ends_at": iso(start),
            "notes": "Agreed on a demo",
        },
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["status"], row["planned_at"], row["original_starts_at"]) == ("done", None, None)
    assert row["completed_at"] is not None


def test_deal_without_customer_takes_the_deals_customer(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    start = soon()
    response = api(people.owner).post(
        "/activities",
        {"type": "visit", "deal": deal.pk, "starts_at": iso(start), "ends_at": iso(start + HOUR)},
    )
    assert response.status_code == 201, response.content
    assert response.json()["customer"] == deal.customer_id


def test_internal_work_has_no_customer(people, api):
    start = soon()
    response = api(people.owner).post(
        "/activities", {"type": "internal", "starts_at": iso(start), "ends_at": iso(start + HOUR)}
    )
    assert response.status_code == 201, response.content
    assert (response.json()["customer"], response.json()["is_key_customer"]) == (None, False)


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_create_for_another_owner(people, api, role, allowed):
    customer = CustomerFactory(owner=people.owner)
    start = soon()
    client = api(people.get(role))
    before = counts()
    response = client.post(
        "/activities",
        {
            "type": "visit",
            "owner": people.owner.pk,
            "customer": customer.pk,
            "starts_at": iso(start),
            "ends_at": iso(start + HOUR),
        },
    )
    if allowed:
        assert response.status_code == 201, response.content
        assert Activity.objects.get(pk=response.json()["id"]).owner == people.owner
    else:
        assert response.status_code == 403
        assert counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": None}, "type"),
        ({"type": "teleport"}, "type"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"ends_at": "2026-04-01T10:00:00"}, "ends_at"),  # no offset
        ({"owner": 999999}, "owner"),
        ({"deal": 999999}, "deal"),
        ({"contacts": [999999]}, "contacts"),
        ({"contacts": ["x"]}, "contacts"),
        ({"contacts": "OTHER_CONTACT"}, "contacts"),
        ({"status": "cancelled"}, "status"),
        ({"subject": "x" * 201}, "subject"),
        ({"reviewed_by": 1}, "reviewed_by"),
    ],
)
def test_create_validation(people, api, change, field):
    customer = CustomerFactory(owner=people.owner)
    start = soon()
    body = {"type": "visit", "customer": customer.pk, "starts_at": iso(start), "ends_at": iso(start + HOUR)}
    if change.get("contacts") == "OTHER_CONTACT":
        change = {"contacts": [ContactFactory().pk]}  # a contact of another customer
    body.update(change)
    body = {key: value for key, value in body.items() if not (key == "type" and value is None)}
    client = api(people.owner)
    before = counts()
    response = client.post("/activities", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    assert counts() == before


def test_inactive_type_is_refused_for_new_activities(people, api):
    ActivityType.objects.filter(slug="demo").update(is_active=False)
    start = soon()
    client = api(people.owner)
    before = counts()
    response = client.post(
        "/activities", {"type": "demo", "starts_at": iso(start), "ends_at": iso(start + HOUR)}
    )
    assert response.status_code == 422
    assert set(detail(response)) == {"type"}
    assert counts() == before


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_update_permissions(people, api, role, allowed):
    activity = ActivityFactory(owner=people.owner, subject="Before")
    client = api(people.get(role))
    before = counts()
    response = client.patch(f"/activities/{activity.pk}", {"subject": "After", "type": "web_meeting"})
    activity.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert (activity.subject, activity.type.slug, activity.version) == ("After", "web_meeting", 2)
        assert response.json()["type"] == "web_meeting"
    else:
        assert response.status_code == 403
        assert (activity.subject, activity.type.slug, activity.version) == ("Before", "visit", 1)
        assert counts() == before


def test_update_contacts_customer_and_deal(people, api):
    activity = ActivityFactory(owner=people.owner)
    other_customer = CustomerFactory(owner=people.owner)
    contact = ContactFactory(customer=other_customer)
    deal = DealFactory(customer=other_customer)
    client = api(people.owner)
    response = client.patch(
        f"/activities/{activity.pk}",
        {"customer": other_customer.pk, "deal": deal.pk, "contacts": [contact.pk]},
    )
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["customer"], row["deal"], row["contacts"]) == (other_customer.pk, deal.pk, [contact.pk])
    response = client.patch(f"/activities/{activity.pk}", {"contacts": [], "deal": None})
    assert (response.json()["contacts"], response.json()["deal"]) == ([], None)


def test_update_moves_a_plan_and_keeps_the_original_start(people, api):
    start = soon()
    activity = ActivityFactory(owner=people.owner, starts_at=start, ends_at=start + HOUR)
    later = start + datetime.timedelta(days=2)
    response = api(people.owner).patch(
        f"/activities/{activity.pk}", {"starts_at": iso(later), "ends_at": iso(later + HOUR)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["starts_at"] == later.isoformat()
    assert response.json()["original_starts_at"] == start.isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_at": "BEFORE_START"}, "ends_at"),
        ({"starts_at": None}, "starts_at"),
        ({"type": "teleport"}, "type"),
        ({"customer": 999999}, "customer"),
        ({"deal": 999999}, "deal"),
        ({"deal": "OTHER_DEAL"}, "deal"),
        ({"contacts": "OTHER_CONTACT"}, "contacts"),
        ({"status": "done"}, "status"),
        ({"version": "one"}, "version"),
    ],
)
def test_update_validation(people, api, body, field):
    start = soon()
    activity = ActivityFactory(owner=people.owner, subject="Same", starts_at=start, ends_at=start + HOUR)
    replacements = {
        "BEFORE_START": iso(start - HOUR),
        "OTHER_DEAL": DealFactory().pk,
        "OTHER_CONTACT": [ContactFactory().pk],
    }
    body = {
        key: replacements.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }
    client = api(people.owner)
    before = counts()
    response = client.patch(f"/activities/{activity.pk}", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    activity.refresh_from_db()
    assert (activity.subject, activity.ends_at, activity.version) == ("Same", start + HOUR, 1)
    assert counts() == before


def test_update_with_a_stale_version_is_409(people, api):
    activity = ActivityFactory(owner=people.owner, subject="Before")
    client = api(people.owner)
    assert client.patch(f"/activities/{activity.pk}", {"subject": "First", "version": 1}).status_code == 200
    before = counts()
    response = client.patch(f"/activities/{activity.pk}", {"subject": "Second", "version": 1})
    assert response.status_code == 409
    activity.refresh_from_db()
    assert (activity.subject, activity.version) == ("First", 2)
    assert counts() == before
    assert client.patch("/activities/999999", {"subject": "x"}).status_code == 404


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_delete_permissions(people, api, role, allowed):
    activity = ActivityFactory(owner=people.owner)
    client = api(people.get(role))
    before = counts()
    response = client.delete(f"/activities/{activity.pk}")
    if allowed:
        assert response.status_code == 204
        assert not Activity.objects.filter(pk=activity.pk).exists()
    else:
        assert response.status_code == 403
        assert Activity.objects.filter(pk=activity.pk).exists()
        assert counts() == before
    assert client.delete("/activities/999999").status_code == 404
