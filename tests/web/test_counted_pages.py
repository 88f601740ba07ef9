"""A record page's timeline and its plans ahead read a page and the size of the whole set in one query
(``core.list_page.CountedRows``, ``activities.selectors.activity_first_counted``): the same rows and
numbers as a COUNT and a page, one query fewer each."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory
from totonou.activities.filters import ActivityFilter
from totonou.activities.selectors import activity_first_counted, activity_timeline
from totonou.core.list_page import CountedRows

pytestmark = pytest.mark.django_db

PER_PAGE = 20


@pytest.fixture
def history(team_a):
    """A customer with 45 past activities (three pages: 20, 20, 5), 8 plans ahead, and another
    customer's activities that must not count."""
    _, manager, (rep, _) = team_a
    now = timezone.now()
    customer, other = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    for day in range(45):
        _done(rep, customer, now - datetime.timedelta(days=day + 1))
    for day in range(8):
        ActivityFactory(owner=rep, customer=customer, starts_at=now + datetime.timedelta(days=day + 1))
    for day in range(3):
        _done(rep, other, now - datetime.timedelta(days=day + 1))
    return manager, customer, other, now


def _done(owner, customer, at):
    ActivityFactory(owner=owner, customer=customer, status="done", starts_at=at, completed_at=at)


def _page(number, rows):
    with CaptureQueriesContext(connection) as captured:
        page = Paginator(rows, PER_PAGE).get_page(number)
        ids = [activity.pk for activity in page.object_list]
    return page, ids, len(captured)


@pytest.mark.parametrize(
    ("number", "expected_page", "size", "queries"),
    [
        (None, 1, 20, 1),
        ("1", 1, 20, 1),
        ("2", 2, 20, 1),
        ("3", 3, 5, 1),  # the last page: the paginator asks [40:45], within what was read
        ("abc", 1, 20, 1),
        # The paginator answers page 0 with the last page: the first is read for the count, then the last.
        ("0", 3, 5, 2),
        # Past the end: the read is empty, so a COUNT, then the last page as the paginator asks it.
        ("9", 3, 5, 3),
    ],
)
def test_a_timeline_page_and_its_count_in_one_query(history, number, expected_page, size, queries):
    manager, customer, _other, now = history
    timeline = activity_timeline(user=manager, filters=ActivityFilter(customer=customer.pk), before=now)
    _plain, plain_ids, plain_queries = _page(number, timeline)
    rows = CountedRows.for_page(timeline, number=number, per_page=PER_PAGE)
    page, ids, used = _page(number, rows)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (expected_page, 45, 3)
    assert ids == plain_ids and len(ids) == size
    assert used == queries
    assert plain_queries == 2  # a COUNT and the page: what the timeline cost before


def test_an_empty_timeline_is_one_query(history):
    manager, _customer, _other, now = history
    nobody = CustomerFactory(owner=manager)
    timeline = activity_timeline(user=manager, filters=ActivityFilter(customer=nobody.pk), before=now)
    page, ids, used = _page(None, CountedRows.for_page(timeline, number=None, per_page=PER_PAGE))
    assert (ids, page.paginator.count, used) == ([], 0, 1)


def test_the_plans_ahead_and_their_number_in_one_query(history):
    manager, customer, other, now = history
    filters = ActivityFilter(customer=customer.pk, status="planned", start=now)
    with CaptureQueriesContext(connection) as captured:
        first, count = activity_first_counted(user=manager, filters=filters, limit=6)
    assert len(captured) == 1
    assert count == 8
    expected = customer.activities.filter(status="planned").order_by("starts_at", "id")[:6]
    assert [activity.pk for activity in first] == [activity.pk for activity in expected]
    none_ahead = ActivityFilter(customer=other.pk, status="planned", start=now)
    assert activity_first_counted(user=manager, filters=none_ahead, limit=6) == ([], 0)
