"""The people kinds: users (administrators only, never a password from the file) and targets (managers
for their teams, through the targets services), through the engine, the API and the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tests.factories import TeamFactory, UserFactory, make_team
from tests.imports.test_engine import csv_bytes, run
from totonou.core.models import AuditEntry
from totonou.deals.models import Stage
from totonou.imports.models import Import
from totonou.imports.reading import FileRefused
from totonou.targets.models import Target
from totonou.users.models import Team, User

pytestmark = pytest.mark.django_db

USERS = [
    ["社員番号", "ユーザー名", "メールアドレス", "氏名", "チーム", "権限", "言語", "タイムゾーン"],
    ["E001", "tanaka", "tanaka@example.jp", "田中 一郎", "東京営業部", "営業担当", "日本語", "Asia/Tokyo"],
    [
        "E002",
        "smith",
        "smith@example.com",
        "John Smith",
        "大阪営業部",
        "Manager",
        "English",
        "America/New_York",
    ],
]


@pytest.fixture
def admin():
    return UserFactory(username="boss", role=User.Role.ADMIN, language="en")


def command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", *args, stdout=out, stderr=err)
    return int(exit_.value.code or 0), out.getvalue(), err.getvalue()


def test_users_are_created_without_a_password_then_unchanged_then_updated(admin):
    TeamFactory(name="東京営業部")
    data = csv_bytes(USERS, "cp932")

    first = run(admin, data, "users", create_missing=True)

    assert first.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert first.columns == {
        "社員番号": "external_id",
        "ユーザー名": "username",
        "メールアドレス": "email",
        "氏名": "display_name",
        "チーム": "team",
        "権限": "role",
        "言語": "language",
        "タイムゾーン": "time_zone",
    }
    rows = list(
        User.objects.exclude(pk=admin.pk)
        .order_by("external_id")
        .values_list(
            "external_id", "username", "email", "display_name", "team__name", "role", "language", "time_zone"
        )
    )
    assert rows == [
        ("E001", "tanaka", "tanaka@example.jp", "田中 一郎", "東京営業部", "rep", "ja", "Asia/Tokyo"),
        (
            "E002",
            "smith",
            "smith@example.com",
            "John Smith",
            "大阪営業部",
            "manager",
            "en",
            "America/New_York",
        ),
    ]
    smith = User.objects.get(username="smith")
    assert list(smith.managed_teams.values_list("name", flat=True)) == ["大阪営業部"]
    assert not any(user.has_usable_password() for user in User.objects.exclude(pk=admin.pk))
    assert AuditEntry.objects.filter(action="create", content_type__model="user").count() == 2

    assert run(admin, data, "users").counts == {"created": 0, "updated": 0, "unchanged": 2, "failed": 0}

    changed = [USERS[0], [*USERS[2][:3], "J. Smith", *USERS[2][4:]]]
    assert run(admin, csv_bytes(changed), "users").counts == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
        "failed": 0,
    }
    assert User.objects.get(username="smith").display_name == "J. Smith"


def test_users_match_by_username_when_the_file_has_no_external_id(admin):
    existing = UserFactory(username="sato", display_name="佐藤", email="old@example.jp")

    report = run(admin, csv_bytes([["username", "email"], ["SATO", "new@example.jp"], ["kato", ""]]), "users")

    assert report.counts == {"created": 1, "updated": 1, "unchanged": 0, "failed": 0}
    existing.refresh_from_db()
    assert (existing.email, existing.has_usable_password()) == ("new@example.jp", True)
    assert User.objects.get(username="kato").role == "rep"


def test_bad_user_rows_fail_with_their_reason(admin):
    UserFactory(username="sato", external_id="X9")
    rows = [
        ["external_id", "username", "role", "time_zone", "language", "team"],
        ["X1", "sato", "rep", "Asia/Tokyo", "ja", ""],
        ["X9", "other", "", "", "", ""],
        ["X2", "ito", "owner", "", "", ""],
        ["X3", "abe", "", "Mars/Base", "", ""],
        ["X4", "ueda", "", "", "fr", ""],
        ["X5", "mori", "", "", "", "幻の課"],
    ]

    report = run(admin, csv_bytes(rows), "users")

    assert report.counts == {"created": 0, "updated": 0, "unchanged": 0, "failed": 6}
    assert [(row.line, row.message) for row in report.rows] == [
        (2, "The user “sato” already has the external id “X9”."),
        (3, "The external id “X9” belongs to the user “sato”; an import does not change usernames."),
        (4, "“owner” is not one of the choices."),
        (5, "time_zone: Unknown time zone: Mars/Base"),
        (6, "“fr” is not a language (ja or en)."),
        (7, "No team “幻の課”; map it to an existing one or choose to create it."),
    ]
    assert list(User.objects.values_list("username", flat=True).order_by("username")) == ["boss", "sato"]


def test_a_password_column_refuses_the_file(admin):
    with pytest.raises(FileRefused) as refused:
        run(admin, csv_bytes([["username", "パスワード"], ["kato", "secret"]]), "users")

    assert str(refused.value) == (
        "The file has a password column (パスワード): passwords are never imported. Remove the column; "
        "new users set their own password through a set-password link."
    )
    assert not User.objects.filter(username="kato").exists()


def test_only_administrators_import_users(api_client, tmp_path):
    _team, manager, (rep, _other) = make_team()
    User.objects.filter(pk__in=[manager.pk, rep.pk]).update(language="en")
    manager.refresh_from_db()
    data = csv_bytes([["username"], ["kato"]])

    for user in (rep, manager):
        response = api_client(user).post(
            "/api/v1/imports", {"kind": "users", "file": SimpleUploadedFile("u.csv", data)}
        )
        assert response.status_code == 403
        assert response.json() == {"detail": "Only administrators may do this."}
    client = Client()
    client.force_login(manager)
    page = client.get("/imports/").content.decode()
    assert '<option value="users">' not in page
    assert '<option value="targets">' in page
    assert (
        client.post("/imports/", {"kind": "users", "file": SimpleUploadedFile("u.csv", data)}).status_code
        == 400
    )
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    assert command("users", str(path), "--as", manager.username) == (
        2,
        "",
        "Only administrators may do this.\n",
    )
    # and the rows themselves, should the engine be called directly
    report = run(manager, data, "users")
    assert [row.message for row in report.rows] == ["Only administrators may do this."]
    assert not User.objects.filter(username="kato").exists()
    assert Import.objects.count() == 0


TARGETS = [
    ["担当者", "チーム", "指標", "期間", "目標"],
    ["", "Team A", "revenue", "FY2026", "¥120,000,000"],
    ["rep_a1", "", "売上", "2026-04", "10,000,000"],
    ["rep_a1", "", "活動件数", "2026-Q1", "60"],
    ["rep_b1", "", "revenue", "2026-04", "5000000"],
    ["", "Team B", "revenue", "FY2026", "1"],
]


@pytest.fixture
def two_teams():
    team_a = TeamFactory(name="Team A")
    manager = UserFactory(username="mgr_a", role=User.Role.MANAGER, team=team_a, language="en")
    team_a.managers.add(manager)
    UserFactory(username="rep_a1", team=team_a, display_name="佐藤")
    team_b = TeamFactory(name="Team B")
    UserFactory(username="rep_b1", team=team_b)
    return manager


def test_a_manager_imports_targets_of_their_team_only(two_teams):
    manager = two_teams

    report = run(manager, csv_bytes(TARGETS), "targets")

    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 2}
    assert [(row.line, row.status, row.key, row.message) for row in report.rows] == [
        (2, "created", "Team A revenue FY2026", ""),
        (3, "created", "rep_a1 revenue 2026-04", ""),
        (4, "created", "rep_a1 activities 2026-Q1", ""),
        (5, "failed", "", "You may set targets for the members of the teams you manage only."),
        (6, "failed", "", "You may set targets for the teams you manage only."),
    ]
    assert sorted(
        Target.objects.values_list("user__username", "team__name", "metric", "period", "value", "created_by"),
        key=str,
    ) == sorted(
        [
            (None, "Team A", "revenue", "FY2026", 120_000_000, manager.pk),
            ("rep_a1", None, "revenue", "2026-04", 10_000_000, manager.pk),
            ("rep_a1", None, "activities", "2026-Q1", 60, manager.pk),
        ],
        key=str,
    )

    again = run(manager, csv_bytes(TARGETS[:4]), "targets")
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}
    changed = run(
        manager, csv_bytes([TARGETS[0], ["佐藤", "", "revenue", "2026-04", "11,000,000円"]]), "targets"
    )
    assert changed.counts == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert Target.objects.get(user__username="rep_a1", period="2026-04").value == 11_000_000


def test_bad_target_rows_fail_with_the_services_reasons(two_teams):
    admin = UserFactory(username="boss", role=User.Role.ADMIN, language="en")
    rows = [
        ["user", "team", "metric", "period", "value"],
        ["rep_a1", "Team A", "revenue", "2026-04", "1"],
        ["rep_a1", "", "revenue", "2026-Q5", "1"],
        ["rep_a1", "", "smiles", "2026-04", "1"],
        ["rep_a1", "", "revenue", "2026-04", "-5"],
        ["ghost", "", "revenue", "2026-04", "1"],
    ]

    report = run(admin, csv_bytes(rows), "targets")

    assert [(row.line, row.message) for row in report.rows] == [
        (2, "Give either a rep (user) or a team for a target, not both."),
        (
            3,
            "“2026-Q5” is not a period: give a month (2026-04), a quarter (2026-Q1), a half (2026-H1) or "
            "a fiscal year (FY2026).",
        ),
        (4, "“smiles” is not one of the choices."),
        (5, "“-5” is not an amount."),
        (6, "No user “ghost” (owners are matched by username, email or display name)."),
    ]
    assert Target.objects.count() == 0


def test_reps_cannot_import_targets(api_client, two_teams):
    rep = User.objects.get(username="rep_a1")
    User.objects.filter(pk=rep.pk).update(language="en")
    response = api_client(rep).post(
        "/api/v1/imports",
        {
            "kind": "targets",
            "file": SimpleUploadedFile("t.csv", csv_bytes(TARGETS)),
            "options": json.dumps({}),
        },
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only managers and administrators may do this."}
    assert Target.objects.count() == 0


def test_targets_export_imports_again_to_the_same_records(two_teams):
    manager = two_teams
    run(manager, csv_bytes(TARGETS), "targets")
    client = Client()
    client.force_login(manager)
    team = Team.objects.get(name="Team A")

    exported = b"".join(
        client.get(f"/exports/targets.csv?in_team={team.pk}&fiscal_year=2026").streaming_content
    )

    assert exported.decode("utf-8-sig").splitlines() == [
        "user,team,metric,period,value",
        "rep_a1,,revenue,2026-04,10000000",
        "rep_a1,,activities,2026-Q1,60",
        ",Team A,revenue,FY2026,120000000",
    ]
    assert run(manager, exported, "targets").counts == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "failed": 0,
    }
    xlsx = client.get(f"/exports/targets.xlsx?in_team={team.pk}")
    xlsx_bytes = b"".join(xlsx.streaming_content)
    assert run(manager, xlsx_bytes, "targets", filename="t.xlsx").counts["unchanged"] == 3
    before = sorted(Target.objects.values_list("user_id", "team_id", "metric", "period", "value"), key=str)
    Target.objects.all().delete()
    assert run(manager, exported, "targets").counts["created"] == 3
    assert (
        sorted(Target.objects.values_list("user_id", "team_id", "metric", "period", "value"), key=str)
        == before
    )


def test_an_unknown_stage_is_mapped_or_created(admin):
    from tests.factories import CustomerFactory

    CustomerFactory(name="株式会社A", external_id="C1")
    rows = [
        ["external_id", "title", "customer", "stage"],
        ["D1", "一", "C1", "提案中"],
        ["D2", "二", "C1", "デモ済み"],
    ]
    last_open = Stage.objects.filter(kind="open").order_by("-order").first()

    report = run(
        admin, csv_bytes(rows), "deals", values={"stage": {"提案中": "proposal"}}, create_missing=True
    )

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    created = Stage.objects.get(name_ja="デモ済み")
    assert (created.name_en, created.kind, created.order) == ("デモ済み", "open", last_open.order + 1)
    from totonou.deals.models import Deal

    assert sorted(Deal.objects.values_list("external_id", "stage__slug")) == [
        ("D1", "proposal"),
        ("D2", created.slug),
    ]
