"""Deals (案件): list with the shared filters, detail, create, partial update with stage changes, delete."""

from __future__ import annotations

import pytest

from tests.api.conftest import MATRIX, counts, detail
from tests.factories import ActivityFactory, CustomerFactory, DealFactory
from totonou.deals.models import Deal, LossReason, Stage, StageChange

pytestmark = pytest.mark.django_db


def stage(slug: str) -> Stage:
    return Stage.objects.get(slug=slug)


def test_detail_shape(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner), title="Big one", amount=5_000_000)
    row = api(people.rep_b).get(f"/deals/{deal.pk}").json()
    assert row["id"] == deal.pk
    assert (row["customer"], row["owner"], row["title"]) == (deal.customer_id, people.owner.pk, "Big one")
    assert (row["amount"], row["stage"], row["expected_close_date"]) == (5_000_000, stage("lead").pk, None)
    assert row["loss_reason"] is None
    assert row["version"] == 1
    assert row["web_url"] == f"http://127.0.0.1:8000/deals/{deal.pk}/"


def test_list_filters(people, api):
    mine = DealFactory(customer=CustomerFactory(owner=people.owner), title="Mine proposal")
    other = DealFactory(customer=CustomerFactory(owner=people.rep_b), title="Team B", stage=stage("won"))
    client = api(people.owner)

    def ids(**params):
        response = client.get("/deals", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {mine.pk, other.pk}
    assert ids(q="proposal") == {mine.pk}
    assert ids(customer=other.customer_id) == {other.pk}
    assert ids(owner=people.owner.pk) == {mine.pk}
    assert ids(team=people.rep_b.team_id) == {other.pk}
    assert ids(stage=stage("won").pk) == {other.pk}
    assert ids(kind="open") == {mine.pk}
    response = client.get("/deals", {"kind": "closed"})
    assert response.status_code == 422
    assert set(detail(response)) == {"kind"}
    assert client.get("/deals/999999").status_code == 404


def test_create_defaults(people, api):
    customer = CustomerFactory(owner=people.owner)
    response = api(people.owner).post(
        "/deals",
        {"customer": customer.pk, "title": "New", "amount": 300, "expected_close_date": "2026-06-30"},
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert (row["owner"], row["stage"], row["expected_close_date"]) == (
        people.owner.pk,
        stage("lead").pk,
        "2026-06-30",
    )
    deal = Deal.objects.get(pk=row["id"])
    assert list(deal.stage_changes.values_list("from_stage", "to_stage")) == [(None, stage("lead").pk)]


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_create_permissions(people, api, role, allowed):
    customer = CustomerFactory(owner=people.owner)
    client = api(people.get(role))
    before = counts()
    response = client.post(
        "/deals", {"customer": customer.pk, "title": "For owner", "owner": people.owner.pk}
    )
    if allowed:
        assert response.status_code == 201, response.content
        assert Deal.objects.get(title="For owner").owner == people.owner
    else:
        assert response.status_code == 403
        assert counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "No customer"}, "customer"),
        ({"customer": 999999, "title": "Unknown customer"}, "customer"),
        ({"customer": "CUSTOMER"}, "title"),
        ({"customer": "CUSTOMER", "title": ""}, "title"),
        ({"customer": "CUSTOMER", "title": "T", "amount": -1}, "amount"),
        ({"customer": "CUSTOMER", "title": "T", "amount": "lots"}, "amount"),
        ({"customer": "CUSTOMER", "title": "T", "stage": 999999}, "stage"),
        ({"customer": "CUSTOMER", "title": "T", "loss_reason": 999999}, "loss_reason"),
        ({"customer": "CUSTOMER", "title": "T", "owner": 999999}, "owner"),
        ({"customer": "CUSTOMER", "title": "T", "expected_close_date": "soon"}, "expected_close_date"),
        ({"customer": "CUSTOMER", "title": "T", "loss_note": "not on create"}, "loss_note"),
    ],
)
def test_create_validation(people, api, body, field):
    customer = CustomerFactory(owner=people.owner)
    body = {key: customer.pk if value == "CUSTOMER" else value for key, value in body.items()}
    client = api(people.owner)
    before = counts()
    response = client.post("/deals", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    assert counts() == before


def test_create_in_an_inactive_stage_is_422(people, api):
    Stage.objects.filter(slug="qualified").update(is_active=False)
    customer = CustomerFactory(owner=people.owner)
    client = api(people.owner)
    before = counts()
    response = client.post("/deals", {"customer": customer.pk, "title": "T", "stage": stage("qualified").pk})
    assert response.status_code == 422
    assert set(detail(response)) == {"stage"}
    assert counts() == before


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_update_permissions(people, api, role, allowed):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner), title="Before")
    client = api(people.get(role))
    before = counts()
    response = client.patch(f"/deals/{deal.pk}", {"title": "After", "stage": stage("proposal").pk})
    deal.refresh_from_db()
    if allowed:
        assert response.status_code == 200, response.content
        assert (deal.title, deal.stage.slug) == ("After", "proposal")
    else:
        assert response.status_code == 403
        assert (deal.title, deal.stage.slug, deal.version) == ("Before", "lead", 1)
        assert counts() == before


def test_stage_change_writes_history(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    client = api(people.owner)
    response = client.patch(f"/deals/{deal.pk}", {"stage": stage("negotiation").pk})
    assert response.status_code == 200
    assert response.json()["stage"] == stage("negotiation").pk
    change = StageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.changed_by) == (
        stage("lead"),
        stage("negotiation"),
        people.owner,
    )
    # Sending the current stage again changes nothing.
    assert client.patch(f"/deals/{deal.pk}", {"stage": stage("negotiation").pk}).status_code == 200
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_closing_as_lost_with_reason_and_note(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    price = LossReason.objects.get(slug="price")
    client = api(people.owner)
    response = client.patch(
        f"/deals/{deal.pk}", {"stage": stage("lost").pk, "loss_reason": price.pk, "loss_note": "Too dear"}
    )
    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["stage"], row["loss_reason"], row["loss_note"]) == (stage("lost").pk, price.pk, "Too dear")
    assert row["closed_at"] is not None
    # Changing only the note keeps the reason, and the other way round.
    client.patch(f"/deals/{deal.pk}", {"loss_note": "Far too dear"})
    deal.refresh_from_db()
    assert (deal.loss_reason, deal.loss_note) == (price, "Far too dear")
    competitor = LossReason.objects.get(slug="competitor")
    client.patch(f"/deals/{deal.pk}", {"loss_reason": competitor.pk})
    deal.refresh_from_db()
    assert (deal.loss_reason, deal.loss_note) == (competitor, "Far too dear")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"amount": -5}, "amount"),
        ({"stage": 999999}, "stage"),
        ({"customer": 999999}, "customer"),
        ({"owner": 999999}, "owner"),
        ({"loss_reason": 999999}, "loss_reason"),
        ({"stage_entered_at": "2026-01-01T00:00:00+09:00"}, "stage_entered_at"),
    ],
)
def test_update_validation(people, api, body, field):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner), title="Same")
    client = api(people.owner)
    before = counts()
    response = client.patch(f"/deals/{deal.pk}", body)
    assert response.status_code == 422, response.content
    assert field in detail(response)
    deal.refresh_from_db()
    assert (deal.title, deal.version) == ("Same", 1)
    assert counts() == before


def test_moving_a_deal_with_activities_to_another_customer_is_422(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    ActivityFactory(owner=people.owner, customer=deal.customer, deal=deal)
    other = CustomerFactory(owner=people.owner)
    client = api(people.owner)
    before = counts()
    response = client.patch(f"/deals/{deal.pk}", {"customer": other.pk})
    assert response.status_code == 422
    assert set(detail(response)) == {"customer"}
    assert counts() == before


def test_update_with_a_stale_version_is_409(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner), title="Before")
    client = api(people.owner)
    assert client.patch(f"/deals/{deal.pk}", {"title": "First", "version": 1}).status_code == 200
    before = counts()
    response = client.patch(f"/deals/{deal.pk}", {"title": "Second", "stage": stage("won").pk, "version": 1})
    assert response.status_code == 409
    deal.refresh_from_db()
    assert (deal.title, deal.stage.slug) == ("First", "lead")
    assert counts() == before
    assert client.patch("/deals/999999", {"title": "x"}).status_code == 404


@pytest.mark.parametrize(("role", "allowed"), MATRIX)
def test_delete_permissions(people, api, role, allowed):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    client = api(people.get(role))
    before = counts()
    response = client.delete(f"/deals/{deal.pk}")
    if allowed:
        assert response.status_code == 204
        assert not Deal.objects.filter(pk=deal.pk).exists()
    else:
        assert response.status_code == 403
        assert Deal.objects.filter(pk=deal.pk).exists()
        assert counts() == before


def test_delete_deal_with_activities_is_409(people, api):
    deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    ActivityFactory(owner=people.owner, customer=deal.customer, deal=deal)
    client = api(people.owner)
    before = counts()
    assert client.delete(f"/deals/{deal.pk}").status_code == 409
    assert counts() == before
    assert client.delete("/deals/999999").status_code == 404
