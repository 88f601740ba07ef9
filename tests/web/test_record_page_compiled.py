"""A record page's history and plans ahead read through ``core.compiled.CompiledList``
(``activity_timeline_page``, ``activity_first_counted``) are the ORM's: the same rows, columns,
annotations, joined rows and counts, for a customer's and a deal's page, on every page of the history,
with and without the moment that splits plans ahead from the history."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, DealFactory, UserFactory
from totonou.activities.filters import ActivityFilter
from totonou.activities.models import Activity
from totonou.activities.selectors import (
    _first_counted,
    activity_first_counted,
    activity_timeline,
    activity_timeline_page,
)
from totonou.core.list_page import SET_SIZE, with_set_size

pytestmark = pytest.mark.django_db


def _loaded(instance: Model | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {
        name: value
        for name, value in instance.__dict__.items()
        if not name.startswith("_") or name == SET_SIZE
    }


def _row(activity: Activity) -> dict[str, Any]:
    return {
        "activity": _loaded(activity),
        "deferred": sorted(activity.get_deferred_fields()),
        "related": [_loaded(getattr(activity, name)) for name in ("owner", "type", "customer", "deal")],
        "ahead": getattr(activity, "_ahead", None),
    }


@pytest.fixture
def records():
    rep = UserFactory(username="rep", display_name="佐藤")
    other = UserFactory(username="other")
    customer = CustomerFactory(owner=rep, name="Key Mart")
    elsewhere = CustomerFactory(owner=other, name="Elsewhere")
    deal = DealFactory(customer=customer, owner=rep, title="Spring fair")
    now = timezone.now().replace(microsecond=123_456)
    for day in range(-40, 8):
        start = now + datetime.timedelta(days=day, hours=day % 3)
        status = "planned" if day >= 0 or day % 5 == 0 else ("done" if day % 2 else "cancelled")
        ActivityFactory(
            owner=rep,
            customer=customer,
            deal=deal if day % 2 else None,
            starts_at=start,
            status=status,
            completed_at=start if status == "done" else None,
            cancelled_at=start if status == "cancelled" else None,
            cancel_reason="先方都合" if status == "cancelled" else "",
        )
        ActivityFactory(owner=other, customer=elsewhere, starts_at=start)
    return rep, customer, deal, now


@pytest.mark.parametrize("record", ["customer", "deal"])
def test_the_compiled_history_is_the_orms_on_every_page(records, record):
    rep, customer, deal, now = records
    filters = ActivityFilter(customer=customer.pk) if record == "customer" else ActivityFilter(deal=deal.pk)
    compared = 0
    for before in (now, None, now - datetime.timedelta(days=10)):
        for start, stop in ((0, 20), (20, 40), (40, 60), (100, 120)):
            expected = list(
                with_set_size(activity_timeline(user=rep, filters=filters, before=before))[start:stop]
            )
            with CaptureQueriesContext(connection) as captured:
                got = activity_timeline_page(user=rep, filters=filters, before=before, start=start, stop=stop)
            assert got is not None and len(captured) == 1
            assert [_row(row) for row in got] == [_row(row) for row in expected], (before, start)
            compared += len(got)
    # 48 activities (24 on the deal); 8 (4) plans ahead of now, 10 (5) of ten days ago: every row compared
    assert compared == (40 + 48 + 38 if record == "customer" else 20 + 24 + 19)


@pytest.mark.parametrize("record", ["customer", "deal"])
def test_the_compiled_plans_ahead_are_the_orms(records, record):
    rep, customer, deal, now = records
    base = ActivityFilter(customer=customer.pk) if record == "customer" else ActivityFilter(deal=deal.pk)
    for moment in (now, now - datetime.timedelta(days=20), now + datetime.timedelta(days=30)):
        filters = base.model_copy(update={"status": "planned", "start": moment})
        expected = list(_first_counted(user=rep, filters=filters, limit=6))
        with CaptureQueriesContext(connection) as captured:
            got, count = activity_first_counted(user=rep, filters=filters, limit=6)
        assert len(captured) == 1
        assert [_row(row) for row in got] == [_row(row) for row in expected]
        assert count == (expected[0]._ahead if expected else 0)
        assert [row.starts_at >= moment for row in got] == [True] * len(got)
    filters = base.model_copy(update={"status": "planned", "start": now})
    got, count = activity_first_counted(user=rep, filters=filters, limit=6)
    assert (len(got), count) == ((6, 8) if record == "customer" else (4, 4))


def test_what_cannot_be_compiled_is_read_through_the_orm(records):
    rep, _customer, _deal, now = records
    by_owners = ActivityFilter(owners=[rep.pk])  # a list: not a compiled value
    assert activity_timeline_page(user=rep, filters=by_owners, before=now, start=0, stop=20) is None
    naive = now.replace(tzinfo=None)
    assert activity_timeline_page(user=rep, filters=by_owners, before=naive, start=0, stop=20) is None
    got, count = activity_first_counted(
        user=rep, filters=by_owners.model_copy(update={"start": now}), limit=3
    )
    assert len(got) == 3 and count == 8 + 0
