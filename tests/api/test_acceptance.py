"""The acceptance cases of the API, each proving that nothing was written."""

from __future__ import annotations

import datetime

import pytest

from tests.api.conftest import counts, detail, iso, soon
from tests.factories import ActivityFactory, CustomerFactory, DealFactory
from totonou.core.audit import audit_history
from totonou.core.models import AuditEntry

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_activity_whose_end_is_before_its_start_is_422_on_ends_at(people, api):
    customer = CustomerFactory(owner=people.owner)
    start = soon()
    client = api(people.owner)
    before = counts()
    response = client.post(
        "/activities",
        {"type": "visit", "customer": customer.pk, "starts_at": iso(start), "ends_at": iso(start - HOUR)},
    )
    assert response.status_code == 422
    assert list(detail(response)) == ["ends_at"]
    assert counts() == before


def test_deal_of_another_customer_is_422_on_deal(people, api):
    customer = CustomerFactory(owner=people.owner)
    foreign_deal = DealFactory(customer=CustomerFactory(owner=people.owner))
    start = soon()
    client = api(people.owner)
    before = counts()
    response = client.post(
        "/activities",
        {
            "type": "visit",
            "customer": customer.pk,
            "deal": foreign_deal.pk,
            "starts_at": iso(start),
            "ends_at": iso(start + HOUR),
        },
    )
    assert response.status_code == 422
    assert list(detail(response)) == ["deal"]
    assert counts() == before


def test_unknown_customer_id_is_422_on_customer(people, api):
    start = soon()
    client = api(people.owner)
    before = counts()
    response = client.post(
        "/activities",
        {"type": "visit", "customer": 999999, "starts_at": iso(start), "ends_at": iso(start + HOUR)},
    )
    assert response.status_code == 422
    assert list(detail(response)) == ["customer"]
    assert counts() == before


def test_missing_token_is_401(people, anonymous):
    customer = CustomerFactory(owner=people.owner)
    start = soon()
    before = counts()
    response = anonymous.post(
        "/activities",
        {"type": "visit", "customer": customer.pk, "starts_at": iso(start), "ends_at": iso(start + HOUR)},
    )
    assert response.status_code == 401
    assert isinstance(detail(response), str)
    assert counts() == before


def test_rep_editing_another_reps_activity_is_403(people, api):
    activity = ActivityFactory(owner=people.owner, subject="Original", notes="Original notes")
    client = api(people.other_rep)
    before = counts()
    audit_before = AuditEntry.objects.count()
    response = client.patch(f"/activities/{activity.pk}", {"subject": "Hijacked", "notes": "Changed"})
    assert response.status_code == 403
    assert isinstance(detail(response), str)
    activity.refresh_from_db()
    assert (activity.subject, activity.notes, activity.version) == ("Original", "Original notes", 1)
    assert counts() == before
    assert AuditEntry.objects.count() == audit_before
    assert not audit_history(activity).exists()
