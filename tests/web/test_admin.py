"""The Django admin: admins only, saves through the services, audit entries read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, CustomerFactory, DealFactory, SegmentFactory, UserFactory
from totonou.activities.models import Activity
from totonou.core.models import AuditEntry
from totonou.customers.models import Contact, Customer, Segment
from totonou.deals.models import Stage, StageChange
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def test_admins_use_the_admin(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    for model in ("users/user", "customers/customer", "deals/deal", "activities/activity", "core/auditentry"):
        assert client.get(f"/admin/{model}/").status_code == 200, model


def test_staff_without_the_admin_role_sees_nothing(client_for):
    staff_rep = UserFactory(username="staffrep", role=User.Role.REP, is_staff=True, is_superuser=True)
    client = client_for(staff_rep)
    index = client.get(reverse("admin:index"))
    assert b"customers/customer" not in index.content
    assert client.get("/admin/customers/customer/").status_code == 403


def test_reps_are_sent_to_the_admin_sign_in(client_for):
    response = client_for(UserFactory(username="rep")).get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_audit_entries_are_read_only(client_for, admin_user):
    client = client_for(admin_user)
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    customer = CustomerFactory()
    client.post(f"/admin/customers/customer/{customer.pk}/change/", _customer_form(customer, name="Renamed"))
    entry = AuditEntry.objects.latest("id")
    page = client.get(f"/admin/core/auditentry/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in page
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _customer_form(customer: Customer, **changes: object) -> dict[str, object]:
    data = {
        "name": customer.name,
        "name_kana": customer.name_kana,
        "segment": customer.segment_id or "",
        "owner": customer.owner_id,
        "status": customer.status,
        "cadence_days": "",
        "postal_code": "",
        "address": "",
        "phone": "",
        "website": "",
        "notes": "",
        "external_id": "",
    }
    if customer.is_key:
        data["is_key"] = "on"
    data.update(changes)
    return data


def test_changing_a_customer_goes_through_the_service(client_for, admin_user):
    customer = CustomerFactory()
    response = client_for(admin_user).post(
        f"/admin/customers/customer/{customer.pk}/change/",
        _customer_form(customer, name="Renamed", is_key="on"),
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Renamed" and customer.is_key
    assert customer.version == 2  # save_changes bumped it
    entry = AuditEntry.objects.filter(object_id=customer.pk, action="update").latest("id")
    assert entry.actor == admin_user
    assert set(entry.changes) == {"name", "is_key"}


def test_adding_a_customer_goes_through_the_service(client_for, admin_user):
    owner = UserFactory(username="owner")
    data = _customer_form(Customer(name="New Co", owner=owner, status="active"))
    response = client_for(admin_user).post("/admin/customers/customer/add/", data)
    assert response.status_code == 302
    customer = Customer.objects.get(name="New Co")
    assert AuditEntry.objects.filter(object_id=customer.pk, action="create", actor=admin_user).exists()


def test_deleting_goes_through_the_service(client_for, admin_user):
    contact = ContactFactory()
    response = client_for(admin_user).post(f"/admin/customers/contact/{contact.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert AuditEntry.objects.filter(object_id=contact.pk, action="delete", actor=admin_user).exists()


def test_bulk_delete_is_not_offered_where_services_decide(client_for, admin_user):
    page = client_for(admin_user).get("/admin/customers/customer/").content.decode()
    assert "delete_selected" not in page


def test_a_segment_with_customers_is_not_deleted(client_for, admin_user):
    segment = SegmentFactory(name="Busy")
    CustomerFactory(segment=segment)
    client_for(admin_user).post(
        f"/admin/customers/segment/{segment.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_moving_a_deal_to_another_stage_in_the_admin_records_the_history(client_for, admin_user):
    deal = DealFactory()
    proposal = Stage.objects.get(slug="proposal")
    data = {
        "title": deal.title,
        "customer": deal.customer_id,
        "owner": deal.owner_id,
        "amount": deal.amount,
        "expected_close_date": "",
        "stage": proposal.pk,
        "loss_reason": "",
        "loss_note": "",
        "next_step": "",
        "notes": "",
        "stage_changes-TOTAL_FORMS": "0",
        "stage_changes-INITIAL_FORMS": "0",
    }
    response = client_for(admin_user).post(f"/admin/deals/deal/{deal.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    deal.refresh_from_db()
    assert deal.stage == proposal
    assert StageChange.objects.filter(deal=deal, to_stage=proposal, changed_by=admin_user).exists()


def test_a_service_validation_error_is_shown_on_the_admin_form(client_for, admin_user, world):
    activity = world.plain_activity  # Plain Foods; the deal belongs to Key Mart
    data = {
        "owner": activity.owner_id,
        "type": activity.type_id,
        "customer": activity.customer_id,
        "deal": world.deal.pk,
        "starts_at_0": "2026-05-11",
        "starts_at_1": "10:00",
        "ends_at_0": "2026-05-11",
        "ends_at_1": "11:00",
        "subject": "changed",
        "purpose": "",
        "notes": "",
        "next_step": "",
    }
    response = client_for(admin_user).post(f"/admin/activities/activity/{activity.pk}/change/", data)
    assert response.status_code == 200
    assert "This deal belongs to another customer." in response.content.decode()
    activity.refresh_from_db()
    assert activity.subject == "Plain visit" and activity.deal is None
    assert Activity.objects.get(pk=activity.pk).version == 1
