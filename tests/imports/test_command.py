"""``totonou import``: the same engine from the command line, its report and its exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import SegmentFactory, UserFactory
from tests.imports.test_engine import csv_bytes
from totonou.customers.models import Customer
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", *args, stdout=out, stderr=err)
    return int(exit_.value.code or 0), out.getvalue(), err.getvalue()


@pytest.fixture
def people(db):
    UserFactory(username="admin", role=User.Role.ADMIN)
    UserFactory(username="sato", display_name="佐藤")


def test_import_maps_values_and_exits_0_then_nothing_changes(people, tmp_path):
    SegmentFactory(name="製造業")
    path = tmp_path / "customers.csv"
    path.write_bytes(
        csv_bytes(
            [["コード", "取引先", "担当"], ["C1", "株式会社A", "さとう"], ["C2", "B商事", "sato"]], "cp932"
        )
    )
    args = [
        "customers",
        str(path),
        "--map",
        "コード=external_id",
        "--map",
        "取引先=name",
        "--map",
        "担当=owner",
        "--value",
        "担当:さとう=sato",
    ]

    code, out, _err = command(*args)

    assert code == 0
    assert out.splitlines() == [
        "line 2: created: C1",
        "line 3: created: C2",
        "2 created, 0 updated, 0 unchanged, 0 failed",
    ]
    assert sorted(Customer.objects.values_list("external_id", "name", "owner__username")) == [
        ("C1", "株式会社A", "sato"),
        ("C2", "B商事", "sato"),
    ]
    code, out, _err = command(*args)
    assert (code, out.splitlines()) == (0, ["0 created, 0 updated, 2 unchanged, 0 failed"])


def test_failed_rows_exit_1_and_dry_run_writes_nothing(people, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(csv_bytes([["name", "owner"], ["A", "sato"], ["B", "ghost"]]))

    code, out, _err = command("customers", str(path), "--dry-run", "--default-owner", "sato")

    assert code == 1
    assert out.splitlines() == [
        "line 2: created: A",
        "line 3: failed: No user “ghost” (owners are matched by username, email or display name).",
        "1 created, 0 updated, 0 unchanged, 1 failed (dry run: nothing was written)",
    ]
    assert Customer.objects.count() == 0


def test_unusable_file_exits_2(people, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert command("customers", str(empty)) == (2, "", "The file is empty.\n")
    no_name = tmp_path / "phones.csv"
    no_name.write_bytes(b"phone\r\n03\r\n")
    assert command("customers", str(no_name))[2] == (
        "A required column is missing: name. Name the column or map it.\n"
    )
    assert command("deals", str(tmp_path / "missing.csv"))[0] == 2
    assert command("customers", str(no_name), "--map", "phone=colour")[2] == (
        "“colour” is not a field of this import.\n"
    )
    assert Customer.objects.count() == 0
