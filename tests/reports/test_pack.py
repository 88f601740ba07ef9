"""The meeting pack reads the team's weeks together: the same figures as each rep's own week, a query
count that does not grow with the team, and the pipeline's one stalled rule."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CustomerFactory, DealFactory, UserFactory
from tests.insights.conftest import jst, make_activity
from tests.reports.conftest import NOW, WEEK
from totonou.deals.models import Deal, Stage
from totonou.insights.selectors.pipeline import stalled_deals
from totonou.reports.pack import team_week
from totonou.reports.selectors import summaries_of_weeks, week_summaries, week_summary

pytestmark = pytest.mark.django_db


def _fields(summary) -> dict:
    return {name: value for name, value in dataclasses.asdict(summary).items() if name != "author"}


def test_the_team_read_together_equals_each_week_read_alone(week):
    """rep1's busy week, rep2's one activity, the manager's empty week and a member in New York (another
    week span): together, each summary equals the one read alone, to the last record id."""
    abroad = UserFactory(username="ny_rep", team=week.team, time_zone="America/New_York")
    make_activity(owner=abroad, customer=CustomerFactory(owner=abroad), starts_at=jst(2026, 12, 7, 10))
    authors = [week.rep1, week.rep2, week.manager, abroad]
    together = week_summaries(authors=authors, week=WEEK, now=NOW)
    assert sorted(together) == sorted(author.pk for author in authors)
    for author in authors:
        assert _fields(together[author.pk]) == _fields(week_summary(author=author, week=WEEK, now=NOW))
    assert together[week.rep1.pk].figures["activities_done"] == 5  # the fixture's week, not an empty one
    # 10:00 JST on Monday 7 December is still Sunday in New York: in that member's week, not in Tokyo's.
    assert together[abroad.pk].figures["activities_done"] == 1


def test_the_figures_counted_in_sql_equal_the_figures_of_the_records(week):
    """``figures_only`` (the meeting pack) counts the activity figures in the database with the same
    ``plan_filters``: the same figures as the records read row by row, for every member and zone."""
    abroad = UserFactory(username="ny_rep", team=week.team, time_zone="America/New_York")
    make_activity(owner=abroad, customer=CustomerFactory(owner=abroad), starts_at=jst(2026, 12, 7, 10))
    authors = [week.rep1, week.rep2, week.manager, abroad]
    counted = week_summaries(authors=authors, week=WEEK, now=NOW, figures_only=True)
    for author in authors:
        full = week_summary(author=author, week=WEEK, now=NOW)
        assert counted[author.pk].figures == full.figures
        # counted, in no particular order (the pack sorts the key customers among them by name)
        assert sorted(counted[author.pk].records["customers_past_threshold"]) == sorted(
            full.records["customers_past_threshold"]
        )
        assert sorted(counted[author.pk].key_customers_past_threshold) == sorted(
            full.key_customers_past_threshold
        )
    assert counted[week.rep1.pk].figures["key_customer_days"] >= 1  # the fixture's week has key days
    assert counted[week.rep1.pk].figures["activities_done"] == 5


@pytest.mark.parametrize("figures_only", [False, True])
def test_consecutive_weeks_read_together_equal_each_week_read_alone(week, figures_only):
    """The report page reads last week with this week (``summaries_of_weeks``): split by local day, each
    week equals the week read alone, to the last record id, for every member and time zone; the span's
    queries are one week's (the customers past their threshold: one query per week)."""
    abroad = UserFactory(username="ny_rep", team=week.team, time_zone="America/New_York")
    make_activity(owner=abroad, customer=CustomerFactory(owner=abroad), starts_at=jst(2026, 12, 7, 10))
    make_activity(owner=week.rep1, customer=week.key, starts_at=jst(2026, 11, 29, 23, 30))  # W48's Sunday
    make_activity(owner=week.rep1, customer=week.key, starts_at=jst(2026, 11, 24, 10), status="cancelled")
    won = Stage.objects.get(slug="won")
    DealFactory(
        owner=week.rep1, customer=week.key, stage=won, amount=700_000, closed_at=jst(2026, 11, 27, 18)
    )
    authors = [week.rep1, week.rep2, week.manager, abroad]
    weeks = ["2026-W48", WEEK, "2026-W50"]
    with CaptureQueriesContext(connection) as one:
        week_summaries(authors=authors, week=WEEK, now=NOW, figures_only=figures_only)
    with CaptureQueriesContext(connection) as three:
        together = summaries_of_weeks(authors=authors, weeks=weeks, now=NOW, figures_only=figures_only)
    assert len(three) == len(one) + 2 * 2  # the customers past their threshold of two more weeks, two zones
    assert sorted(together) == sorted((author.pk, name) for author in authors for name in weeks)
    for author in authors:
        for name in weeks:
            alone = week_summaries(authors=[author], week=name, now=NOW, figures_only=figures_only)[author.pk]
            assert _fields(together[author.pk, name]) == _fields(alone), (author, name)
    rep1 = {name: together[week.rep1.pk, name].figures for name in weeks}
    assert [rep1[name]["activities_done"] for name in weeks] == [1, 5, 1]
    assert [rep1[name]["cancelled"] for name in weeks] == [1, 1, 0]
    assert [rep1[name]["won_amount"] for name in weeks] == [700_000, 3_000_000, 5_000_000]
    assert together[abroad.pk, WEEK].figures["activities_done"] == 1  # Sunday 6 December in New York
    with pytest.raises(ValueError, match="not consecutive"):
        summaries_of_weeks(authors=authors, weeks=["2026-W47", WEEK], now=NOW)


def _pack_queries(team) -> int:
    with CaptureQueriesContext(connection) as captured:
        team_week(team=team, week=WEEK, now=NOW)
    return len(captured.captured_queries)


def test_the_pack_costs_the_same_queries_for_a_bigger_team(week):
    small = _pack_queries(week.team)
    for index in range(6):
        member = UserFactory(username=f"extra_{index}", team=week.team)
        make_activity(owner=member, customer=CustomerFactory(owner=member), starts_at=jst(2026, 12, 1, 10))
    assert _pack_queries(week.team) == small


def test_the_pack_lists_the_pipelines_stalled_deals(week):
    """The stalled rule of the pipeline (too long in its stage, or no activity done for N days and
    nothing planned ahead), as of the week's end or now: the same deals as the stalled list."""
    proposal = Stage.objects.get(slug="proposal")
    customer = CustomerFactory(owner=week.rep2)
    long_in_stage = DealFactory(owner=week.rep2, customer=customer, stage=proposal)
    Deal.objects.filter(pk=long_in_stage.pk).update(
        stage_entered_at=NOW - datetime.timedelta(days=proposal.stagnation_days + 1),
        last_activity_at=NOW - datetime.timedelta(days=1),
    )
    quiet = DealFactory(owner=week.rep2, customer=customer, stage=proposal)
    Deal.objects.filter(pk=quiet.pk).update(
        stage_entered_at=NOW - datetime.timedelta(days=2),
        created_at=NOW - datetime.timedelta(days=60),
        last_activity_at=NOW - datetime.timedelta(days=40),
    )
    fresh = DealFactory(owner=week.rep2, customer=customer, stage=proposal)
    Deal.objects.filter(pk=fresh.pk).update(
        stage_entered_at=NOW - datetime.timedelta(days=1), last_activity_at=NOW - datetime.timedelta(days=1)
    )
    shown = [deal.pk for deal in team_week(team=week.team, week=WEEK, now=NOW).stalled_deals]
    members = Deal.objects.filter(owner__team=week.team)
    assert shown == [deal.pk for deal in stalled_deals(members, now=NOW)]
    assert long_in_stage.pk in shown and quiet.pk in shown and fresh.pk not in shown


def test_the_pack_shows_each_members_revenue_against_target_for_the_month(week):
    """Targets in the pack: each member's revenue target for the month of the week's end, the revenue
    won in that month to date (Sunday 23:30 JST and the next Monday 00:30 JST, both December) and the
    attainment, as the rep's own report shows them; a member without a target shows no target and no
    rate."""
    from totonou.reports.exports import revenue_cells
    from totonou.targets.models import Target

    Target.objects.create(user=week.rep1, metric="revenue", period="2026-12", value=10_000_000)
    data = team_week(team=week.team, week=WEEK, now=jst(2026, 12, 8, 9))
    assert data.month is not None and data.month.key == "2026-12"
    rows = {row.member.pk: row for row in data.rows}
    rep1, rep2 = rows[week.rep1.pk].revenue, rows[week.rep2.pk].revenue
    assert (rep1.target, rep1.actual, rep1.attainment_percent) == (10_000_000, 8_000_000, 80)
    assert revenue_cells(rep1) == ["¥10,000,000", "¥8,000,000", "80%"]
    assert (rep2.target, rep2.actual) == (None, 0)
    assert revenue_cells(rep2) == ["—", "¥0", "—"]
    assert data.team_revenue is not None and data.team_revenue.actual == 8_000_000
    # target, actual and attainment: the open pipeline (the forecast) is not read for the pack
    assert rep1.forecast is None and data.team_revenue.forecast is None


#: The pack's list of stalled deals as the template wrote it before ``stalled_items`` (kept to compare).
STALLED_TEMPLATE = (
    '{% load i18n totonou %}{% for deal in data.stalled_deals %}<li><a href="{{ deal.get_absolute_url }}">'
    "{{ deal.title }}</a> · {{ deal.customer_name }} · {{ deal.owner }} · {{ deal.stage.name }} · "
    '{{ deal.amount|money }}</li>{% empty %}<li class="empty">{% translate "No stalled deals." %}</li>'
    "{% endfor %}"
)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_stalled_items_are_the_templates_bytes(week, language):
    """``stalled_items`` writes the list the template loop wrote, byte for byte: titles, customers' and
    owners' names that need escaping, a deal without amount, several deals of one owner and stage, both
    languages, and the empty list."""
    from django.template import engines
    from django.utils import translation

    from totonou.web.views.reports import stalled_items

    proposal = Stage.objects.get(slug="proposal")
    week.rep2.display_name = 'O\'Brien <"営業">'
    week.rep2.save()
    for title, customer_name, amount in [
        ("<script>alert(1)</script> & 案件", 'A&B 商事 "本社"', 1_200_000),
        ("普通の案件", "普通商事", 0),
        ("it's 'quoted'", "<b>太字</b>", 987_654_321),
    ]:
        deal = DealFactory(
            owner=week.rep2,
            customer=CustomerFactory(owner=week.rep2, name=customer_name),
            stage=proposal,
            title=title,
            amount=amount,
        )
        Deal.objects.filter(pk=deal.pk).update(
            stage_entered_at=NOW - datetime.timedelta(days=proposal.stagnation_days + 1)
        )
    template = engines["django"].from_string(STALLED_TEMPLATE)
    with translation.override(language):
        deals = team_week(team=week.team, week=WEEK, now=NOW).stalled_deals
        assert len(deals) >= 3
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 案件</a>" in str(stalled_items(deals))
        assert "O&#x27;Brien &lt;&quot;営業&quot;&gt;" in str(stalled_items(deals))
        assert str(stalled_items(deals)) == template.render({"data": {"stalled_deals": deals}})
        assert str(stalled_items([])) == template.render({"data": {"stalled_deals": []}})
        empty = {"en": "No stalled deals.", "ja": "停滞している案件はありません。"}[language]
        assert str(stalled_items([])) == f'<li class="empty">{empty}</li>'


#: The pack's table body as the template wrote it before ``pack_body`` (kept to compare).
BODY_TEMPLATE = """    <tbody>
    {% for line in pack_rows %}{% with row=line.row %}
      <tr class="pack-row" data-member="{{ row.member.username }}">
        <th scope="row">{{ row.member }}</th>
        <td>{{ line.state }}</td>
        {% for cell in line.cells %}<td class="num">{{ cell }}</td>{% endfor %}
        {% for cell in line.revenue %}<td class="num">{{ cell }}</td>{% endfor %}
        <td>{{ row.help_needed|default:"—" }}</td>
      </tr>
    {% endwith %}{% endfor %}
    </tbody>"""


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_pack_body_is_the_templates_bytes(week, language):
    """``pack_body`` writes the rows the template loop wrote, byte for byte: the team's week with its
    figures and revenue cells (money, percent, dashes), a member whose name and help request need
    escaping, and no rows."""
    from types import SimpleNamespace

    from django.template import engines
    from django.utils import translation

    from totonou.web.views.reports import _pack_rows, pack_body

    template = engines["django"].from_string(BODY_TEMPLATE)
    odd = SimpleNamespace(
        member=UserFactory.build(username="o<b>", display_name='O\'Brien <"営業">'),
        help_needed="見積の<承認>&値引き",
    )
    with translation.override(language):
        lines = _pack_rows(team_week(team=week.team, week=WEEK, now=NOW))
        lines.append({"row": odd, "state": "Late & <late>", "cells": [0, 12, "¥1,200,000"], "revenue": ["—"]})
        assert len(lines) == 4
        for shown in (lines, []):
            expected = template.render({"pack_rows": shown})
            assert f"    <tbody>\n    {pack_body(shown)}\n    </tbody>" == expected
    assert "見積の&lt;承認&gt;&amp;値引き" in str(pack_body(lines))
