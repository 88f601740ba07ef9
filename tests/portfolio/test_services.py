"""The services behind merge, reassign and the bulk actions, on the real database: the key flag copied
onto activities (ADR 0011) stays right, last contact follows a merge, the search index follows, and the
duplicate keys fold names, phones and websites."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, SegmentFactory, activity_type
from totonou.activities.models import Activity, Comment
from totonou.activities.services import activity_create
from totonou.core.audit import audit_history
from totonou.core.exceptions import PermissionDenied, ValidationError
from totonou.core.models import AuditEntry
from totonou.customers.models import Customer, phone_key, website_domain
from totonou.customers.selectors import customer_duplicates
from totonou.customers.services import (
    contact_archive,
    customer_archive,
    customer_create,
    customer_update,
    customers_set_key,
    customers_set_segment,
)
from totonou.portfolio.services import customer_merge, customers_reassign
from totonou.search.selectors import SearchQuery
from totonou.search.selectors import search as search_groups
from totonou.search.text import company_key

pytestmark = pytest.mark.django_db


def search_hits(user, query: str) -> set[tuple[str, int, int | None]]:
    groups = search_groups(user=user, query=SearchQuery(q=query))
    return {(hit.kind, hit.object_id, hit.customer_id) for group in groups for hit in group.hits}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("株式会社サンプル", "ｻﾝﾌﾟﾙ(株)"),
        ("株式会社サンプル", "㈱サンプル"),
        ("有限会社 サンプル", "サンプル"),
        ("Sample Co., Ltd.", "SAMPLE Inc."),
        ("Ｓａｍｐｌｅ Corp.", "sample"),
    ],
)
def test_company_key_folds_legal_forms_width_and_case(first, second):
    assert company_key(first) == company_key(second)


def test_company_key_keeps_different_names_apart():
    assert company_key("サンプル商事") != company_key("サンプル")
    assert company_key("Cobalt Inc") == "cobalt"  # "co" inside a word stays


def test_phone_and_domain_keys():
    assert phone_key("03-1234-5678") == phone_key("(03) 1234 5678") == phone_key("+81 3 1234 5678")
    assert phone_key("０３ー１２３４ー５６７８".replace("ー", "-")) == "0312345678"
    assert website_domain("https://www.Example.co.jp/about") == "example.co.jp"
    assert website_domain("example.co.jp") == "example.co.jp"
    assert website_domain("") == ""


def test_keys_follow_saves(team_a):
    _team, _manager, (rep, _other) = team_a
    customer = customer_create(actor=rep, name="株式会社サンプル", phone="03-1234-5678")
    assert (customer.name_key, customer.phone_key) == ("サンプル", "0312345678")
    found = customer_duplicates(user=rep, name="ｻﾝﾌﾟﾙ(株)")
    assert [(item.customer.pk, item.reasons) for item in found] == [(customer.pk, ("name",))]
    customer_update(actor=rep, customer=customer, name="Other", phone="")
    customer.refresh_from_db()
    assert (customer.name_key, customer.phone_key) == ("other", "")


def test_bulk_key_rewrites_the_activities_flag(team_a):
    _team, manager, (rep, _other) = team_a
    customers = [CustomerFactory(owner=rep) for _ in range(3)]
    activities = [ActivityFactory(owner=rep, customer=customer) for customer in customers]
    assert customers_set_key(actor=manager, customers=customers[:2], is_key=True) == 2
    flags = dict(
        Activity.objects.filter(pk__in=[a.pk for a in activities]).values_list("pk", "is_key_customer")
    )
    assert flags == {activities[0].pk: True, activities[1].pk: True, activities[2].pk: False}
    assert customers_set_key(actor=manager, customers=customers[:2], is_key=True) == 0  # nothing to change
    assert customers_set_key(actor=manager, customers=[customers[0]], is_key=False) == 1
    assert Activity.objects.get(pk=activities[0].pk).is_key_customer is False
    assert Customer.objects.get(pk=customers[1].pk).version == 2


def test_bulk_refusals_change_nothing(team_a, team_b):
    _team, manager, (rep, _other) = team_a
    _team_b, _manager_b, (rep_b, _other_b) = team_b
    mine = CustomerFactory(owner=rep)
    theirs = CustomerFactory(owner=rep_b)
    segment = SegmentFactory(name="Target")
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        customers_set_segment(actor=manager, customers=[mine, theirs], segment=segment)
    with pytest.raises(PermissionDenied):
        customers_set_key(actor=rep, customers=[mine], is_key=True)
    archived = CustomerFactory(owner=rep)
    customer_archive(actor=rep, customer=archived)
    with pytest.raises(ValidationError):
        customers_set_segment(actor=manager, customers=[mine, archived], segment=segment)
    assert AuditEntry.objects.count() == before + 1  # the archive only
    assert Customer.objects.filter(segment=segment).count() == 0


def test_merge_keeps_key_flag_last_contact_and_search(team_a):
    _team, manager, (rep, other_rep) = team_a
    survivor = CustomerFactory(owner=rep, name="Survivor KK", is_key=True)
    duplicate = CustomerFactory(owner=other_rep, name="Duplicate KK", is_key=False)
    ContactFactory(customer=duplicate, name="Hanako Duplicate")
    contacted = timezone.now() - datetime.timedelta(days=1)
    activity = activity_create(
        actor=other_rep,
        type=activity_type("visit"),
        customer=duplicate,
        subject="Visit to the duplicate",
        status="done",
        starts_at=contacted,
        ends_at=contacted + datetime.timedelta(hours=1),
    )
    assert Activity.objects.get(pk=activity.pk).is_key_customer is False
    Comment.objects.create(author=rep, activity=activity, body="Nice visit")
    customer_update(actor=other_rep, customer=duplicate, notes="From the duplicate's history")
    result = customer_merge(actor=manager, survivor=survivor, duplicate=duplicate)
    assert Comment.objects.get().activity.customer_id == survivor.pk
    trail = [entry.changes for entry in audit_history(survivor)]
    assert trail[0]["merged"] == [None, duplicate.pk]
    assert {"notes": ["", "From the duplicate's history"]} in trail  # the duplicate's history, now here
    assert (result.contacts, result.deals, result.activities) == (1, 0, 1)
    assert Activity.objects.get(pk=activity.pk).is_key_customer is True  # the survivor is key
    survivor.refresh_from_db()
    assert (survivor.last_contact_at, survivor.last_contact_by_id) == (activity.starts_at, other_rep.pk)
    duplicate.refresh_from_db()
    assert (duplicate.last_contact_at, duplicate.merged_into_id) == (None, survivor.pk)
    hits = search_hits(rep, "Duplicate")
    assert ("customer", duplicate.pk, duplicate.pk) not in hits
    assert ("activity", activity.pk, survivor.pk) in hits


def test_merge_refuses_itself_and_reps(team_a):
    _team, manager, (rep, _other) = team_a
    customer = CustomerFactory(owner=rep)
    other = CustomerFactory(owner=rep)
    with pytest.raises(ValidationError):
        customer_merge(actor=manager, survivor=customer, duplicate=customer)
    with pytest.raises(PermissionDenied):
        customer_merge(actor=rep, survivor=customer, duplicate=other)
    assert Customer.objects.filter(merged_into__isnull=False).count() == 0


def test_reassign_leaves_archived_and_other_reps_alone(team_a):
    _team, manager, (rep, other_rep) = team_a
    active = CustomerFactory(owner=rep)
    archived = CustomerFactory(owner=rep)
    customer_archive(actor=rep, customer=archived)
    colleague = CustomerFactory(owner=other_rep)
    internal = ActivityFactory(owner=rep, customer=None)
    result = customers_reassign(actor=manager, from_owner=rep, to_owner=other_rep)
    assert (result.customers, result.activities) == (1, 1)  # the internal future plan goes too
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    assert owners == {active.pk: other_rep.pk, archived.pk: rep.pk, colleague.pk: other_rep.pk}
    assert Activity.objects.get(pk=internal.pk).owner_id == other_rep.pk


def test_archived_contact_leaves_search(team_a):
    _team, _manager, (rep, _other) = team_a
    customer = customer_create(actor=rep, name="Findable KK")
    from totonou.customers.services import contact_create

    contact = contact_create(actor=rep, customer=customer, name="Searchable Person")
    assert search_hits(rep, "Searchable") == {("contact", contact.pk, customer.pk)}
    contact_archive(actor=rep, contact=contact)
    assert search_hits(rep, "Searchable") == set()
