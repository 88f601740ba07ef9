"""History of a rep's weeks: exact rows (status, submitted / reviewed, key figures — frozen once
submitted, live otherwise), the rep's own page and the member page for the managers of the rep's team
(404 for anyone else), a constant query count, and "this week next to last week" on the report page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, DealFactory
from tests.insights.conftest import jst, make_activity
from tests.reports.conftest import NOW, WEEK
from totonou.deals.models import Stage
from totonou.reports.history import report_history
from totonou.reports.selectors import week_summary
from totonou.reports.services import (
    weekly_report_review,
    weekly_report_start,
    weekly_report_submit,
    weekly_report_update,
)
from totonou.users.models import User

pytestmark = pytest.mark.django_db

#: The history page, whatever the number of weeks' records.
HISTORY_CEILING = 8


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def past(week):
    """W48 submitted (one key visit) and reviewed, then changed; W47 never written (one visit); W46 a
    draft left behind."""
    rep1 = week.rep1
    User.objects.filter(pk=rep1.pk).update(date_joined=jst(2026, 11, 10, 9))  # in W46
    rep1.refresh_from_db()
    make_activity(owner=rep1, customer=week.key, starts_at=jst(2026, 11, 25, 10))
    w48, _created = weekly_report_start(actor=rep1, week="2026-W48")
    weekly_report_submit(actor=rep1, report=w48, now=jst(2026, 11, 27, 17))
    weekly_report_review(actor=week.manager, report=w48, now=jst(2026, 11, 30, 9))
    make_activity(owner=rep1, customer=week.key, starts_at=jst(2026, 11, 26, 10))  # after submission
    make_activity(owner=rep1, starts_at=jst(2026, 11, 18, 10))  # W47
    w46, _created = weekly_report_start(actor=rep1, week="2026-W46")
    w48.refresh_from_db()
    return w48, w46


def test_the_rows_of_a_history(week, past):
    w48, w46 = past
    author = User.objects.get(pk=week.rep1.pk)
    history = report_history(author=author, until=WEEK, now=NOW, weeks=5)
    rows = [(row.week, row.state, row.frozen, row.report) for row in history.weeks]
    assert rows == [
        ("2026-W49", "current", False, None),  # Thursday: before Friday 18:00
        ("2026-W48", "reviewed", True, w48),
        ("2026-W47", "late", False, None),
        ("2026-W46", "late", False, w46),  # a draft past its deadline (joined on its Tuesday)
        ("2026-W45", "before_joined", False, None),  # nothing was owed before joining
    ]
    figures = [row.figures for row in history.weeks]
    assert figures == [
        {"activities_done": 5, "key_customer_touches": 3, "deals_won": 1, "won_amount": 3_000_000},
        {"activities_done": 1, "key_customer_touches": 1, "deals_won": 0, "won_amount": 0},  # as submitted
        {"activities_done": 1, "key_customer_touches": 0, "deals_won": 0, "won_amount": 0},
        {"activities_done": 0, "key_customer_touches": 0, "deals_won": 0, "won_amount": 0},
        {"activities_done": 1, "key_customer_touches": 0, "deals_won": 0, "won_amount": 0},  # records kept
    ]
    # The live figures follow the week's own definitions (reports.selectors).
    for row in history.weeks:
        if not row.frozen:
            live = week_summary(author=week.rep1, week=row.week, now=NOW).figures
            assert row.figures == {name: live[name] for name in row.figures}
    assert (history.weeks[1].period.first_day, history.weeks[1].period.last_day) == (
        datetime.date(2026, 11, 23),
        datetime.date(2026, 11, 29),
    )
    assert (history.newer, history.older) == (None, "2026-W44")
    assert report_history(author=author, until="2026-W40", now=NOW, weeks=4).newer == "2026-W44"


def test_the_rep_reads_their_history_and_opens_a_past_week(week, past):
    _w48, _w46 = past
    client = client_for(week.rep1)
    response = client.get("/reports/history/", {"until": WEEK})
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index('data-week="2026-W48"') : html.index('data-week="2026-W47"')]
    assert 'href="/reports/?week=2026-W48"' in row
    assert "Reviewed" in row and "11/27 17:00" in row and f"{week.manager} · 11/30 09:00" in row
    assert '<td class="num" data-figure="activities_done">1</td>' in row
    late = html[html.index('data-week="2026-W47"') : html.index('data-week="2026-W46"')]
    assert "Late" in late and 'href="/reports/?week=2026-W47"' in late
    assert 'href="/reports/history/?until=2026-W37"' in html  # older weeks
    page = client.get("/reports/", {"week": "2026-W48"}).content.decode()
    assert 'href="#records-activities_done">1</a>' in page  # the week as submitted
    assert 'id="report-changed"' in page  # one more visit since


def test_the_manager_reads_a_members_history(week, past):
    w48, _w46 = past
    html = client_for(week.manager).get(f"/reports/member/{week.rep1.pk}/", {"until": WEEK}).content.decode()
    assert str(week.rep1) in html
    row = html[html.index('data-week="2026-W48"') : html.index('data-week="2026-W47"')]
    assert f'href="{w48.get_absolute_url()}"' in row
    late = html[html.index('data-week="2026-W47"') : html.index('data-week="2026-W46"')]
    # nothing submitted: the week's figures and records open all the same
    assert f'href="/reports/member/{week.rep1.pk}/week/2026-W47/"' in late
    draft = html[html.index('data-week="2026-W46"') : html.index('data-week="2026-W45"')]
    assert f'href="/reports/member/{week.rep1.pk}/week/2026-W46/"' in draft
    joined = html[html.index('data-week="2026-W45"') : html.index("</tbody>")]
    assert "href=" not in joined  # nothing was owed before joining


def test_the_manager_opens_a_week_never_submitted(week, past):
    client = client_for(week.manager)
    url = f"/reports/member/{week.rep1.pk}/week/2026-W47/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{week.rep1} · 2026-11-16 – 2026-11-22" in html
    status = '<span class="report-status report-status--missing" id="report-status">Not submitted</span>'
    assert status in html
    assert 'href="#records-activities_done">1</a>' in html  # the one visit of W47
    assert f'href="/reports/member/{week.rep1.pk}/week/2026-W46/" rel="prev"' in html
    assert f'href="/reports/member/{week.rep1.pk}/week/2026-W48/" rel="next"' in html
    assert f'href="/reports/member/{week.rep1.pk}/"' in html  # back to the history
    assert 'id="reflection-form"' not in html and 'id="comments"' not in html  # nothing to write here


def test_a_draft_stays_its_authors_until_submitted(week, past):
    _w48, w46 = past
    weekly_report_update(actor=week.rep1, report=w46, help_needed="下書きの相談内容")
    html = client_for(week.manager).get(f"/reports/member/{week.rep1.pk}/week/2026-W46/").content.decode()
    assert "Not submitted" in html
    assert "下書きの相談内容" not in html  # the rep's words are theirs until submitted
    assert 'id="reflection-form"' not in html


def test_a_submitted_week_opens_as_its_report(week, past):
    w48, _w46 = past
    response = client_for(week.manager).get(f"/reports/member/{week.rep1.pk}/week/2026-W48/")
    assert (response.status_code, response["Location"]) == (302, w48.get_absolute_url())


def test_who_may_open_a_members_week(week, past, team_b, admin_user):
    _team_b, manager_b, (rep_b, _rep_b2) = team_b
    url = f"/reports/member/{week.rep1.pk}/week/2026-W47/"
    for person in (week.rep2, rep_b, manager_b):
        assert client_for(person).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200
    own = client_for(week.rep1).get(url)
    assert (own.status_code, own["Location"]) == (302, "/reports/?week=2026-W47")
    manager = client_for(week.manager)
    for bad in ("2026-W54", "2026-W00", "W47", "9999-W52"):
        assert manager.get(f"/reports/member/{week.rep1.pk}/week/{bad}/").status_code == 404
    assert manager.get("/reports/member/999999/week/2026-W47/").status_code == 404
    assert manager.post(url).status_code == 405


def test_who_may_read_a_members_history(week, past, team_b, admin_user):
    _team_b, manager_b, (rep_b, _rep_b2) = team_b
    url = f"/reports/member/{week.rep1.pk}/"
    for person in (week.rep2, rep_b, manager_b):
        assert client_for(person).get(url).status_code == 404
    assert client_for(week.manager).get(url).status_code == 200
    assert client_for(admin_user).get(url).status_code == 200
    own = client_for(week.rep1).get(url)
    assert (own.status_code, own["Location"]) == (302, "/reports/history/")
    assert client_for(week.manager).get("/reports/member/999999/").status_code == 404
    assert client_for(week.rep1).get("/reports/history/", {"until": "2026-W54"}).status_code == 404
    # The report page links to the history only for those who may read it.
    report = past[0]
    assert f'href="{url}"' in client_for(week.manager).get(report.get_absolute_url()).content.decode()
    assert (
        'id="report-history-link"'
        not in client_for(week.rep2).get(report.get_absolute_url()).content.decode()
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"until": WEEK}).status_code == 200
    return len(queries)


def test_the_history_page_has_a_constant_query_count(week, past):
    client = client_for(week.manager)
    url = f"/reports/member/{week.rep1.pk}/"
    client.get(url)
    before = _queries(client, url)
    customer = CustomerFactory(owner=week.rep1, is_key=True)
    for index in range(24):  # two a week over the page's twelve weeks, and won deals
        make_activity(
            owner=week.rep1,
            customer=customer,
            starts_at=jst(2026, 9, 14, 10) + datetime.timedelta(days=3 * index),
        )
        DealFactory(
            owner=week.rep1,
            customer=customer,
            amount=100_000,
            stage=Stage.objects.get(slug="won"),
            closed_at=jst(2026, 9, 15, 10) + datetime.timedelta(days=3 * index),
        )
    after = _queries(client, url)
    assert after == before
    assert after <= HISTORY_CEILING


def test_this_week_next_to_last_week_as_submitted(week, past):
    html = client_for(week.rep1).get("/reports/", {"week": WEEK}).content.decode()
    row = html[html.index('data-figure="activities_done"') :]
    row = row[: row.index("</tr>")]
    # 5 this week; last week as submitted (1), not as it is now (2).
    assert '<td class="num">1</td>' in row and '<td class="num report-change hide-sm">+4</td>' in row
    won = html[html.index('data-figure="won_amount"') :]
    won = won[: won.index("</tr>")]
    assert '<td class="num report-change hide-sm">+¥3,000,000</td>' in won
    lost = html[html.index('data-figure="key_customer_touches"') :]
    assert '<td class="num report-change hide-sm">+2</td>' in lost[: lost.index("</tr>")]


def test_a_drop_is_shown_with_a_minus_sign(week):
    make_activity(owner=week.rep1, starts_at=jst(2026, 12, 8, 10))  # W50: this and "monday_after"
    html = client_for(week.rep1).get("/reports/", {"week": "2026-W50"}).content.decode()
    row = html[html.index('data-figure="activities_done"') :]
    assert '<td class="num report-change hide-sm">−3</td>' in row[: row.index("</tr>")]


def test_the_review_queue_links_the_managers_to_each_members_history(week):
    manager_html = client_for(week.manager).get("/reports/team/", {"week": WEEK}).content.decode()
    for member in (week.rep1, week.rep2):
        assert f'href="/reports/member/{member.pk}/"' in manager_html
        # nobody submitted yet: each name opens the member's week so far
        assert f'<a href="/reports/member/{member.pk}/week/{WEEK}/">{member}</a>' in manager_html
    response = client_for(week.rep2).get("/reports/team/", {"week": WEEK})
    assert response.status_code == 200 and 'id="report-queue"' in response.content.decode()
    assert "/reports/member/" not in response.content.decode()  # a teammate's history is not theirs to read
