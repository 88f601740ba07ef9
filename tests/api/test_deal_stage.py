"""``POST /api/v1/deals/{id}/stage`` (issue 12): the stage change with close date, loss reason and note,
the reopen rule, the permission matrix and bad inputs; a deal's contact and external id; archiving."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.api.conftest import MATRIX, counts, detail
from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory
from totonou.activities.models import ActivityEvent
from totonou.deals.models import Deal, LossReason, Stage, StageChange
from totonou.notifications.models import Event as OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def deal_channel(settings, admin_user):
    """A channel that wants every deal event, so the outbox records them (nothing is delivered here)."""
    from tests.notifications.helpers import make_channel

    settings.TOTONOU_WEBHOOK_ALLOW_PRIVATE = True
    return make_channel(
        admin_user,
        "http://127.0.0.1:9/hook",
        events=["deal.stage_changed", "deal.won", "deal.lost"],
        language="en",
    )


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def reason(slug: str = "price") -> LossReason:
    return LossReason.objects.get(slug=slug)


def owned_deal(people, **fields) -> Deal:
    return DealFactory(customer=CustomerFactory(owner=people.owner), owner=people.owner, **fields)


def state(deal: Deal) -> tuple:
    deal.refresh_from_db()
    return (deal.stage.slug, deal.version, deal.closed_at, deal.loss_reason_id, deal.loss_note, deal.amount)


def all_counts() -> dict[str, int]:
    return {**counts(), "events": ActivityEvent.objects.count(), "outbox": OutboxEvent.objects.count()}


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_stage_change_permissions(people, api, role, allowed):
    deal = owned_deal(people)
    client = api(people.get(role))
    before, snapshot = all_counts(), state(deal)
    response = client.post(f"/deals/{deal.pk}/stage", {"stage": stage("proposal").pk})
    if allowed:
        assert response.status_code == 200, response.content
        row = response.json()
        assert (row["stage"], row["version"], row["closed_at"]) == (stage("proposal").pk, 2, None)
        change = StageChange.objects.filter(deal=deal).get()
        assert (change.from_stage, change.to_stage, change.changed_by) == (
            stage("lead"),
            stage("proposal"),
            people.get(role),
        )
        event = ActivityEvent.objects.get(deal=deal)
        assert (event.kind, event.actor, event.data["from"]["en"], event.data["to"]["en"]) == (
            "stage",
            people.get(role),
            "Lead",
            "Proposal",
        )
        assert OutboxEvent.objects.filter(name="deal.stage_changed").count() == 1
    else:
        assert response.status_code == 403
        assert detail(response) == "You may not change records of another user."
        assert state(deal) == snapshot
        assert all_counts() == before


def test_won_closes_today_with_the_confirmed_amount_and_sends_deal_won(people, api):
    deal = owned_deal(people, amount=1_000_000)
    response = api(people.owner).post(
        f"/deals/{deal.pk}/stage", {"stage": stage("won").pk, "amount": 1_250_000, "version": 1}
    )
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert (deal.stage.slug, deal.amount) == ("won", 1_250_000)
    assert timezone.localtime(deal.closed_at).date() == timezone.localdate()
    assert list(OutboxEvent.objects.values_list("name", flat=True)) == ["deal.won"]
    assert ActivityEvent.objects.get(deal=deal).data["stage_kind"] == "won"


def test_lost_with_reason_and_note_sends_deal_lost(people, api):
    deal = owned_deal(people)
    response = api(people.owner).post(
        f"/deals/{deal.pk}/stage",
        {"stage": stage("lost").pk, "loss_reason": reason().pk, "loss_note": "Too dear"},
    )
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["stage"], row["loss_reason"], row["loss_note"]) == (stage("lost").pk, reason().pk, "Too dear")
    assert list(OutboxEvent.objects.values_list("name", flat=True)) == ["deal.lost"]
    data = ActivityEvent.objects.get(deal=deal).data
    assert (data["loss_reason"], data["loss_note"]) == ({"ja": "価格", "en": "Price"}, "Too dear")


def test_admin_may_backdate_a_close(people, api):
    deal = owned_deal(people)
    day = timezone.localdate() - datetime.timedelta(days=10)
    response = api(people.admin).post(
        f"/deals/{deal.pk}/stage", {"stage": stage("won").pk, "closed_on": day.isoformat()}
    )
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert timezone.localtime(deal.closed_at).date() == day
    assert StageChange.objects.filter(deal=deal).get().changed_at == deal.closed_at


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_only_an_admin_may_backdate(people, api, role):
    deal = owned_deal(people)
    client = api(people.get(role))
    before, snapshot = all_counts(), state(deal)
    day = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        f"/deals/{deal.pk}/stage", {"stage": stage("won").pk, "closed_on": day.isoformat()}
    )
    assert response.status_code == 422
    assert detail(response) == {"closed_on": ["Only an administrator may give a close date in the past."]}
    assert (state(deal), all_counts()) == (snapshot, before)


# Who may reopen a deal the owner lost: the owner's manager and admins, not the owner.
REOPEN_MATRIX = [
    ("owner", False),
    ("other_rep", False),
    ("manager", True),
    ("other_manager", False),
    ("admin", True),
]


@pytest.mark.parametrize(("role", "allowed"), REOPEN_MATRIX)
def test_reopen_permissions(people, api, role, allowed):
    deal = owned_deal(people)
    api(people.owner).post(f"/deals/{deal.pk}/stage", {"stage": stage("lost").pk, "loss_reason": reason().pk})
    client = api(people.get(role))
    before, snapshot = all_counts(), state(deal)
    response = client.post(f"/deals/{deal.pk}/stage", {"stage": stage("negotiation").pk})
    if allowed:
        assert response.status_code == 200, response.content
        deal.refresh_from_db()
        assert (deal.stage.slug, deal.closed_at, deal.loss_reason, deal.loss_note) == (
            "negotiation",
            None,
            None,
            "",
        )
        change = StageChange.objects.filter(deal=deal).latest("id")
        assert (change.from_stage.slug, change.changed_by) == ("lost", people.get(role))
        assert ActivityEvent.objects.filter(deal=deal).latest("id").data["reopened"] is True
    else:
        assert response.status_code == 403
        assert (state(deal), all_counts()) == (snapshot, before)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 422, "stage"),
        ({"stage": 999999}, 422, "stage"),
        ({"stage": "proposal"}, 422, "stage"),
        ({"stage": "LOST"}, 422, "loss_reason"),
        ({"stage": "LOST", "loss_reason": 999999}, 422, "loss_reason"),
        ({"stage": "PROPOSAL", "loss_reason": "REASON"}, 422, "loss_reason"),
        ({"stage": "PROPOSAL", "loss_note": "why"}, 422, "loss_note"),
        ({"stage": "PROPOSAL", "closed_on": "TODAY"}, 422, "closed_on"),
        ({"stage": "WON", "closed_on": "TOMORROW"}, 422, "closed_on"),
        ({"stage": "WON", "closed_on": "someday"}, 422, "closed_on"),
        ({"stage": "WON", "amount": -1}, 422, "amount"),
        ({"stage": "PROPOSAL", "colour": "red"}, 422, "colour"),
        ({"stage": "LEAD"}, 409, None),
        ({"stage": "PROPOSAL", "version": 7}, 409, None),
    ],
)
def test_bad_input_changes_nothing(people, api, body, status, field):
    deal = owned_deal(people)
    values = {
        "LOST": stage("lost").pk,
        "WON": stage("won").pk,
        "LEAD": stage("lead").pk,
        "PROPOSAL": stage("proposal").pk,
        "REASON": reason().pk,
        "TODAY": timezone.localdate().isoformat(),
        "TOMORROW": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
    }
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    client = api(people.owner)
    before, snapshot = all_counts(), state(deal)
    response = client.post(f"/deals/{deal.pk}/stage", body)
    assert response.status_code == status, response.content
    if field is not None:
        assert field in detail(response)
    assert (state(deal), all_counts()) == (snapshot, before)


def test_inactive_stage_and_unknown_deal(people, api):
    deal = owned_deal(people)
    Stage.objects.filter(slug="qualified").update(is_active=False)
    client = api(people.owner)
    before = all_counts()
    response = client.post(f"/deals/{deal.pk}/stage", {"stage": stage("qualified").pk})
    assert response.status_code == 422
    assert set(detail(response)) == {"stage"}
    assert client.post("/deals/999999/stage", {"stage": stage("won").pk}).status_code == 404
    assert all_counts() == before


def test_anonymous_is_401(people, anonymous):
    deal = owned_deal(people)
    assert anonymous.post(f"/deals/{deal.pk}/stage", {"stage": stage("won").pk}).status_code == 401
    assert state(deal)[0] == "lead"


# --- Contact and external id --------------------------------------------------------------------------


def test_create_with_contact_and_external_id(people, api):
    customer = CustomerFactory(owner=people.owner)
    contact = ContactFactory(customer=customer)
    response = api(people.owner).post(
        "/deals", {"customer": customer.pk, "title": "T", "contact": contact.pk, "external_id": "SF-001"}
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["contact"], row["external_id"], row["archived_at"]) == (contact.pk, "SF-001", None)
    listed = api(people.owner).get("/deals", {"external_id": "SF-001"}).json()["results"]
    assert [item["id"] for item in listed] == [row["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contact": "OTHER_CONTACT"}, "contact"),
        ({"contact": 999999}, "contact"),
        ({"external_id": "TAKEN"}, "external_id"),
        ({"stage": "LOST"}, "loss_reason"),
    ],
)
def test_create_bad_input(people, api, body, field):
    customer = CustomerFactory(owner=people.owner)
    owned_deal(people, external_id="TAKEN")
    other_contact = ContactFactory()
    values = {"OTHER_CONTACT": other_contact.pk, "LOST": stage("lost").pk}
    body = {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    client = api(people.owner)
    before = all_counts()
    response = client.post("/deals", {"customer": customer.pk, "title": "T", **body})
    assert response.status_code == 422, response.content
    assert set(detail(response)) == {field}
    assert all_counts() == before


def test_patch_contact_of_another_customer_and_duplicate_external_id(people, api):
    deal = owned_deal(people)
    owned_deal(people, external_id="TAKEN")
    foreign_contact = ContactFactory()
    client = api(people.owner)
    before, snapshot = all_counts(), state(deal)
    response = client.patch(f"/deals/{deal.pk}", {"contact": foreign_contact.pk})
    assert (response.status_code, set(detail(response))) == (422, {"contact"})
    response = client.patch(f"/deals/{deal.pk}", {"external_id": "TAKEN"})
    assert (response.status_code, set(detail(response))) == (422, {"external_id"})
    assert (state(deal), all_counts()) == (snapshot, before)
    own_contact = ContactFactory(customer=deal.customer)
    assert client.patch(f"/deals/{deal.pk}", {"contact": own_contact.pk}).json()["contact"] == own_contact.pk
    assert client.patch(f"/deals/{deal.pk}", {"contact": None}).json()["contact"] is None


def test_database_keeps_a_deals_contact_on_its_customer(people):
    from django.db import IntegrityError, transaction

    deal = owned_deal(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(contact=ContactFactory())
    assert Deal.objects.get(pk=deal.pk).contact_id is None


# --- Archive ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_archive_permissions(people, api, role, allowed):
    deal = owned_deal(people)
    ActivityFactory(owner=people.owner, customer=deal.customer, deal=deal)
    client = api(people.get(role))
    before = all_counts()
    response = client.post(f"/deals/{deal.pk}/archive")
    deal.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert response.json()["archived_at"] is not None
        assert api(people.owner).get("/deals").json()["results"] == []
        assert [r["id"] for r in api(people.owner).get("/deals", {"archived": True}).json()["results"]] == [
            deal.pk
        ]
        assert api(people.owner).post(f"/deals/{deal.pk}/archive").status_code == 409
        assert api(people.get(role)).post(f"/deals/{deal.pk}/restore").json()["archived_at"] is None
    else:
        assert response.status_code == 403
        assert deal.archived_at is None
        assert all_counts() == before


# --- The feed ---------------------------------------------------------------------------------------


def test_feed_api_lists_a_stage_change_without_an_activity(people, api):
    deal = owned_deal(people, title="Feed deal")
    api(people.owner).post(f"/deals/{deal.pk}/stage", {"stage": stage("won").pk})
    rows = api(people.other_rep).get("/feed").json()["results"]
    row = next(item for item in rows if item["deal"] == deal.pk)
    assert (row["kind"], row["activity"], row["actor"], row["comment"]) == (
        "stage",
        None,
        people.owner.pk,
        None,
    )
    assert (row["data"]["from"], row["data"]["to"], row["data"]["stage_kind"]) == (
        {"ja": "リード", "en": "Lead"},
        {"ja": stage("won").name_ja, "en": stage("won").name_en},
        "won",
    )
    mine = api(people.owner).get("/feed", {"owner": people.owner.pk}).json()["results"]
    assert [item["deal"] for item in mine] == [deal.pk]
    others = api(people.owner).get("/feed", {"owner": people.rep_b.pk}).json()["results"]
    assert others == []
    latest = api(people.owner).get("/feed/latest").json()["latest_id"]
    assert latest == row["id"]
