"""The record pages' reads compiled once per connection (``core.compiled``) are the ORM's: the deal
(``deal_page`` against ``deal_page_record``), its stage history, the stage control's stages and the
comment thread of a deal or an activity; the customer (``customer_page``), its contacts and its deals;
for a rep, a manager and an administrator. Nobody signed out reads any of them. The stage control still
lists every active stage where it shows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory
from totonou.activities.filters import CommentFilter
from totonou.activities.models import Comment
from totonou.activities.selectors import THREAD_COLUMNS, comment_list, comment_thread
from totonou.customers.models import Contact, Customer
from totonou.customers.selectors import (
    _customer_contacts_query,
    customer_contacts,
    customer_page,
    customer_page_record,
)
from totonou.deals.models import Deal, Stage
from totonou.deals.selectors import (
    customer_deal_rows,
    customer_deals,
    deal_page,
    deal_page_record,
    deal_stage_history,
    deal_stage_history_rows,
    stage_choices,
    stage_list,
)
from totonou.deals.services import deal_change_stage
from totonou.reports.services import weekly_report_start

pytestmark = pytest.mark.django_db


def _loaded(instance: Model | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    fields = {name: value for name, value in instance.__dict__.items() if not name.startswith("_")}
    related = {
        name: _loaded(value) for name, value in instance._state.fields_cache.items() if name != "author"
    }
    return {"fields": fields, "related": related, "deferred": sorted(instance.get_deferred_fields())}


def _comment(comment: Comment) -> dict[str, Any] | None:
    return {"comment": _loaded(comment), "author": _loaded(comment.author)}


@pytest.fixture
def deal_world(team_a, admin_user):
    _team, manager, (rep, other) = team_a
    customer = CustomerFactory(owner=rep, name="大阪商事", is_key=True)
    contact = ContactFactory(customer=customer, name="田中 一郎")
    deal = DealFactory(customer=customer, owner=rep, contact=contact, title="春の棚替え")
    deal_change_stage(actor=rep, deal=deal, stage=Stage.objects.get(slug="proposal"), version=deal.version)
    deal.refresh_from_db()
    deal_change_stage(
        actor=manager, deal=deal, stage=Stage.objects.get(slug="qualified"), version=deal.version
    )
    deal.refresh_from_db()
    activity = ActivityFactory(owner=rep, customer=customer, deal=deal)
    for author, body in (
        (manager, "次回は部長同席で"),
        (rep, "承知しました @manager"),
        (other, "資料を共有します"),
    ):
        Comment.objects.create(author=author, deal=deal, body=body)
    for author, body in ((rep, "訪問しました"), (manager, "いいですね")):
        Comment.objects.create(author=author, activity=activity, body=body)
    report, _ = weekly_report_start(actor=rep, week="2026-W49")
    Comment.objects.create(author=manager, weekly_report=report, body="週報へのコメント")
    Comment.objects.create(author=other, deal=DealFactory(customer=customer, owner=other), body="別の案件")
    Stage.objects.filter(slug="negotiation").update(is_active=False)
    return {"readers": (rep, manager, admin_user), "deal": deal, "activity": activity}


@pytest.mark.parametrize("reader", [0, 1, 2], ids=["rep", "manager", "admin"])
def test_the_compiled_threads_are_the_orms(deal_world, reader):
    user = deal_world["readers"][reader]
    for name in ("deal", "activity"):
        record = deal_world[name]
        expected = list(
            comment_list(user=user, filters=CommentFilter(**{name: record.pk}))
            .prefetch_related(None)
            .only(*THREAD_COLUMNS)
        )
        with CaptureQueriesContext(connection) as captured:
            got = comment_thread(user=user, **{name: record})
        assert len(captured) == 1
        assert [_comment(comment) for comment in got] == [_comment(comment) for comment in expected]
        assert len(got) == (3 if name == "deal" else 2)
    assert comment_thread(user=AnonymousUser(), deal=deal_world["deal"]) == []


@pytest.mark.parametrize("reader", [0, 1, 2], ids=["rep", "manager", "admin"])
def test_the_compiled_deal_and_its_history_are_the_orms(deal_world, reader):
    user, deal = deal_world["readers"][reader], deal_world["deal"]
    expected = deal_page_record(user=user).get(pk=deal.pk)
    with CaptureQueriesContext(connection) as captured:
        got = deal_page(user=user, pk=deal.pk)
        history = deal_stage_history_rows(deal=deal)
    assert len(captured) == 2
    assert _loaded(got) == _loaded(expected)
    assert got is not None and got.contact is not None and got.contact.name == "田中 一郎"
    assert [_loaded(change) for change in history] == [
        _loaded(change) for change in deal_stage_history(deal=deal)
    ]
    assert [(change.from_stage.slug, change.to_stage.slug) for change in history] == [
        ("lead", "proposal"),
        ("proposal", "qualified"),
    ]
    assert deal_page(user=user, pk=Deal.objects.order_by("-pk").first().pk + 1) is None
    assert deal_page(user=AnonymousUser(), pk=deal.pk) is None


def test_the_compiled_stages_are_the_active_ones_in_order(deal_world):
    rep = deal_world["readers"][0]
    with CaptureQueriesContext(connection) as captured:
        got = stage_choices(user=rep)
    assert len(captured) == 1
    assert [_loaded(stage) for stage in got] == [_loaded(stage) for stage in stage_list(user=rep)]
    assert "negotiation" not in [stage.slug for stage in got] and len(got) >= 4
    assert stage_choices(user=AnonymousUser()) == []


def _options(html: str) -> list[str]:
    control = re.search(r'<select name="stage" id="id_stage">(.*?)</select>', html, re.S)
    assert control is not None, html
    return re.findall(r'<option value="(\d+)"( selected)?>', control.group(1))


def test_the_stage_control_lists_every_active_stage_on_the_page_and_after_an_error(deal_world, client):
    rep, deal = deal_world["readers"][0], deal_world["deal"]
    active = [
        (str(stage.pk), " selected" if stage.pk == deal.stage_id else "") for stage in stage_list(user=rep)
    ]
    client.force_login(rep)
    page = client.get(deal.get_absolute_url())
    assert page.status_code == 200
    assert _options(page.content.decode()) == active
    url = reverse("deals:deal_stage", args=[deal.pk])
    lead = Stage.objects.get(slug="lead").pk
    stale = client.post(url, {"stage": lead, "version": deal.version - 1})
    assert stale.status_code == 302  # a conflict: back to the page with a message, nothing moved
    unknown = client.post(url, {"stage": 999999, "version": deal.version})
    assert unknown.status_code == 422
    assert _options(unknown.content.decode()) == active
    open_stage = client.get(url, {"stage": lead})  # the control with an open stage chosen: no form of its own
    assert open_stage.status_code == 200
    assert [value for value, _ in _options(open_stage.content.decode())] == [value for value, _ in active]
    won = client.get(url, {"stage": Stage.objects.get(slug="won").pk})  # the won form: no control
    assert 'id="id_stage"' not in won.content.decode() and "stage-form--won" in won.content.decode()
    deal.refresh_from_db()
    assert deal.stage.slug == "qualified"  # neither error moved it


@pytest.mark.parametrize("reader", [0, 1, 2], ids=["rep", "manager", "admin"])
def test_the_compiled_customer_its_contacts_and_deals_are_the_orms(deal_world, reader):
    user, deal = deal_world["readers"][reader], deal_world["deal"]
    customer = deal.customer
    survivor = CustomerFactory(owner=customer.owner, name="大阪商事ホールディングス")
    Customer.objects.filter(pk=customer.pk).update(last_contact_by=deal_world["readers"][1], merged_into=None)
    archived = ContactFactory(customer=customer, name="退職 太郎")
    Contact.objects.filter(pk=archived.pk).update(archived_at=deal.created_at)
    ContactFactory(customer=survivor, name="別会社 花子")
    old = DealFactory(customer=customer, owner=customer.owner, title="昨年の案件")
    Deal.objects.filter(pk=old.pk).update(archived_at=deal.created_at)
    DealFactory(customer=customer, owner=customer.owner, title="秋の催事")
    expected = customer_page_record(user=user).get(pk=customer.pk)
    with CaptureQueriesContext(connection) as captured:
        got = customer_page(user=user, pk=customer.pk)
        contacts, archived_contacts = customer_contacts(user=user, customer_id=customer.pk)
        deals = customer_deal_rows(user=user, customer_id=customer.pk)
    assert len(captured) == 3
    assert _loaded(got) == _loaded(expected)
    rows = list(_customer_contacts_query(user=user, customer_id=customer.pk))
    assert [_loaded(c) for c in contacts + archived_contacts] == [
        _loaded(c) for c in rows if c.archived_at is None
    ] + [_loaded(c) for c in rows if c.archived_at is not None]
    assert ([c.name for c in contacts], [c.name for c in archived_contacts]) == (["田中 一郎"], ["退職 太郎"])
    assert [_loaded(d) for d in deals] == [
        _loaded(d) for d in customer_deals(user=user, customer_id=customer.pk)
    ]
    titles = [d.title for d in deals]  # the fixture's other rep's deal too; not the archived one
    assert len(titles) == 3 and {"春の棚替え", "秋の催事"} <= set(titles) and "昨年の案件" not in titles
    assert customer_page(user=user, pk=survivor.pk + 1000) is None
    anonymous = AnonymousUser()
    assert customer_page(user=anonymous, pk=customer.pk) is None
    assert customer_contacts(user=anonymous, customer_id=customer.pk) == ([], [])
    assert customer_deal_rows(user=anonymous, customer_id=customer.pk) == []
