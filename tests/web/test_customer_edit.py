"""Customers kept in the app, page by page: create (with the duplicate warning), edit, archive and
restore, contacts added, edited, moved and archived, the merge and the bulk bar for managers, handing a
leaving rep's customers over; refusals change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, SegmentFactory
from tests.web.test_customer_pages import listed
from totonou.activities.models import Activity
from totonou.core.models import AuditEntry
from totonou.customers.models import Contact, Customer

pytestmark = pytest.mark.django_db


def customer_data(**overrides):
    data = {
        "name": "株式会社サンプル",
        "name_kana": "サンプル",
        "segment": "",
        "status": "prospect",
        "postal_code": "100-0001",
        "address": "東京都千代田区千代田1-1",
        "phone": "03-1234-5678",
        "website": "https://sample.example.jp",
        "notes": "",
        "external_id": "",
        "cadence_days": "",
    }
    data.update(overrides)
    return data


def test_rep_creates_a_customer_and_adds_a_contact(team_a, client_for):
    _team, _manager, (rep, _other) = team_a
    client = client_for(rep)
    page = client.get(reverse("customers:customer_create"))
    assert page.status_code == 200
    assert 'name="name"' in page.content.decode()
    response = client.post(reverse("customers:customer_create"), customer_data(owner=rep.pk, is_key="on"))
    customer = Customer.objects.get(name="株式会社サンプル")
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.owner, customer.is_key, customer.status, customer.name_key) == (
        rep,
        True,
        "prospect",
        "サンプル",
    )
    detail = client.get(customer.get_absolute_url()).content.decode()
    assert reverse("customers:customer_edit", args=[customer.pk]) in detail
    assert "https://www.google.com/maps/search/?api=1&amp;query=100-0001+" in detail
    added = client.post(
        reverse("customers:contact_create", args=[customer.pk]),
        {
            "name": "山田 太郎",
            "name_kana": "ヤマダ タロウ",
            "title": "部長",
            "email": "yamada@example.jp",
            "is_decision_maker": "on",
        },
    )
    contact = Contact.objects.get(customer=customer)
    assert added.status_code == 302
    assert (contact.name, contact.title, contact.is_decision_maker) == ("山田 太郎", "部長", True)
    assert "山田 太郎" in client.get(customer.get_absolute_url()).content.decode()


def test_duplicate_warning_then_save_anyway(team_a, client_for):
    _team, _manager, (rep, other_rep) = team_a
    existing = CustomerFactory(owner=other_rep, name="株式会社サンプル")
    client = client_for(rep)
    data = customer_data(name="ｻﾝﾌﾟﾙ(株)", owner=rep.pk, phone="")
    warned = client.post(reverse("customers:customer_create"), data)
    assert warned.status_code == 400
    html = warned.content.decode()
    assert "This customer may already exist" in html
    assert existing.get_absolute_url() in html
    assert Customer.objects.count() == 1
    saved = client.post(reverse("customers:customer_create"), {**data, "save_anyway": "1"})
    assert saved.status_code == 302
    assert Customer.objects.filter(name_key="サンプル").count() == 2


def test_rep_cannot_create_for_another_rep_or_edit_theirs(team_a, client_for):
    _team, _manager, (rep, other_rep) = team_a
    theirs = CustomerFactory(owner=other_rep, name="Theirs")
    client = client_for(rep)
    refused = client.post(reverse("customers:customer_create"), customer_data(owner=other_rep.pk))
    assert refused.status_code == 400  # not a choice for a rep
    assert Customer.objects.count() == 1
    assert client.get(reverse("customers:customer_edit", args=[theirs.pk])).status_code == 403
    before = AuditEntry.objects.count()
    posted = client.post(reverse("customers:customer_edit", args=[theirs.pk]), customer_data(name="Mine now"))
    assert posted.status_code == 403
    assert client.post(reverse("customers:customer_archive", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert (theirs.name, theirs.archived_at, AuditEntry.objects.count()) == ("Theirs", None, before)
    detail = client.get(theirs.get_absolute_url()).content.decode()
    assert reverse("customers:customer_edit", args=[theirs.pk]) not in detail


def test_edit_external_id_taken_is_a_field_error(team_a, client_for):
    _team, _manager, (rep, _other) = team_a
    CustomerFactory(owner=rep, external_id="SF-1")
    customer = CustomerFactory(owner=rep, name="Edit Me", phone="", website="")
    response = client_for(rep).post(
        reverse("customers:customer_edit", args=[customer.pk]),
        customer_data(name="Edit Me", owner=rep.pk, phone="", website="", external_id="SF-1"),
    )
    assert response.status_code == 400
    assert "Another customer already has this external id." in response.content.decode()
    customer.refresh_from_db()
    assert customer.external_id == ""


def test_archive_hides_from_list_and_pickers_and_restore(team_a, client_for):
    _team, _manager, (rep, _other) = team_a
    kept = CustomerFactory(owner=rep, name="Kept", name_kana="ア")
    gone = CustomerFactory(owner=rep, name="Gone", name_kana="イ")
    client = client_for(rep)
    assert client.post(reverse("customers:customer_archive", args=[gone.pk])).status_code == 302
    assert listed(client.get(reverse("customers:customer_list")).content.decode()) == [kept.pk]
    assert listed(client.get(reverse("customers:customer_list") + "?archived=true").content.decode()) == [
        gone.pk
    ]
    home = client.get(reverse("web:home")).content.decode()
    assert f'<option value="{kept.pk}">Kept</option>' in home  # the quick log's customer picker
    assert f'<option value="{gone.pk}">Gone</option>' not in home
    page = client.get(gone.get_absolute_url()).content.decode()
    assert "Archived on" in page
    assert reverse("customers:customer_restore", args=[gone.pk]) in page
    assert client.post(reverse("customers:customer_restore", args=[gone.pk])).status_code == 302
    assert listed(client.get(reverse("customers:customer_list")).content.decode()) == [kept.pk, gone.pk]


def test_contact_edit_move_archive(team_a, client_for):
    _team, _manager, (rep, _other) = team_a
    source = CustomerFactory(owner=rep, name="Source")
    target = CustomerFactory(owner=rep, name="Target Co")
    contact = ContactFactory(customer=source, name="Moving Person")
    client = client_for(rep)
    edited = client.post(
        reverse("customers:contact_edit", args=[contact.pk]), {"name": "Moved Person", "title": "CEO"}
    )
    assert edited.status_code == 302
    search = client.get(
        reverse("customers:contact_move", args=[contact.pk]), {"q": "Target"}
    ).content.decode()
    assert "Target Co" in search
    bad = client.post(reverse("customers:contact_move", args=[contact.pk]), {"customer": "x"})
    assert bad.status_code == 400
    moved = client.post(reverse("customers:contact_move", args=[contact.pk]), {"customer": target.pk})
    assert moved.status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.title, contact.customer_id) == ("Moved Person", "CEO", target.pk)
    assert client.post(reverse("customers:contact_archive", args=[contact.pk])).status_code == 302
    page = client.get(target.get_absolute_url()).content.decode()
    assert "1 archived contact" in page
    contact.refresh_from_db()
    assert contact.archived_at is not None


def test_merge_page_moves_everything_and_old_page_redirects(team_a, client_for):
    _team, manager, (rep, other_rep) = team_a
    survivor = CustomerFactory(owner=rep, name="株式会社サンプル")
    duplicate = CustomerFactory(owner=other_rep, name="ｻﾝﾌﾟﾙ(株)")
    ContactFactory(customer=duplicate)
    deal = DealFactory(customer=duplicate, owner=other_rep)
    ActivityFactory(owner=other_rep, customer=duplicate, deal=deal)
    client = client_for(manager)
    url = reverse("customers:customer_merge", args=[survivor.pk])
    choose = client.get(url).content.decode()
    assert f"?duplicate={duplicate.pk}" in choose  # offered as a possible duplicate
    confirm = client.get(url, {"duplicate": duplicate.pk}).content.decode()
    assert "1 contact moves" in confirm
    assert client.post(url, {"duplicate": duplicate.pk}).status_code == 302
    assert Activity.objects.filter(customer=survivor).count() == 1
    assert Contact.objects.filter(customer=survivor).count() == 1
    old = client.get(duplicate.get_absolute_url())
    assert (old.status_code, old["Location"]) == (301, survivor.get_absolute_url())
    assert client_for(rep).get(url).status_code == 403  # reps do not merge


def test_bulk_bar_for_managers_only(team_a, client_for):
    _team, manager, (rep, other_rep) = team_a
    segment = SegmentFactory(name="New segment")
    customers = [CustomerFactory(owner=rep, name=f"Bulk {i}") for i in range(3)]
    rep_page = client_for(rep).get(reverse("customers:customer_list")).content.decode()
    assert 'id="bulk-form"' not in rep_page
    refused = client_for(rep).post(
        reverse("customers:customer_bulk"), {"action": "key_set", "customers": [customers[0].pk]}
    )
    assert refused.status_code == 403
    client = client_for(manager)
    page = client.get(reverse("customers:customer_list")).content.decode()
    assert 'id="bulk-form"' in page
    assert f'name="customers" value="{customers[0].pk}" form="bulk-form"' in page
    picked = [customers[0].pk, customers[1].pk]
    reassigned = client.post(
        reverse("customers:customer_bulk"),
        {"action": "owner", "customers": picked, "to_owner": other_rep.pk},
        follow=True,
    )
    assert "2 customers now belong to" in reassigned.content.decode()
    assert set(Customer.objects.filter(pk__in=picked).values_list("owner_id", flat=True)) == {other_rep.pk}
    client.post(
        reverse("customers:customer_bulk"), {"action": "segment", "customers": picked, "segment": segment.pk}
    )
    assert set(Customer.objects.filter(pk__in=picked).values_list("segment_id", flat=True)) == {segment.pk}
    keyed = client.post(
        reverse("customers:customer_bulk"), {"action": "key_set", "customers": picked}, follow=True
    )
    assert "2 customers marked as key." in keyed.content.decode()
    assert Customer.objects.get(pk=customers[2].pk).is_key is False


def test_reassign_page_confirms_counts_then_hands_over(team_a, client_for):
    _team, manager, (rep, other_rep) = team_a
    for index in range(3):
        CustomerFactory(owner=rep, name=f"Leaving {index}")
    rep.is_active = False
    rep.save()
    client = client_for(manager)
    url = reverse("customers:customer_reassign")
    page = client.get(url).content.decode()
    assert "deactivated" in page
    preview = client.get(url, {"from_owner": rep.pk, "to_owner": other_rep.pk}).content.decode()
    assert "3 customers" in preview
    assert Customer.objects.filter(owner=rep).count() == 3
    done = client.post(url, {"from_owner": rep.pk, "to_owner": other_rep.pk, "confirm": "1"}, follow=True)
    assert "3 customers, 0 open deals and 0 future plans" in done.content.decode()
    assert Customer.objects.filter(owner=other_rep).count() == 3
    inactive = client.post(url, {"from_owner": other_rep.pk, "to_owner": rep.pk, "confirm": "1"})
    assert inactive.status_code == 400
    assert "is deactivated" in inactive.content.decode()
    assert client_for(other_rep).get(url).status_code == 403


def test_manager_list_with_bulk_bar_keeps_its_query_count(team_a, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _team, manager, (rep, _other) = team_a
    client = client_for(manager)
    url = reverse("customers:customer_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for index in range(5):
        CustomerFactory(owner=rep, name=f"Few {index}")
    few = queries()
    for index in range(30):
        CustomerFactory(owner=rep, name=f"Many {index}")
    assert queries() == few


def test_a_stale_edit_is_refused_with_nothing_changed(team_a, client_for):
    _team, _manager, (rep, _other) = team_a
    customer = CustomerFactory(owner=rep, name="Versioned", phone="", website="")
    client = client_for(rep)
    url = reverse("customers:customer_edit", args=[customer.pk])
    assert 'name="version" value="1"' in client.get(url).content.decode()
    first = client.post(url, customer_data(name="First", owner=rep.pk, phone="", website="", version="1"))
    assert first.status_code == 302
    stale = client.post(url, customer_data(name="Second", owner=rep.pk, phone="", website="", version="1"))
    assert stale.status_code == 400
    assert "changed by someone else" in stale.content.decode()
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("First", 2)
