"""The rep's report page reads the records behind its figures in a fixed number of queries: a week with
twenty activities, each on its own deal, costs what a week with a handful costs (no query per deal)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import DealFactory
from tests.insights.conftest import jst, make_activity
from tests.reports.conftest import WEEK
from totonou.activities.models import Activity

pytestmark = pytest.mark.django_db

#: The rep's page for one week, whatever the number of activities and deals in it.
CEILING = 33


def _busy_week(rep, customer):
    for index in range(20):
        deal = DealFactory(owner=rep, customer=customer, title=f"案件{index:02d}")
        activity = make_activity(
            owner=rep,
            customer=customer,
            starts_at=jst(2026, 12, 1, 9) + datetime.timedelta(minutes=20 * index),
        )
        Activity.objects.filter(pk=activity.pk).update(deal=deal)


def _count(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/", {"week": WEEK})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_twenty_activities_on_deals_cost_no_query_each(week):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(week.rep1)
    client.get("/reports/", {"week": WEEK})
    before, _html = _count(client)
    _busy_week(week.rep1, week.key)
    after, html = _count(client)
    assert html.count("案件") >= 20  # each activity's deal is on the page
    assert after == before
    assert after <= CEILING
