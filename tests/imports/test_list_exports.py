"""Downloads of the lists beyond the importer's kinds: weekly reports, targets, uncontacted and the audit
trail (administrators only), in CSV and .xlsx, with the list's filters and only what the user may see;
formula-like cells neutralised by the one writer."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import CustomerFactory, TeamFactory, UserFactory
from totonou.core.audit import audit_record
from totonou.core.models import AuditEntry
from totonou.reports.models import WeeklyReport
from totonou.targets.models import Target
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def get(user: User, path: str):
    client = Client()
    client.force_login(user)
    return client.get(path)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(user: User, path: str) -> list[list[str]]:
    response = get(user, path)
    assert response.status_code == 200, path
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(user: User, path: str) -> list[list[object]]:
    response = get(user, path)
    assert response.status_code == 200, path
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).worksheets[0]
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    width = len(rows[0])
    return [row + [""] * (width - len(row)) for row in rows]  # trailing empty cells are not stored


@pytest.fixture
def world():
    class World:
        pass

    w = World()
    w.team_a = TeamFactory(name="Team A")
    w.team_b = TeamFactory(name="Team B")
    w.manager_a = UserFactory(username="mgr_a", role=User.Role.MANAGER, team=w.team_a, language="en")
    w.team_a.managers.add(w.manager_a)
    w.manager_b = UserFactory(username="mgr_b", role=User.Role.MANAGER, team=w.team_b, language="en")
    w.team_b.managers.add(w.manager_b)
    w.rep_a1 = UserFactory(username="rep_a1", team=w.team_a, display_name="佐藤", language="en")
    w.rep_a2 = UserFactory(username="rep_a2", team=w.team_a, display_name="鈴木", language="en")
    w.rep_b1 = UserFactory(username="rep_b1", team=w.team_b, display_name="Brown", language="en")
    w.admin = UserFactory(username="boss", role=User.Role.ADMIN, language="en")
    return w


def report(author: User, week: str, status: str, went_well: str = "") -> WeeklyReport:
    submitted = {} if status == "draft" else {"submitted_at": timezone.now(), "snapshot": {}}
    return WeeklyReport.objects.create(
        author=author, week=week, status=status, went_well=went_well, **submitted
    )


def test_weekly_reports_export_only_what_each_may_read(world):
    report(world.rep_a1, "2026-W10", "submitted", '=HYPERLINK("http://x")')
    report(world.rep_a1, "2026-W11", "draft", "own draft")
    report(world.rep_a2, "2026-W10", "submitted", "\tcmd")
    report(world.rep_a2, "2026-W11", "draft", "someone else's draft")
    report(world.rep_b1, "2026-W10", "submitted", "\rteam B")
    path = "/exports/weekly-reports.csv"

    def seen(user: User, query: str = "") -> list[tuple[str, str, str]]:
        rows = csv_rows(user, path + query)
        assert rows[0][:5] == ["Week", "Author", "User name", "Team", "Status"]
        return [(row[0], row[2], row[8]) for row in rows[1:]]

    assert seen(world.rep_a1) == [
        ("2026-W11", "rep_a1", "own draft"),
        ("2026-W10", "rep_a1", '\'=HYPERLINK("http://x")'),
        ("2026-W10", "rep_a2", "'\tcmd"),
    ]
    assert seen(world.manager_b) == [("2026-W10", "rep_b1", "'\rteam B")]
    assert seen(world.manager_b, f"?team={world.team_a.pk}") == []
    assert seen(world.manager_a, f"?team={world.team_a.pk}&week=2026-W10") == [
        ("2026-W10", "rep_a1", '\'=HYPERLINK("http://x")'),
        ("2026-W10", "rep_a2", "'\tcmd"),
    ]
    assert [row[:3] for row in seen(world.admin)] == [
        ("2026-W10", "rep_a1", '\'=HYPERLINK("http://x")'),
        ("2026-W10", "rep_a2", "'\tcmd"),
        ("2026-W10", "rep_b1", "'\rteam B"),
    ]
    workbook = xlsx_rows(world.rep_a1, "/exports/weekly-reports.xlsx?week=2026-W10")
    assert [(row[0], row[2], row[4], row[8]) for row in workbook[1:]] == [
        ("2026-W10", "rep_a1", "Submitted", '\'=HYPERLINK("http://x")'),
        ("2026-W10", "rep_a2", "Submitted", "'\tcmd"),
    ]


def test_targets_export_only_what_each_may_read(world):
    for owner in (world.rep_a1, world.rep_a2, world.rep_b1):
        Target.objects.create(user=owner, metric="revenue", period="2026-04", value=100)
    Target.objects.create(team=world.team_a, metric="revenue", period="FY2026", value=1000)
    Target.objects.create(team=world.team_b, metric="revenue", period="FY2026", value=2000)

    def seen(user: User, query: str = "") -> list[list[str]]:
        return csv_rows(user, "/exports/targets.csv" + query)[1:]

    assert seen(world.rep_a1) == [
        ["rep_a1", "", "revenue", "2026-04", "100"],
        ["", "Team A", "revenue", "FY2026", "1000"],
    ]
    assert seen(world.manager_b, f"?in_team={world.team_a.pk}") == []
    assert seen(world.manager_a, f"?in_team={world.team_a.pk}") == [
        ["rep_a1", "", "revenue", "2026-04", "100"],
        ["rep_a2", "", "revenue", "2026-04", "100"],
        ["", "Team A", "revenue", "FY2026", "1000"],
    ]
    assert len(seen(world.admin)) == 5
    page = get(world.manager_a, f"/targets/?team={world.team_a.pk}&year=2026&metric=revenue").content.decode()
    assert (
        f'href="/exports/targets.csv?in_team={world.team_a.pk}&amp;fiscal_year=2026&amp;metric=revenue"'
        in page
    )


def test_uncontacted_xlsx_has_the_csv_rows(world):
    CustomerFactory(name="=cmd|' /C calc'!A0", owner=world.rep_a1)
    CustomerFactory(name="+Plus商事", owner=world.rep_b1)
    query = ""

    from_csv = csv_rows(world.rep_a1, "/api/v1/insights/uncontacted.csv" + query)
    from_xlsx = xlsx_rows(world.rep_a1, "/exports/uncontacted.xlsx" + query)

    assert from_csv[0] == [
        "Customer id",
        "Customer",
        "Name (kana)",
        "Segment",
        "Owner",
        "Key customer",
        "Threshold (days)",
        "Days since contact",
        "Last contact",
        "Last contact by",
        "Planned",
        "Next planned",
    ]
    assert sorted(row[1] for row in from_csv[1:]) == ["'+Plus商事", "'=cmd|' /C calc'!A0"]
    assert [[str(cell) for cell in row] for row in from_xlsx] == from_csv
    page = get(world.rep_a1, "/insights/uncontacted/").content.decode()  # a rep's own by default
    assert f'href="/api/v1/insights/uncontacted.csv?owner={world.rep_a1.pk}"' in page
    assert f'href="/exports/uncontacted.xlsx?owner={world.rep_a1.pk}"' in page
    mine = xlsx_rows(world.rep_a1, f"/exports/uncontacted.xlsx?owner={world.rep_a1.pk}")
    assert [row[1] for row in mine[1:]] == ["'=cmd|' /C calc'!A0"]


def test_the_audit_trail_is_for_administrators_only(world):
    for user in (world.rep_a1, world.manager_a):
        assert get(user, "/settings/audit/").status_code == 403
        assert get(user, "/exports/audit.csv").status_code == 403
        assert get(user, "/exports/audit.xlsx").status_code == 403
    assert "/settings/audit/" not in get(world.manager_a, "/settings/").content.decode()
    assert "/settings/audit/" in get(world.admin, "/settings/").content.decode()


def test_the_audit_page_and_its_export_follow_the_filters(world):
    customer = CustomerFactory(name="@株式会社A", owner=world.rep_a1)
    AuditEntry.objects.all().delete()
    audit_record(
        actor=world.rep_a1, instance=customer, action="create", changes={"name": [None, "@株式会社A"]}
    )
    audit_record(actor=world.admin, instance=customer, action="update", changes={"phone": ["", "-03"]})
    audit_record(
        actor=world.admin, instance=world.rep_b1, action="update", changes={"role": ["rep", "manager"]}
    )

    page = get(world.admin, f"/settings/audit/?actor={world.admin.pk}&record_type=customers.customer")

    assert page.status_code == 200
    assert [entry.action for entry, _type, _changes in page.context["entries"]] == ["update"]
    assert page.context["entries"][0][1:] == ("customer", "phone: — → -03")
    html = page.content.decode()
    assert f'href="/exports/audit.csv?actor={world.admin.pk}&amp;record_type=customers.customer"' in html
    rows = csv_rows(world.admin, f"/exports/audit.csv?actor={world.admin.pk}&record_type=customers.customer")
    assert rows[0] == ["Changed at", "Changed by", "Action", "Record type", "Record id", "Record", "Changes"]
    assert [row[1:] for row in rows[1:]] == [
        ["boss", "Updated", "customer", str(customer.pk), "'@株式会社A", "phone: — → -03"]
    ]
    everything = xlsx_rows(world.admin, "/exports/audit.xlsx")
    assert [(row[1], row[2], row[3]) for row in everything[1:]] == [
        ("boss", "Updated", "user"),
        ("boss", "Updated", "customer"),
        ("rep_a1", "Created", "customer"),
    ]
    assert everything[3][6] == "name: — → @株式会社A"
    created = csv_rows(world.admin, "/exports/audit.csv?action=create&since=2000-01-01&until=2999-12-31")
    assert [row[1] for row in created[1:]] == ["rep_a1"]
    assert csv_rows(world.admin, "/exports/audit.csv?until=2000-01-01") == [rows[0]]
