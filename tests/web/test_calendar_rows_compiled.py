"""A calendar's chosen activities read by id through one compiled query, the ids bound as one parameter
(``activities.selectors._calendar_rows_by_id``, ``core.functions.AnyOf``), are the ORM's: the same rows
in time order, the same columns, type, customer and owner, whatever the number of ids."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, UserFactory
from totonou.activities.models import Activity
from totonou.activities.selectors import _CALENDAR_ROWS, _calendar_rows, _calendar_rows_by_id
from totonou.core.functions import Ids

pytestmark = pytest.mark.django_db


def _loaded(instance: Model | None) -> dict[str, Any] | None:
    if instance is None:
        return None
    return {name: value for name, value in instance.__dict__.items() if not name.startswith("_")}


def _row(activity: Activity, with_owner: bool) -> dict[str, Any]:
    related = ("owner", "type", "customer") if with_owner else ("type", "customer")
    return {
        "activity": _loaded(activity),
        "deferred": sorted(activity.get_deferred_fields()),
        "related": [_loaded(getattr(activity, name)) for name in related],
    }


@pytest.mark.parametrize("with_owner", [True, False], ids=["owner", "no-owner"])
def test_the_compiled_rows_are_the_orms_for_every_count(with_owner):
    rep = UserFactory(username="calendar_rep", display_name="鈴木")
    customer = CustomerFactory(owner=rep, name="横浜商店")
    start = timezone.now().replace(microsecond=0)
    activities = [
        ActivityFactory(owner=rep, customer=customer, starts_at=start + datetime.timedelta(hours=7 - index))
        for index in range(7)
    ]
    ids = sorted(activity.pk for activity in activities)
    for count in (1, 2, 3, 4, 5, 7):
        chosen = ids[:count]
        expected = list(
            _calendar_rows(Activity.objects.filter(pk__in=chosen), with_owner=with_owner).order_by(
                "starts_at", "id"
            )
        )
        with CaptureQueriesContext(connection) as captured:
            got = _calendar_rows_by_id(chosen, with_owner=with_owner)
        assert len(captured) == 1
        assert [_row(a, with_owner) for a in got] == [_row(a, with_owner) for a in expected]
        assert [a.pk for a in got] == sorted(chosen, key=lambda pk: -pk)  # later ids start earlier
        # the ids once, as one parameter: an array on PostgreSQL, JSON text on SQLite
        sql = captured.captured_queries[0]["sql"]
        bound = (
            r'"activities_activity"."id" = ANY\(\'\{([^}]*)\}\''
            if connection.vendor == "postgresql"
            else r'"activities_activity"."id" IN \(SELECT value FROM json_each\(\'\[([^\]]*)\]\'\)\)'
        )
        listed = re.search(bound, sql)
        assert listed is not None, sql
        assert [int(pk) for pk in re.split(r",\s*", listed.group(1))] == chosen
    shapes = connections[DEFAULT_DB_ALIAS].__dict__[_CALENDAR_ROWS._attribute]
    assert [key for key in shapes if key[0] == with_owner] == [(with_owner, Ids)]  # one for 1 to 7 ids
    assert _calendar_rows_by_id([], with_owner=with_owner) == []
