"""Customer, contact and segment service rules."""

from __future__ import annotations

import pytest

from tests.factories import ActivityFactory, CustomerFactory, SegmentFactory
from totonou.core.exceptions import ConflictError, PermissionDenied, ValidationError
from totonou.core.models import AuditEntry
from totonou.customers.models import Contact, Customer, Segment
from totonou.customers.services import (
    contact_create,
    contact_update,
    customer_create,
    customer_delete,
    customer_update,
    segment_create,
    segment_delete,
    segment_update,
)

pytestmark = pytest.mark.django_db


def test_create_defaults_the_owner_and_audits(team_a):
    _, _, (rep, _) = team_a
    segment = SegmentFactory(name="食品スーパー")
    customer = customer_create(
        actor=rep, name="株式会社サンプル", name_kana="サンプル", segment=segment, is_key=True
    )
    assert (customer.owner, customer.is_key, customer.version) == (rep, True, 1)
    entry = AuditEntry.objects.get(object_id=customer.pk, content_type__model="customer")
    assert entry.changes["name"] == "株式会社サンプル"


@pytest.mark.parametrize(
    ("field", "value"),
    [("cadence_days", 0), ("name", ""), ("status", "gone"), ("website", "not a url")],
)
def test_invalid_fields_are_rejected(team_a, field, value):
    _, _, (rep, _) = team_a
    fields = {"name": "株式会社サンプル", field: value}
    with pytest.raises(ValidationError) as error:
        customer_create(actor=rep, **fields)
    assert field in error.value.message_dict
    assert Customer.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_external_id_is_unique_when_set(team_a):
    _, _, (rep, _) = team_a
    customer_create(actor=rep, name="A", external_id="X-1")
    customer_create(actor=rep, name="B")
    customer_create(actor=rep, name="C")  # two blanks are fine
    with pytest.raises(ValidationError):
        customer_create(actor=rep, name="D", external_id="X-1")
    assert Customer.objects.count() == 3


def test_unknown_fields_are_rejected(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    with pytest.raises(ValidationError) as error:
        customer_update(actor=rep, customer=customer, version=1, created_at=None)
    assert list(error.value.message_dict) == ["created_at"]


def test_stale_version_is_a_conflict(team_a):
    _, manager, (rep, _) = team_a
    customer = CustomerFactory(owner=rep, name="Before")
    customer_update(actor=manager, customer=customer, version=1, name="Manager's edit")
    with pytest.raises(ConflictError):
        customer_update(actor=rep, customer=customer, version=1, name="Rep's stale edit")
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("Manager's edit", 2)


def test_permissions(team_a, team_b, admin_user):
    _, manager, (rep1, rep2) = team_a
    _, other_manager, (other_rep, _) = team_b
    customer = CustomerFactory(owner=rep1, name="Mine")
    for outsider in (rep2, other_manager):
        with pytest.raises(PermissionDenied):
            customer_update(actor=outsider, customer=customer, name="hijacked")
        with pytest.raises(PermissionDenied):
            contact_create(actor=outsider, customer=customer, name="x")
        with pytest.raises(PermissionDenied):
            customer_delete(actor=outsider, customer=customer)
    with pytest.raises(PermissionDenied):
        customer_create(actor=rep1, owner=rep2, name="for someone else")
    with pytest.raises(PermissionDenied):
        customer_update(actor=manager, customer=customer, owner=other_rep)
    customer.refresh_from_db()
    assert (customer.name, customer.owner, Contact.objects.count()) == ("Mine", rep1, 0)
    customer_update(actor=manager, customer=customer, owner=rep2)
    customer_update(actor=admin_user, customer=customer, owner=other_rep)
    customer.refresh_from_db()
    assert customer.owner == other_rep


def test_contacts(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    contact = contact_create(actor=rep, customer=customer, name="山田 花子", title="バイヤー")
    contact_update(actor=rep, contact=contact, version=1, title="購買部長")
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("購買部長", 2)
    with pytest.raises(ValidationError):
        contact_update(actor=rep, contact=contact, email="not-an-email")


def test_delete_refuses_a_customer_with_history(team_a):
    _, _, (rep, _) = team_a
    customer = CustomerFactory(owner=rep)
    ActivityFactory(owner=rep, customer=customer)
    with pytest.raises(ConflictError):
        customer_delete(actor=rep, customer=customer)
    assert Customer.objects.filter(pk=customer.pk).exists()
    empty = CustomerFactory(owner=rep)
    empty_pk = empty.pk
    customer_delete(actor=rep, customer=empty)
    assert not Customer.objects.filter(pk=empty_pk).exists()
    assert AuditEntry.objects.filter(object_id=empty_pk, action="delete").count() == 1


def test_segments_are_for_managers_and_admins(team_a):
    _, manager, (rep, _) = team_a
    with pytest.raises(PermissionDenied):
        segment_create(actor=rep, name="物流")
    segment = segment_create(actor=manager, name="物流", cadence_days=45, key_cadence_days=14)
    with pytest.raises(ValidationError):
        segment_update(actor=manager, segment=segment, key_cadence_days=0)
    segment.refresh_from_db()
    assert segment.key_cadence_days == 14
    CustomerFactory(owner=rep, segment=segment)
    with pytest.raises(ConflictError):
        segment_delete(actor=manager, segment=segment)
    assert Segment.objects.filter(pk=segment.pk).exists()
