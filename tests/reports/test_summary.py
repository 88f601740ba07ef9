"""The weekly report's figures for a week built by hand: exact numbers, the records behind each, the
snapshot frozen on submit and the changes flagged after it."""

from __future__ import annotations

import pytest

from tests.insights.conftest import jst
from tests.reports.conftest import NOW, WEEK
from totonou.activities.models import Activity
from totonou.core.exceptions import ValidationError
from totonou.reports.models import WeeklyReport
from totonou.reports.selectors import FIGURES, report_detail, summary_changes, week_summary
from totonou.reports.services import weekly_report_start, weekly_report_submit
from totonou.reports.weeks import current_week_key, parse_week, report_period, shift_week

pytestmark = pytest.mark.django_db

EXPECTED = {
    "activities_done": 5,  # key Mon ×2, unplanned call, moved within the week, key Thursday
    "planned": 6,  # key Mon ×2, cancelled, still open, moved within, key Thursday (moved out is next week's)
    "done_as_planned": 3,
    "moved": 1,
    "cancelled": 1,
    "unplanned": 1,
    "still_open": 1,
    "key_customer_touches": 3,
    "key_customer_days": 2,  # Monday (twice) and Thursday
    "customers_past_threshold": 1,
    "deals_created": 1,
    "deals_moved": 3,  # won on Sunday, lost, moved to proposal
    "deals_won": 1,  # Sunday 23:30 JST; the deal won at Monday 00:30 JST is next week's
    "won_amount": 3_000_000,
    "deals_lost": 1,
    "next_week_planned": 2,  # the plan moved into next week and next Monday's plan
}


def test_the_week_gives_exact_figures(week):
    summary = week_summary(author=week.rep1, week=WEEK, now=NOW)
    assert summary.figures == EXPECTED
    assert list(summary.figures) == FIGURES


def test_every_figure_names_its_records(week):
    a, d = week.a, week.d
    records = week_summary(author=week.rep1, week=WEEK, now=NOW).records
    ids = lambda *names: sorted(a[name].pk for name in names)  # noqa: E731
    assert sorted(records["activities_done"]) == ids(
        "key_mon_am", "key_mon_pm", "unplanned", "moved_within", "key_thu"
    )
    assert sorted(records["done_as_planned"]) == ids("key_mon_am", "key_mon_pm", "key_thu")
    assert records["moved"] == ids("moved_within")
    assert records["cancelled"] == ids("cancelled")
    assert records["unplanned"] == ids("unplanned")
    assert records["still_open"] == ids("open")
    assert sorted(records["key_customer_touches"]) == ids("key_mon_am", "key_mon_pm", "key_thu")
    assert sorted(records["next_week_planned"]) == ids("moved_out", "next_week")
    assert records["customers_past_threshold"] == [week.lapsing.pk]
    assert records["deals_created"] == [d["created"].pk]
    assert records["deals_won"] == [d["won_sunday"].pk]
    assert records["deals_lost"] == [d["lost"].pk]
    assert records["deals_moved"] == sorted([d["won_sunday"].pk, d["lost"].pk, d["moved"].pk])


def test_reasons_types_and_key_customers(week):
    summary = week_summary(author=week.rep1, week=WEEK, now=NOW)
    assert summary.cancel_reasons == {week.a["cancelled"].pk: "先方都合"}
    assert summary.lost_reasons == {week.d["lost"].pk: "Price"}
    assert summary.done_by_type == {"visit": 4, "call": 1}
    assert summary.key_customers == [week.key.pk]


def test_the_same_rules_as_plan_vs_actual(week):
    """One definition: the weekly figures equal plan vs actual's for the same member and week."""
    from totonou.insights.filters import PlanVsActualFilter
    from totonou.insights.selectors.plan_vs_actual import plan_vs_actual

    table = plan_vs_actual(
        user=week.rep1,
        filters=PlanVsActualFilter(period="week", periods=1, date=parse_week(WEEK), members=[week.rep1.pk]),
        now=NOW,
    )
    (row,) = [member for member in table.members if member.user.pk == week.rep1.pk]
    numbers = row.periods[0].numbers
    summary = week_summary(author=week.rep1, week=WEEK, now=NOW).figures
    assert (numbers.planned, numbers.done_as_planned, numbers.moved, numbers.cancelled) == (
        summary["planned"],
        summary["done_as_planned"],
        summary["moved"],
        summary["cancelled"],
    )
    assert (numbers.unplanned, numbers.done, numbers.overdue + numbers.upcoming) == (
        summary["unplanned"],
        summary["activities_done"],
        summary["still_open"],
    )


def test_a_change_after_submit_leaves_the_snapshot_and_is_flagged(week):
    report, created = weekly_report_start(actor=week.rep1, week=WEEK)
    assert created
    report = weekly_report_submit(actor=week.rep1, report=report, now=NOW)
    assert report.snapshot["figures"] == EXPECTED
    Activity.objects.filter(pk=week.a["open"].pk).update(status="done", completed_at=jst(2026, 12, 4, 11))

    report = WeeklyReport.objects.get(pk=report.pk)
    assert report.snapshot["figures"] == EXPECTED
    detail = report_detail(report, now=NOW)
    assert detail.summary_figures == EXPECTED
    assert detail.changes == {
        "activities_done": (5, 6),
        "done_as_planned": (3, 4),
        "still_open": (1, 0),
    }


def test_a_draft_has_no_changes(week):
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    assert summary_changes(report, week_summary(author=week.rep1, week=WEEK, now=NOW)) == {}


def test_weeks():
    assert parse_week("2026-W49").isoformat() == "2026-11-30"
    assert parse_week("2026-W53").isoformat() == "2026-12-28"  # 2026 has 53 ISO weeks
    for bad in ("2026-W54", "2027-W53", "2026-W00", "2026W49", "", "2026-W4"):
        with pytest.raises(ValidationError):
            parse_week(bad)
    assert shift_week("2026-W53", 1) == "2027-W01"


def test_the_week_is_local_and_may_start_on_sunday(week):
    period = report_period(week.rep1, WEEK)
    assert (period.start, period.end) == (jst(2026, 11, 30, 0), jst(2026, 12, 7, 0))
    week.rep1.week_starts_on = 6
    period = report_period(week.rep1, WEEK)
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == ("2026-11-29", "2026-12-05")
    assert current_week_key(week.rep1, jst(2026, 12, 6, 9)) == "2026-W50"  # Sunday opens the next week
    week.rep1.week_starts_on = 0
    assert current_week_key(week.rep1, jst(2026, 12, 6, 23, 59)) == WEEK
