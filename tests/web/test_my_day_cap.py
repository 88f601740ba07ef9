"""My day draws the same number of plans at every hour (issue 20): a full day shows its first
``TODAY_SHOWN`` activities with their result forms and links to the calendar's day for the rest, in the
morning (every plan ahead) as in the evening (every plan waiting for a result)."""

from __future__ import annotations

import datetime
import zoneinfo
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import ActivityFactory, CustomerFactory, UserFactory
from tests.web.html import find_one
from totonou.web.views.home import TODAY_SHOWN

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def _at(hour: int, minute: int = 0) -> datetime.datetime:
    """Today at ``hour:minute`` in Tokyo (the rep's zone)."""
    today = timezone.now().astimezone(TOKYO).date()
    return datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=TOKYO)


def _day(rep, count: int) -> None:
    """``count`` plans today for ``rep`` from 06:00, every 15 minutes, none recorded."""
    customer = CustomerFactory(owner=rep)
    for index in range(count):
        start = _at(6) + datetime.timedelta(minutes=15 * index)
        ActivityFactory(
            owner=rep,
            customer=customer,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=15),
            planned_at=_at(5),
            original_starts_at=start,
        )


def _my_day(client, hour: int) -> tuple[str, int]:
    with mock.patch("django.utils.timezone.now", return_value=_at(hour)):
        client.get(reverse("web:home"))  # the session's first read
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode(), len(captured)


@pytest.mark.parametrize("hour", [6, 12, 23], ids=["morning", "midday", "evening"])
def test_a_full_day_shows_its_first_plans_and_links_to_the_calendar_for_the_rest(client_for, hour):
    rep = UserFactory(username="busy", time_zone="Asia/Tokyo")
    _day(rep, 60)  # 06:00 … 20:45
    html, _queries = _my_day(client_for(rep), hour)
    today = find_one(html, "aria-labelledby", "today-title").html
    assert today.count(" data-plan=") == TODAY_SHOWN == 12
    assert today.count('class="plan-actions"') == TODAY_SHOWN
    assert '<span class="count">60</span>' in today
    more = find_one(today, "id", "today-more").html
    assert "48 more today" in more
    day = _at(hour).date().isoformat()
    assert f'href="/calendar/?view=day&amp;date={day}&amp;members={rep.pk}"' in more


def test_what_my_day_draws_and_reads_does_not_follow_the_clock_or_the_day(client_for):
    rep = UserFactory(username="busy", time_zone="Asia/Tokyo")
    _day(rep, 13)
    client = client_for(rep)
    morning, morning_queries = _my_day(client, 6)
    evening, evening_queries = _my_day(client, 23)
    assert morning_queries == evening_queries
    for html in (morning, evening):
        assert find_one(html, "aria-labelledby", "today-title").html.count(" data-plan=") == 12
    _day(rep, 40)
    fuller, fuller_queries = _my_day(client, 23)
    assert fuller_queries == evening_queries
    assert find_one(fuller, "aria-labelledby", "today-title").html.count(" data-plan=") == 12
    assert "41 more today" in fuller


def test_a_day_within_the_cap_is_shown_whole_without_a_link(client_for):
    rep = UserFactory(username="calm", time_zone="Asia/Tokyo")
    _day(rep, 12)
    html, _queries = _my_day(client_for(rep), 12)
    today = find_one(html, "aria-labelledby", "today-title").html
    assert today.count(" data-plan=") == 12 and '<span class="count">12</span>' in today
    assert 'id="today-more"' not in html
