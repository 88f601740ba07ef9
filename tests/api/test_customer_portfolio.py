"""Customers kept in the app through the API: archive and restore, contacts moved and archived, the
duplicate check, merge (``POST /customers/{id}/merge``) and bulk reassign (``POST /customers/reassign``),
each with the permission matrix and the bad inputs (nothing changed on refusal)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.api.conftest import MATRIX, counts, detail
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    SegmentFactory,
    activity_type,
)
from totonou.activities.models import Activity
from totonou.core.audit import audit_history
from totonou.core.models import AuditEntry
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal, Stage

pytestmark = pytest.mark.django_db

# Merging and reassigning are for managers (of the owners' team) and admins.
MANAGERS_ONLY = [
    ("owner", False),
    ("other_rep", False),
    ("manager", True),
    ("other_manager", False),
    ("admin", True),
]


def names(client, **params):
    response = client.get("/customers", params)
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


# --- Archive and restore ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_archive_matrix(people, api, role, allowed):
    customer = CustomerFactory(owner=people.owner, name="Archive Co")
    client = api(people.get(role))
    before = counts()
    response = client.patch(f"/customers/{customer.pk}", {"archived": True})
    customer.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        row = response.json()
        assert row["archived"] is True
        assert row["archived_at"] is not None
        assert customer.archived_at is not None
        assert customer.version == 2
    else:
        assert response.status_code == 403
        assert customer.archived_at is None
        assert counts() == before


def test_archived_customers_leave_the_list_and_come_back(people, api):
    kept = CustomerFactory(owner=people.owner, name="Kept", name_kana="A")
    gone = CustomerFactory(owner=people.owner, name="Gone", name_kana="B")
    ContactFactory(customer=gone, name="Gone person")
    client = api(people.owner)
    assert client.patch(f"/customers/{gone.pk}", {"archived": True}).status_code == 200
    assert names(client) == ["Kept"]
    assert names(client, archived="true") == ["Gone"]
    assert client.get(f"/customers/{gone.pk}").json()["archived"] is True  # the record stays readable
    search = client.get("/search", {"q": "Gone"}).json()["results"]
    assert [hit["type"] for hit in search] == []
    changed = client.patch(f"/customers/{gone.pk}", {"name": "Still gone"})
    assert changed.status_code == 409
    restored = client.patch(f"/customers/{gone.pk}", {"archived": False, "name": "Back"})
    assert restored.status_code == 200, restored.content
    assert restored.json()["archived"] is False
    assert names(client) == ["Kept", "Back"]
    found = client.get("/search", {"q": "Gone"}).json()["results"]
    assert sorted(hit["type"] for hit in found) == ["contact"]  # "Gone person"; the customer is "Back"
    assert [hit["id"] for hit in client.get("/search", {"q": "Back"}).json()["results"]] == [gone.pk]
    gone.refresh_from_db()
    # Newest first: renamed, restored, archived (the factory wrote the row without a service).
    trail = [sorted(entry.changes) for entry in audit_history(gone)]
    assert trail == [["name"], ["archived_at"], ["archived_at"]]
    assert (gone.archived_at, gone.name, kept.archived_at) == (None, "Back", None)


# --- Create: owner, duplicates, bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("owner", True), ("other_rep", False), ("manager", True), ("other_manager", False), ("admin", True)],
)
def test_create_for_owner_matrix(people, api, role, allowed):
    client = api(people.get(role))
    before = counts()
    response = client.post("/customers", {"name": "Owned Co", "owner": people.owner.pk})
    if allowed:
        assert response.status_code == 201, response.content
        assert Customer.objects.get(pk=response.json()["id"]).owner == people.owner
    else:
        assert response.status_code == 403
        assert counts() == before


def test_create_bad_input(people, api):
    CustomerFactory(owner=people.owner, external_id="EXT-1")
    people.other_rep.is_active = False
    people.other_rep.save()
    client = api(people.manager)
    before = counts()
    duplicate_id = client.post("/customers", {"name": "Again", "external_id": "EXT-1"})
    assert duplicate_id.status_code == 422, duplicate_id.content
    assert "external_id" in detail(duplicate_id)
    inactive = client.post("/customers", {"name": "Again", "owner": people.other_rep.pk})
    assert inactive.status_code == 422
    assert "is deactivated" in detail(inactive)["owner"][0]
    assert counts() == before


def test_duplicates_endpoint(people, api):
    sample = CustomerFactory(owner=people.owner, name="株式会社サンプル", phone="03-1234-5678")
    web = CustomerFactory(owner=people.rep_b, name="Other KK", website="https://www.example.co.jp/about")
    CustomerFactory(owner=people.owner, name="サンプル商事")
    client = api(people.other_rep)
    response = client.get("/customers/duplicates", {"name": "ｻﾝﾌﾟﾙ(株)"})
    assert response.status_code == 200, response.content
    assert [(row["customer"]["id"], row["reasons"]) for row in response.json()] == [(sample.pk, ["name"])]
    by_phone = client.get("/customers/duplicates", {"name": "Nothing", "phone": "+81 3 1234 5678"}).json()
    assert [(row["customer"]["id"], row["reasons"]) for row in by_phone] == [(sample.pk, ["phone"])]
    by_site = client.get("/customers/duplicates", {"website": "http://example.co.jp"}).json()
    assert [(row["customer"]["id"], row["reasons"]) for row in by_site] == [(web.pk, ["website"])]
    excluded = client.get("/customers/duplicates", {"name": "サンプル", "exclude": sample.pk}).json()
    assert excluded == []


# --- Contacts: move and archive -----------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_contact_move_and_archive_matrix(people, api, role, allowed):
    source = CustomerFactory(owner=people.owner)
    target = CustomerFactory(owner=people.owner)
    contact = ContactFactory(customer=source, name="Mover")
    client = api(people.get(role))
    before = counts()
    moved = client.patch(f"/contacts/{contact.pk}", {"customer": target.pk})
    archived = client.patch(f"/contacts/{contact.pk}", {"archived": True})
    contact.refresh_from_db()
    if allowed:
        assert moved.status_code == 200, moved.content
        assert moved.json()["customer"] == target.pk
        assert archived.json()["archived"] is True
        assert (contact.customer_id, contact.archived_at is not None, contact.version) == (target.pk, True, 3)
        listed = client.get("/contacts", {"customer": target.pk}).json()["results"]
        assert listed == []
        assert [row["id"] for row in client.get("/contacts", {"archived": "true"}).json()["results"]] == [
            contact.pk
        ]
    else:
        assert (moved.status_code, archived.status_code) == (403, 403)
        assert (contact.customer_id, contact.archived_at, contact.version) == (source.pk, None, 1)
        assert counts() == before


def test_contact_move_to_a_customer_the_actor_cannot_change(people, api):
    contact = ContactFactory(customer=CustomerFactory(owner=people.owner))
    foreign = CustomerFactory(owner=people.rep_b)
    client = api(people.owner)
    before = counts()
    response = client.patch(f"/contacts/{contact.pk}", {"customer": foreign.pk})
    assert response.status_code == 403
    assert counts() == before
    assert Contact.objects.get(pk=contact.pk).customer_id == contact.customer_id


# --- Merge --------------------------------------------------------------------------------------------


def _pair(people):
    survivor = CustomerFactory(owner=people.owner, name="株式会社サンプル", phone="", is_key=False)
    duplicate = CustomerFactory(
        owner=people.other_rep, name="ｻﾝﾌﾟﾙ(株)", phone="03-1111-2222", is_key=True, external_id="X-9"
    )
    return survivor, duplicate


@pytest.mark.parametrize(("role", "allowed"), MANAGERS_ONLY)
def test_merge_matrix(people, api, role, allowed):
    survivor, duplicate = _pair(people)
    contact = ContactFactory(customer=duplicate)
    deal = DealFactory(customer=duplicate, owner=people.other_rep)
    linked = ActivityFactory(owner=people.other_rep, customer=duplicate, deal=deal)
    done = ActivityFactory(
        owner=people.other_rep,
        customer=duplicate,
        status=Activity.Status.DONE,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        completed_at=timezone.now() - datetime.timedelta(days=2),
        type=activity_type("visit"),
    )
    from totonou.activities.services import customers_refresh_last_contact

    customers_refresh_last_contact(customer_ids=[duplicate.pk])
    client = api(people.get(role))
    before = counts()
    response = client.post(f"/customers/{survivor.pk}/merge", {"duplicate": duplicate.pk})
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    if not allowed:
        assert response.status_code == 403, response.content
        assert counts() == before
        assert duplicate.archived_at is None
        assert Contact.objects.get(pk=contact.pk).customer_id == duplicate.pk
        return
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["contacts"], body["deals"], body["activities"]) == (1, 1, 2)
    assert body["customer"]["id"] == survivor.pk
    assert Contact.objects.get(pk=contact.pk).customer_id == survivor.pk
    assert Deal.objects.get(pk=deal.pk).customer_id == survivor.pk
    linked.refresh_from_db()
    assert (linked.customer_id, linked.deal_id, linked.is_key_customer) == (survivor.pk, deal.pk, True)
    assert survivor.is_key is True  # the duplicate was a key customer
    assert survivor.phone == "03-1111-2222"
    assert survivor.external_id == "X-9"
    assert survivor.last_contact_at == Activity.objects.get(pk=done.pk).starts_at
    assert duplicate.merged_into_id == survivor.pk
    assert duplicate.archived_at is not None
    assert duplicate.external_id == ""
    # The merged-away record answers with its survivor; its page redirects there.
    record = api(people.owner).get(f"/customers/{duplicate.pk}").json()
    assert (record["archived"], record["merged_into"]) == (True, survivor.pk)
    assert audit_history(survivor).first().changes["merged"] == [None, duplicate.pk]
    assert api(people.owner).get("/customers/duplicates", {"name": "サンプル"}).json()[0]["customer"][
        "id"
    ] in {
        survivor.pk,
        duplicate.pk,
    }


def test_merge_bad_input(people, api):
    survivor, duplicate = _pair(people)
    client = api(people.manager)
    before = counts()
    itself = client.post(f"/customers/{survivor.pk}/merge", {"duplicate": survivor.pk})
    assert itself.status_code == 422
    assert "duplicate" in detail(itself)
    missing = client.post(f"/customers/{survivor.pk}/merge", {"duplicate": 999999})
    assert missing.status_code == 422
    assert "duplicate" in detail(missing)
    assert client.post("/customers/999999/merge", {"duplicate": duplicate.pk}).status_code == 404
    assert client.post(f"/customers/{survivor.pk}/merge", {}).status_code == 422
    assert counts() == before
    assert client.post(f"/customers/{survivor.pk}/merge", {"duplicate": duplicate.pk}).status_code == 200
    again = client.post(f"/customers/{survivor.pk}/merge", {"duplicate": duplicate.pk})
    assert again.status_code == 422
    assert "duplicate" in detail(again)
    restore = client.patch(f"/customers/{duplicate.pk}", {"archived": False})
    assert restore.status_code == 409


def test_merge_other_team_customer_is_refused(people, api):
    survivor = CustomerFactory(owner=people.owner)
    foreign = CustomerFactory(owner=people.rep_b)
    client = api(people.manager)
    before = counts()
    response = client.post(f"/customers/{survivor.pk}/merge", {"duplicate": foreign.pk})
    assert response.status_code == 403
    assert counts() == before


# --- Reassign -----------------------------------------------------------------------------------------


def _book(people):
    customers = [CustomerFactory(owner=people.owner, name=f"Book {i}") for i in range(4)]
    open_deal = DealFactory(customer=customers[0], owner=people.owner)
    won_deal = DealFactory(customer=customers[1], owner=people.owner, stage=Stage.objects.get(slug="won"))
    future = ActivityFactory(owner=people.owner, customer=customers[2])
    past = ActivityFactory(
        owner=people.owner,
        customer=customers[2],
        status=Activity.Status.DONE,
        starts_at=timezone.now() - datetime.timedelta(days=3),
        completed_at=timezone.now() - datetime.timedelta(days=3),
    )
    return customers, open_deal, won_deal, future, past


@pytest.mark.parametrize(("role", "allowed"), MANAGERS_ONLY)
def test_reassign_matrix(people, api, role, allowed):
    customers, open_deal, won_deal, future, past = _book(people)
    client = api(people.get(role))
    before = counts()
    response = client.post(
        "/customers/reassign", {"from_owner": people.owner.pk, "to_owner": people.other_rep.pk}
    )
    owners = set(Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("owner_id", flat=True))
    if not allowed:
        assert response.status_code == 403, response.content
        assert owners == {people.owner.pk}
        assert counts() == before
        return
    assert response.status_code == 200, response.content
    assert response.json() == {
        "customers": 4,
        "deals": 1,
        "activities": 1,
        "owners": [{"owner": people.other_rep.pk, "customers": 4}],
    }
    assert owners == {people.other_rep.pk}
    assert Deal.objects.get(pk=open_deal.pk).owner_id == people.other_rep.pk
    assert Deal.objects.get(pk=won_deal.pk).owner_id == people.owner.pk  # closed deals keep their owner
    assert Activity.objects.get(pk=future.pk).owner_id == people.other_rep.pk
    assert Activity.objects.get(pk=past.pk).owner_id == people.owner.pk  # history keeps its author
    assert Customer.objects.get(pk=customers[0].pk).version == 2
    assert audit_history(customers[0]).first().changes == {"owner": [people.owner.pk, people.other_rep.pk]}


def test_reassign_chosen_customers_and_across_a_team(people, api, team_a):
    customers, open_deal, _won, future, _past = _book(people)
    client = api(people.manager)
    chosen = client.post(
        "/customers/reassign",
        {"from_owner": people.owner.pk, "to_owner": people.other_rep.pk, "customers": [customers[0].pk]},
    )
    assert chosen.status_code == 200, chosen.content
    assert chosen.json()["customers"] == 1
    assert Customer.objects.get(pk=customers[0].pk).owner_id == people.other_rep.pk
    assert Deal.objects.get(pk=open_deal.pk).owner_id == people.other_rep.pk
    assert Customer.objects.get(pk=customers[1].pk).owner_id == people.owner.pk
    # The rest shared across the team: the owner leaves, so only other_rep is there to take them.
    team, _manager, _reps = team_a
    extra = type(people.owner).objects.create(username="rep_a3", team=team, role="rep")
    spread = client.post("/customers/reassign", {"from_owner": people.owner.pk, "to_team": team.pk})
    assert spread.status_code == 200, spread.content
    rest = sorted(c.pk for c in customers[1:])
    expected = {rest[0]: people.other_rep.pk, rest[1]: extra.pk, rest[2]: people.other_rep.pk}
    assert dict(Customer.objects.filter(pk__in=rest).values_list("pk", "owner_id")) == expected
    assert spread.json()["owners"] == [
        {"owner": people.other_rep.pk, "customers": 2},
        {"owner": extra.pk, "customers": 1},
    ]
    assert Activity.objects.get(pk=future.pk).owner_id == expected[customers[2].pk]


def test_reassign_bad_input(people, api):
    customers, *_ = _book(people)
    people.other_rep.is_active = False
    people.other_rep.save()
    client = api(people.manager)
    other = CustomerFactory(owner=people.manager)
    before = counts()
    cases = [
        ({"from_owner": people.owner.pk, "to_owner": people.other_rep.pk}, "to_owner"),  # deactivated
        ({"from_owner": people.owner.pk, "to_owner": people.owner.pk}, "to_owner"),
        ({"from_owner": people.owner.pk}, "to_owner"),
        ({"from_owner": 999999, "to_owner": people.manager.pk}, "from_owner"),
        ({"from_owner": people.owner.pk, "to_owner": people.manager.pk, "customers": [999999]}, "customers"),
        ({"from_owner": people.owner.pk, "to_owner": people.manager.pk, "customers": []}, "customers"),
    ]
    for body, field in cases:
        response = client.post("/customers/reassign", body)
        assert response.status_code == 422, (body, response.content)
        assert field in detail(response), (body, detail(response))
    deactivated = client.post("/customers/reassign", cases[0][0])
    assert "is deactivated" in detail(deactivated)["to_owner"][0]
    not_theirs = client.post(
        "/customers/reassign",
        {"from_owner": people.owner.pk, "to_owner": people.manager.pk, "customers": [other.pk]},
    )
    assert not_theirs.status_code == 422
    assert counts() == before
    assert set(Customer.objects.filter(owner=people.owner).values_list("pk", flat=True)) == {
        c.pk for c in customers
    }


def test_reassign_to_another_teams_rep_is_refused(people, api):
    _book(people)
    client = api(people.manager)
    before = counts()
    response = client.post(
        "/customers/reassign", {"from_owner": people.owner.pk, "to_owner": people.rep_b.pk}
    )
    assert response.status_code == 403
    assert counts() == before


def test_reassign_is_set_based(people, api, django_assert_num_queries):
    for index in range(60):
        CustomerFactory(owner=people.owner, name=f"Many {index}")
    ContentType.objects.get_for_models(Customer, Deal, Activity)  # cached, as in a running server
    client = api(people.admin)
    # The token (and its last use) and the admin; the two users named; the customers, open deals and
    # future plans read once; the customers' UPDATE (no deal or plan to move); one audit INSERT; the
    # customers' and their contacts' search documents.
    with django_assert_num_queries(13):
        response = client.post(
            "/customers/reassign", {"from_owner": people.owner.pk, "to_owner": people.other_rep.pk}
        )
    assert response.json()["customers"] == 60
    assert SegmentFactory  # factories imported for the module's other tests


def test_reassign_of_thousands_writes_in_batches_of_2000(people, api, django_assert_num_queries):
    """2,001 chosen customers: two audit INSERTs and two UPDATEs per search kind, never one per row or
    per 142 rows (SQLite's 999 parameters in ``bulk_create``)."""
    customers = Customer.objects.bulk_create(
        Customer(owner=people.owner, name=f"Bulk {index:04d}") for index in range(2001)
    )
    ids = sorted(customer.pk for customer in customers)
    ContentType.objects.get_for_models(Customer, Deal, Activity)  # cached, as in a running server
    client = api(people.admin)
    body = {"from_owner": people.owner.pk, "to_owner": people.other_rep.pk, "customers": ids}
    # The token (and its last use) and the admin; the two users named; the chosen customers looked up;
    # the service's savepoint (in the test's transaction) and its release; the customers, open deals and
    # future plans read once; the customers' UPDATE; two audit INSERTs; two UPDATEs each for the
    # customers' and their contacts' search documents.
    with django_assert_num_queries(17):
        response = client.post("/customers/reassign", body)
    assert response.status_code == 200, response.content
    assert response.json()["customers"] == 2001
    assert set(Customer.objects.filter(pk__in=ids).values_list("owner_id", "version")) == {
        (people.other_rep.pk, 2)
    }
    entries = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Customer))
    assert entries.count() == 2001
    assert set(entries.values_list("object_repr", flat=True)) == {
        f"Bulk {index:04d}" for index in range(2001)
    }
    assert set(entries.values_list("object_id", "action", "actor_id")) == {
        (pk, "update", people.admin.pk) for pk in ids
    }
    assert {json.dumps(changes) for changes in entries.values_list("changes", flat=True)} == {
        json.dumps({"owner": [people.owner.pk, people.other_rep.pk]})
    }
    assert entries.filter(created_at__isnull=True).count() == 0


# --- Bulk segment and key -----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), MANAGERS_ONLY)
def test_bulk_segment_and_key_matrix(people, api, role, allowed):
    customers = [CustomerFactory(owner=people.owner, is_key=False) for _ in range(2)]
    activity = ActivityFactory(owner=people.owner, customer=customers[0])
    segment = SegmentFactory(name="Bulk target")
    ids = [customer.pk for customer in customers]
    client = api(people.get(role))
    before = counts()
    segmented = client.post("/customers/set-segment", {"customers": ids, "segment": segment.pk})
    keyed = client.post("/customers/set-key", {"customers": ids, "is_key": True})
    rows = set(Customer.objects.filter(pk__in=ids).values_list("segment_id", "is_key"))
    if allowed:
        assert (segmented.status_code, keyed.status_code) == (200, 200), segmented.content
        assert (segmented.json(), keyed.json()) == ({"changed": 2}, {"changed": 2})
        assert rows == {(segment.pk, True)}
        assert Activity.objects.get(pk=activity.pk).is_key_customer is True
    else:
        assert (segmented.status_code, keyed.status_code) == (403, 403)
        assert segment.pk not in {row[0] for row in rows}
        assert counts() == before


def test_bulk_bad_input(people, api):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.manager)
    before = counts()
    assert client.post("/customers/set-key", {"customers": [], "is_key": True}).status_code == 422
    missing = client.post("/customers/set-key", {"customers": [999999], "is_key": True})
    assert (missing.status_code, list(detail(missing))) == (422, ["customers"])
    no_segment = client.post("/customers/set-segment", {"customers": [customer.pk], "segment": 999999})
    assert (no_segment.status_code, list(detail(no_segment))) == (422, ["segment"])
    assert client.post("/customers/set-key", {"customers": [customer.pk]}).status_code == 422
    assert counts() == before
    cleared = client.post("/customers/set-segment", {"customers": [customer.pk], "segment": None})
    assert cleared.json() == {"changed": 1}
