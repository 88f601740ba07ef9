"""The weekly report pages: the rep's week (figures with their records, autosave, submit, the
"changed since submitted" flag), a report read by the team, review and comments, the review queue and the
meeting pack with its exports; refusals change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from openpyxl import load_workbook

from tests.insights.conftest import jst
from tests.reports.conftest import NOW, WEEK
from totonou.activities.models import Activity, Comment
from totonou.core.csv import neutralise_cell
from totonou.reports.models import WeeklyReport
from totonou.reports.services import weekly_report_start, weekly_report_submit, weekly_report_update
from totonou.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def records_of(client: Client, url: str, query: dict[str, str], figure: str) -> str:
    """The records behind ``figure``, as htmx reads them when their group is opened."""
    response = client.get(url, {**query, "records": figure}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_rep_sees_the_week_with_links_to_the_records(week):
    client = client_for(week.rep1)
    response = client.get("/reports/", {"week": WEEK})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="activities_done"' in html
    assert 'href="#records-activities_done">5</a>' in html
    assert "¥3,000,000" in html
    assert 'id="reflection-form"' in html
    # The groups of records are closed, and read when opened: the page lists none of them.
    assert 'data-activity="' not in html
    assert week.d["won_sunday"].get_absolute_url() not in html
    assert f'hx-get="/reports/?week={WEEK}&amp;records=cancelled" hx-trigger="toggle once"' in html
    assert f'hx-get="/reports/?week={WEEK}&amp;records=deals_won" hx-trigger="toggle once"' in html
    cancelled = records_of(client, "/reports/", {"week": WEEK}, "cancelled")
    assert cancelled.count('data-activity="') == 1
    assert week.a["cancelled"].get_absolute_url() in cancelled
    won = records_of(client, "/reports/", {"week": WEEK}, "deals_won")
    assert week.d["won_sunday"].get_absolute_url() in won
    assert "<html" not in won  # the group's records alone
    assert WeeklyReport.objects.count() == 0  # reading starts nothing


def test_autosave_starts_the_draft_and_submit_freezes_it(week):
    client = client_for(week.rep1)
    response = client.post(f"/reports/week/{WEEK}/save/", {"went_well": "受注"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Draft saved" in response.content.decode()
    report = WeeklyReport.objects.get()
    assert (report.author, report.week, report.status, report.went_well) == (week.rep1, WEEK, "draft", "受注")
    response = client.post(f"/reports/week/{WEEK}/submit/", {"went_well": "受注1件", "help_needed": "同行"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.went_well, report.help_needed) == ("submitted", "受注1件", "同行")
    assert report.snapshot is not None
    before = WeeklyReport.objects.values_list("went_well", "version").get()
    response = client.post(f"/reports/week/{WEEK}/save/", {"went_well": "x"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert WeeklyReport.objects.values_list("went_well", "version").get() == before


def test_a_week_that_does_not_exist_is_a_404(week):
    client = client_for(week.rep1)
    assert client.get("/reports/", {"week": "2026-W54"}).status_code == 404
    assert client.post("/reports/week/2026-W54/save/", {"went_well": "x"}).status_code == 404
    assert WeeklyReport.objects.count() == 0


def test_changed_since_submitted_is_flagged(week):
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    weekly_report_submit(actor=week.rep1, report=report, now=NOW)
    Activity.objects.filter(pk=week.a["open"].pk).update(status="done", completed_at=jst(2026, 12, 4, 11))
    html = client_for(week.manager).get(f"/reports/{report.pk}/").content.decode()
    assert 'id="report-changed"' in html
    assert "Activities done: 5 → 6" in html
    assert 'href="#records-activities_done">5</a>' in html  # the report keeps the submitted figure


def test_another_reps_draft_is_a_404(week):
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    for user in (week.rep2, week.manager):
        assert client_for(user).get(f"/reports/{report.pk}/").status_code == 404
        assert client_for(user).post(f"/reports/{report.pk}/review/").status_code == 404
        assert client_for(user).post(f"/reports/{report.pk}/comment/", {"body": "x"}).status_code == 404
    assert Comment.objects.count() == 0
    assert WeeklyReport.objects.get().status == "draft"


def test_the_manager_comments_and_reviews(week):
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    weekly_report_submit(actor=week.rep1, report=report)
    client = client_for(week.manager)
    html = client.get(f"/reports/{report.pk}/").content.decode()
    assert 'id="report-review"' in html
    assert 'id="reflection-form"' not in html
    client.post(f"/reports/{report.pk}/comment/", {"body": f"@{week.rep1.username} よくできました"})
    comment = Comment.objects.get()
    assert (comment.weekly_report_id, list(comment.mentions.all())) == (report.pk, [week.rep1])
    assert client.post(f"/reports/{report.pk}/review/").status_code == 302
    report.refresh_from_db()
    assert (report.status, report.reviewed_by) == ("reviewed", week.manager)
    # a teammate reads but may not review
    html = client_for(week.rep2).get(f"/reports/{report.pk}/").content.decode()
    assert "よくできました" in html
    assert 'id="report-review"' not in html


def test_the_review_queue_puts_help_needed_first(week, team_b):
    report, _created = weekly_report_start(actor=week.rep2, week=WEEK)
    weekly_report_update(actor=week.rep2, report=report, help_needed="価格の相談")
    weekly_report_submit(actor=week.rep2, report=report)
    html = client_for(week.manager).get("/reports/team/", {"week": WEEK}).content.decode()
    order = [name for name in (week.rep2.username, week.rep1.username) if f'data-member="{name}"' in html]
    assert order == [week.rep2.username, week.rep1.username]
    assert html.index(f'data-member="{week.rep2.username}"') < html.index(
        f'data-member="{week.rep1.username}"'
    )
    assert "価格の相談" in html
    # another team's manager may not open this team
    other_manager = team_b[1]
    assert client_for(other_manager).get("/reports/team/", {"team": week.team.pk}).status_code == 404


def test_the_meeting_pack_and_its_exports(week):
    from totonou.targets.models import Target

    Target.objects.create(user=week.rep1, metric="revenue", period="2026-12", value=10_000_000)
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    weekly_report_update(actor=week.rep1, report=report, help_needed='=HYPERLINK("x")')
    weekly_report_submit(actor=week.rep1, report=report, now=NOW)
    client = client_for(week.manager)
    html = client.get("/reports/team/pack/", {"week": WEEK}).content.decode()
    assert html.count('class="pack-row"') == 3  # the manager and two reps
    # the print layout (A4 landscape, no site header) is the pack's own stylesheet (no inline <style>: CSP)
    assert '<link rel="stylesheet" href="/static/totonou/pack.css">' in html
    assert "@media print" in Path(finders.find("totonou/pack.css")).read_text()
    response = client.get("/reports/team/pack/", {"week": WEEK, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    (rep_row,) = [row for row in rows if row[0] == str(week.rep1)]
    assert rep_row[1] == "Submitted"
    assert rep_row[2] == 5  # activities done
    assert rep_row[-1] == '\'=HYPERLINK("x")'
    # the member's revenue against target for December, to date (both won deals of the fixture)
    assert rows[1][-4:-1] == ["Revenue target", "Revenue to date", "Attainment"]
    assert rep_row[-4:-1] == ["¥10,000,000", "¥8,000,000", "80%"]
    assert '<td class="num">¥10,000,000</td>' in html and '<td class="num">80%</td>' in html
    assert "Targets, month to date (" in html
    markdown = client.get("/reports/team/pack/", {"week": WEEK, "format": "md"}).content.decode()
    assert f"| {week.rep1} | Submitted | 5 |" in markdown
    assert client.get("/reports/team/pack/", {"week": WEEK, "format": "pdf"}).status_code == 404


def test_the_meeting_pack_lists_the_key_customers_gone_cold_in_the_week(week):
    """Of the customers gone past their threshold in the week, the key ones (重点顧客), by name, each
    linked: from a live week (read with the rule) and from a submitted report's snapshot (whose
    customers are judged key as the pack is read); a customer that is not key is not listed."""
    from tests.factories import CustomerFactory
    from tests.insights.conftest import make_activity
    from totonou.customers.models import Customer

    cold = CustomerFactory(owner=week.rep2, is_key=True, cadence_days=30, name="冷えた重点物産")
    make_activity(owner=week.rep2, customer=cold, starts_at=jst(2026, 11, 2, 10))
    client = client_for(week.manager)

    def listed() -> list[str]:
        html = client.get("/reports/team/pack/", {"week": WEEK}).content.decode()
        section = html.split("Key customers gone cold this week", 1)[1].split("</section>", 1)[0]
        return [line.split('">', 1)[0] for line in section.split('<li class="is-key"><a href="')[1:]]

    # rep2's live week lists its key customer; rep1's lapsing customer (not key) is not listed
    assert listed() == [f"/customers/{cold.pk}/"]
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    weekly_report_submit(actor=week.rep1, report=report, now=NOW)
    report.refresh_from_db()
    assert report.snapshot["records"]["customers_past_threshold"] == [week.lapsing.pk]
    assert listed() == [f"/customers/{cold.pk}/"]
    # marked key after the report was submitted: the snapshot's customer is listed now, by name
    Customer.objects.filter(pk=week.lapsing.pk).update(is_key=True)
    assert listed() == [f"/customers/{cold.pk}/", f"/customers/{week.lapsing.pk}/"]
    assert "冷えた重点物産</a>" in client.get("/reports/team/pack/", {"week": WEEK}).content.decode()


def test_the_meeting_pack_exports_neutralise_hostile_names(week):
    """Team, member, customer and deal names and the help request that start like a formula are text in
    the .xlsx; in Markdown they stay inside their table cell (issue 19, item 3)."""
    from tests.factories import CustomerFactory, DealFactory
    from tests.web.test_export_formula_cells import HOSTILE
    from totonou.deals.models import Stage

    type(week.team).objects.filter(pk=week.team.pk).update(name='=HYPERLINK("https://evil.example")')
    for user, name in zip((week.manager, week.rep1, week.rep2), HOSTILE, strict=False):
        User.objects.filter(pk=user.pk).update(display_name=name)
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    weekly_report_update(actor=week.rep1, report=report, help_needed=HOSTILE[3])
    weekly_report_submit(actor=week.rep1, report=report, now=NOW)
    DealFactory(
        owner=week.rep1,
        customer=CustomerFactory(owner=week.rep1, name=HOSTILE[4]),
        title=HOSTILE[5],
        stage=Stage.objects.get(slug="lead"),
        stage_entered_at=jst(2026, 9, 1, 10),
    )
    client = client_for(week.manager)
    response = client.get("/reports/team/pack/", {"week": WEEK, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert cells[0] == f'\'=HYPERLINK("https://evil.example") {WEEK}'
    for name in HOSTILE[:6]:
        assert "'" + name.replace("\r", "\n") in [cell.replace("\r", "\n") for cell in cells], name
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r", "\n"}]

    markdown = client.get("/reports/team/pack/", {"week": WEEK, "format": "md"}).content.decode()
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 3  # header, rule, one row per member
    assert len({line.replace("\\|", "").count("|") for line in table}) == 1  # no cell broke the table
    assert "\r" not in markdown
    assert not [line for line in markdown.splitlines() if line[:1] in {"=", "+", "@", "\t"}]


def test_neutralise_cell():
    assert [neutralise_cell(value) for value in ("=1+1", "+81", "-3", "@x", "ok", 5, None)] == [
        "'=1+1",
        "'+81",
        "'-3",
        "'@x",
        "ok",
        5,
        None,
    ]


def test_the_rep_page_has_a_constant_query_count(week, django_assert_max_num_queries):
    """The page lists the groups of records closed, whatever their number (a group's records are read
    when it is opened: ``test_report_queries``)."""
    client = client_for(week.rep1)
    client.get("/reports/", {"week": WEEK})
    with django_assert_max_num_queries(20):
        assert client.get("/reports/", {"week": WEEK}).status_code == 200


def test_the_week_shows_attainment_to_date(week):
    from totonou.targets.models import Target

    Target.objects.create(user=week.rep1, metric="revenue", period="2026-12", value=10_000_000)
    html = client_for(week.rep1).get("/reports/", {"week": WEEK}).content.decode()
    section = html[html.index('id="report-attainment"') : html.index('aria-labelledby="records-title"')]
    assert "December 2026" in section
    assert "Revenue" in section
    assert "¥10,000,000" in section


def test_a_busy_figure_lists_its_first_records_and_links_to_all(week):
    """A figure with more records than ``RECORDS_SHOWN`` lists the first of them (in the figure's order)
    and "Show all", which lists every one; the figure itself counts them all."""
    import datetime

    from tests.insights.conftest import make_activity
    from totonou.reports.selectors import week_summary
    from totonou.web.views.reports import RECORDS_SHOWN

    for index in range(RECORDS_SHOWN + 5):
        make_activity(
            owner=week.rep1,
            customer=week.key,
            starts_at=jst(2026, 12, 2, 8) + datetime.timedelta(minutes=10 * index),
        )
    done = week_summary(author=week.rep1, week=WEEK, now=NOW).records["activities_done"]
    assert len(done) == RECORDS_SHOWN + 10  # the world's five and these
    client = client_for(week.rep1)
    html = client.get("/reports/", {"week": WEEK}).content.decode()
    assert f'href="#records-activities_done">{RECORDS_SHOWN + 10}</a>' in html
    assert f"({RECORDS_SHOWN + 10})" in html[html.index('id="records-activities_done"') :]
    section = records_of(client, "/reports/", {"week": WEEK}, "activities_done")
    assert section.count('data-activity="') == RECORDS_SHOWN
    assert [f'data-activity="{pk}"' in section for pk in done] == [True] * RECORDS_SHOWN + [False] * 10
    assert f"Show all {RECORDS_SHOWN + 10}" in section
    assert f"?week={WEEK}&amp;all=activities_done#records-activities_done" in section

    html = client.get("/reports/", {"week": WEEK, "all": "activities_done"}).content.decode()
    section = html[html.index('id="records-activities_done"') : html.index('id="records-planned"')]
    assert 'class="report-records" open' in section
    assert section.count('data-activity="') == RECORDS_SHOWN + 10
    assert "Show all" not in section
    other = html[html.index('id="records-planned"') :]
    assert 'data-activity="' not in other  # the other figures stay closed, read when opened
    assert f'hx-get="/reports/?week={WEEK}&amp;records=planned"' in other
    assert client.get("/reports/", {"week": WEEK, "all": "nonsense"}).status_code == 200


def test_the_records_of_a_group_are_read_with_the_page_s_access(week):
    """A group's records come through the page's own URL, so its access rules apply: the team's manager
    reads a member's week and a submitted report; another rep gets a 404. Without htmx, or for a figure
    that does not exist, the address is the whole page."""
    report, _created = weekly_report_start(actor=week.rep1, week=WEEK)
    weekly_report_submit(actor=week.rep1, report=report, now=NOW)
    manager = client_for(week.manager)
    html = records_of(manager, f"/reports/{report.pk}/", {}, "cancelled")
    assert week.a["cancelled"].get_absolute_url() in html
    html = records_of(manager, f"/reports/member/{week.rep1.pk}/week/2026-W47/", {}, "activities_done")
    assert "<html" not in html
    other = client_for(week.rep2)
    response = other.get(
        f"/reports/member/{week.rep1.pk}/week/2026-W47/",
        {"records": "activities_done"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 404
    page = client_for(week.rep1).get("/reports/", {"week": WEEK, "records": "cancelled"}).content.decode()
    assert "<html" in page
    page = records_of(client_for(week.rep1), "/reports/", {"week": WEEK}, "nonsense")
    assert "<html" in page
