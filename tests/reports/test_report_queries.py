"""The rep's report page, and the records behind a figure when its group is opened, are read in a fixed
number of queries: a week with twenty activities, each on its own deal, costs what a week with a handful
costs (no query per deal)."""

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
CEILING = 20
#: The records of one figure (htmx, when its group is opened): the session, the user, the week's figures
#: and the records with what their rows show.
RECORDS_CEILING = 13


def _busy_week(rep, customer):
    for index in range(20):
        deal = DealFactory(owner=rep, customer=customer, title=f"案件{index:02d}")
        activity = make_activity(
            owner=rep,
            customer=customer,
            starts_at=jst(2026, 12, 1, 9) + datetime.timedelta(minutes=20 * index),
        )
        Activity.objects.filter(pk=activity.pk).update(deal=deal)


def _count(client, **query: str) -> tuple[int, str]:
    headers = {"HX-Request": "true"} if "records" in query else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/", {"week": WEEK, **query}, headers=headers)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_twenty_activities_on_deals_cost_no_query_each(week):
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(week.rep1)
    client.get("/reports/", {"week": WEEK})
    before, _html = _count(client)
    records_before, _html = _count(client, records="activities_done")
    _busy_week(week.rep1, week.key)
    after, _html = _count(client)
    records_after, html = _count(client, records="activities_done")
    # each activity's deal is in its row: the first twenty of the week, two of the world's come first
    assert html.count("案件") == 18
    assert (after, records_after) == (before, records_before)
    assert after <= CEILING
    assert records_after <= RECORDS_CEILING
