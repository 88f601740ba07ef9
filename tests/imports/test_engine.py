"""The import engine on real files generated here: Shift_JIS CSV as Excel writes it, UTF-8 with and
without a BOM, TSV, .xlsx with date cells and serials, a US-format CRM export; exact counts and values,
idempotent re-import, bad input, dry run, and the kill-and-rerun case."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from tests.factories import CustomerFactory, SegmentFactory, UserFactory
from totonou.activities.models import Activity
from totonou.customers.models import Contact, Customer
from totonou.deals.models import Deal, StageChange
from totonou.imports import engine
from totonou.imports.engine import Options
from totonou.imports.parsing import ValueError_, parse_amount, parse_date
from totonou.imports.reading import FileRefused
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")  # as Excel writes it
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def run(actor: User, data: bytes, kind: str, filename: str = "file.csv", **options) -> engine.Report:
    return engine.run(
        actor=actor, stream=io.BytesIO(data), filename=filename, options=Options(kind=kind, **options)
    )


@pytest.fixture
def admin(db) -> User:
    return UserFactory(username="admin", role=User.Role.ADMIN, display_name="管理者")


@pytest.fixture
def sato(db) -> User:
    return UserFactory(username="sato", display_name="佐藤 花子", email="sato@example.jp")


CUSTOMERS_JA = [
    ["顧客コード", "会社名", "フリガナ", "営業担当", "セグメント", "重点顧客", "電話番号"],
    ["C-001", "株式会社サンプル", "サンプル", "佐藤 花子", "製造業", "○", "03-1234-5678"],
    ["C-002", "テスト商事㈱", "テストショウジ", "sato@example.jp", "製造業", "", ""],
    ["C-003", "ｶﾌﾞｼｷｶﾞｲｼｬ ﾐﾅﾐ", "", "sato", "卸売", "×", ""],
]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8", "utf-8-sig"])
def test_customers_in_each_encoding_and_reimport_changes_nothing(admin, sato, encoding):
    SegmentFactory(name="製造業")
    SegmentFactory(name="卸売")
    data = csv_bytes(CUSTOMERS_JA, encoding)

    report = run(admin, data, "customers")

    assert report.encoding == encoding
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    assert report.columns == {
        "顧客コード": "external_id",
        "会社名": "name",
        "フリガナ": "name_kana",
        "営業担当": "owner",
        "セグメント": "segment",
        "重点顧客": "is_key",
        "電話番号": "phone",
    }
    rows = list(
        Customer.objects.order_by("external_id").values_list(
            "external_id", "name", "name_kana", "owner__username", "segment__name", "is_key", "phone"
        )
    )
    assert rows == [
        ("C-001", "株式会社サンプル", "サンプル", "sato", "製造業", True, "03-1234-5678"),
        ("C-002", "テスト商事㈱", "テストショウジ", "sato", "製造業", False, ""),
        ("C-003", "ｶﾌﾞｼｷｶﾞｲｼｬ ﾐﾅﾐ", "", "sato", "卸売", False, ""),
    ]

    again = run(admin, data, "customers")

    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}
    assert Customer.objects.count() == 3


def test_changed_row_updates_and_tsv(admin, sato):
    SegmentFactory(name="製造業")
    run(admin, csv_bytes(CUSTOMERS_JA[:2]), "customers")
    changed = [
        CUSTOMERS_JA[0],
        ["C-001", "株式会社サンプル", "サンプル", "佐藤 花子", "製造業", "○", "03-0000-0000"],
    ]

    report = run(admin, csv_bytes(changed, delimiter="\t"), "customers", filename="c.tsv")

    assert report.counts == {"created": 0, "updated": 1, "unchanged": 0, "failed": 0}
    assert Customer.objects.get(external_id="C-001").phone == "03-0000-0000"


def test_missing_references_fail_per_row_then_create_missing(admin, sato):
    data = csv_bytes(
        [
            ["id", "company", "owner", "segment"],
            ["1", "Alpha Inc.", "nobody", "Retail"],
            ["2", "Beta LLC", "sato", "Retail"],
        ]
    )

    report = run(admin, data, "customers")

    assert report.counts["failed"] == 2
    assert [(row.line, row.message) for row in report.rows] == [
        (2, "No user “nobody” (owners are matched by username, email or display name)."),
        (3, "No segment “Retail”; map it to an existing one or choose to create it."),
    ]
    assert Customer.objects.count() == 0

    mapped = run(admin, data, "customers", create_missing=True, values={"owner": {"nobody": "sato"}})

    assert mapped.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert sorted(Customer.objects.values_list("name", "owner__username", "segment__name")) == [
        ("Alpha Inc.", "sato", "Retail"),
        ("Beta LLC", "sato", "Retail"),
    ]


def test_bad_input_lines(admin, sato):
    data = csv_bytes(
        [
            ["external_id", "name", "cadence_days"],
            ["X1", "One", "30"],
            ["X1", "Duplicate", "30"],
            ["X2", '=HYPERLINK("http://evil")', ""],
            ["X3", "", "10"],
            ["X4", "Four", "many"],
        ]
    )

    report = run(admin, data, "customers")

    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "failed": 4}
    assert [(row.line, row.status, row.message) for row in report.rows] == [
        (2, "created", ""),
        (3, "failed", "The external id “X1” is also on line 2 of this file."),
        (
            4,
            "failed",
            'The name cell holds a formula (=HYPERLINK("http://evil")); import values, not formulas.',
        ),
        (5, "failed", "The name is empty."),
        (6, "failed", "“many” is not a whole number."),
    ]


def test_files_that_cannot_be_used(admin, settings):
    with pytest.raises(FileRefused, match=r"The file is empty\."):
        run(admin, b"", "customers")
    with pytest.raises(FileRefused, match="A required column is missing: name"):
        run(admin, csv_bytes([["phone"], ["03"]]), "customers")
    with pytest.raises(FileRefused, match="neither UTF-8 nor Shift_JIS"):
        run(admin, b"name\r\n\x82\x20\xe3\x81\r\n", "customers")
    with pytest.raises(FileRefused, match=r"not a CSV or an \.xlsx file"):
        run(admin, b"\xd0\xcf\x11\xe0\x00\x00name", "customers", filename="old.xls")
    settings.TOTONOU_IMPORT_MAX_BYTES = 100
    with pytest.raises(FileRefused, match="the largest file that can be imported is"):
        run(admin, csv_bytes([["name"]] + [["x" * 20]] * 10), "customers")
    assert Customer.objects.count() == 0


def test_dry_run_writes_nothing(admin, sato):
    report = run(admin, csv_bytes([["name"], ["Alpha"], ["Beta"]]), "customers", dry_run=True)

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert Customer.objects.count() == 0


def test_contacts_match_customer_by_folded_name(admin, sato):
    CustomerFactory(name="株式会社サンプル", owner=sato)
    data = csv_bytes(
        [
            ["会社名", "氏名", "部署", "メールアドレス", "決裁者"],
            ["ｻﾝﾌﾟﾙ(株)", "山田 太郎", "購買部", "yamada@example.jp", "はい"],
            ["サンプル", "鈴木 一郎", "", "", ""],
            ["存在しない会社", "田中", "", "", ""],
        ],
        "cp932",
    )

    report = run(admin, data, "contacts")

    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 1}
    assert report.rows[-1].message == "No customer “存在しない会社” (by external id or name)."
    assert sorted(
        Contact.objects.values_list("customer__name", "name", "department", "email", "is_decision_maker")
    ) == [
        ("株式会社サンプル", "山田 太郎", "購買部", "yamada@example.jp", True),
        ("株式会社サンプル", "鈴木 一郎", "", "", False),
    ]
    assert run(admin, data, "contacts").counts == {"created": 0, "updated": 0, "unchanged": 2, "failed": 1}


def test_us_crm_export_of_deals_with_history(admin, sato):
    CustomerFactory(name="Acme Corporation", external_id="ACC-1", owner=sato)
    CustomerFactory(name="Globex", external_id="ACC-2", owner=sato)
    data = csv_bytes(
        [
            [
                "Opportunity ID",
                "Opportunity Name",
                "Account ID",
                "Opportunity Owner",
                "Amount",
                "Stage",
                "Created Date",
                "Close Date",
                "Loss Reason",
            ],
            [
                "OPP-1",
                "Acme renewal",
                "ACC-1",
                "sato@example.jp",
                "$1,200,000",
                "Won",
                "1/15/2026",
                "3/20/2026",
                "",
            ],
            ["OPP-2", "Globex pilot", "ACC-2", "sato", "¥500,000", "lost", "2/3/2026", "4/1/2026", "Price"],
            ["OPP-3", "Acme expansion", "Acme Corporation", "sato", "800000円", "提案", "3/1/2026", "", ""],
        ]
    )

    report = run(admin, data, "deals", date_order="mdy")

    assert [row.message for row in report.rows if row.message] == []
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    won = Deal.objects.get(external_id="OPP-1")
    assert (won.title, won.customer.name, won.owner.username, won.amount, won.stage.slug) == (
        "Acme renewal",
        "Acme Corporation",
        "sato",
        1_200_000,
        "won",
    )
    assert timezone.localdate(won.closed_at) == datetime.date(2026, 3, 20)
    assert timezone.localdate(won.created_at) == datetime.date(2026, 1, 15)
    history = [
        (
            change.from_stage and change.from_stage.slug,
            change.to_stage.slug,
            timezone.localdate(change.changed_at),
        )
        for change in StageChange.objects.filter(deal=won).order_by("changed_at")
    ]
    assert history == [
        (None, "lead", datetime.date(2026, 1, 15)),
        ("lead", "won", datetime.date(2026, 3, 20)),
    ]
    lost = Deal.objects.get(external_id="OPP-2")
    assert (lost.stage.slug, lost.loss_reason.slug, lost.amount) == ("lost", "price", 500_000)
    assert timezone.localdate(lost.closed_at) == datetime.date(2026, 4, 1)
    open_deal = Deal.objects.get(external_id="OPP-3")
    assert (open_deal.stage.slug, open_deal.closed_at, open_deal.amount) == ("proposal", None, 800_000)
    assert StageChange.objects.count() == 6

    again = run(admin, data, "deals", date_order="mdy")

    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}
    assert StageChange.objects.count() == 6


def test_ambiguous_us_date_is_a_row_error_without_the_order(admin, sato):
    CustomerFactory(name="Acme", external_id="ACC-1", owner=sato)
    data = csv_bytes(
        [
            ["id", "title", "account id", "stage", "created", "close date"],
            ["D1", "X", "ACC-1", "won", "1/2/2026", "3/4/2026"],
        ]
    )

    report = run(admin, data, "deals")

    assert (
        report.rows[0].message
        == "“1/2/2026” could be day/month or month/day; choose the date order and import again."
    )
    assert Deal.objects.count() == 0


def test_xlsx_activities_with_date_cells_and_serials(admin, sato):
    customer = CustomerFactory(name="株式会社サンプル", external_id="C-1", owner=sato)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["活動ID", "日時", "種別", "会社名", "担当者", "件名", "内容"])
    sheet.append(
        [
            "A-1",
            datetime.datetime(2026, 4, 1, 10, 30),  # noqa: DTZ001 — an Excel cell has no zone
            "訪問",
            "C-1",
            "佐藤 花子",
            "定例",
            "順調",
        ]
    )
    sheet.append(["A-2", 46115, "Web会議", "サンプル", "sato", "", ""])  # serial of 2026-04-03
    sheet.append(["A-3", "2026年4月6日 14:00", "phone call", "C-1", "sato", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = run(
        admin,
        buffer.getvalue(),
        "activities",
        filename="activities.xlsx",
        values={"種別": {"phone call": "call"}},
    )

    assert report.encoding == "xlsx"
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    rows = [
        (
            a.external_id,
            timezone.localtime(a.starts_at).isoformat()[:16],
            a.type.slug,
            a.customer_id,
            a.owner.username,
            a.subject,
            a.notes,
            a.status,
        )
        for a in Activity.objects.order_by("external_id")
    ]
    assert rows == [
        ("A-1", "2026-04-01T10:30", "visit", customer.pk, "sato", "定例", "順調", "done"),
        ("A-2", "2026-04-03T00:00", "web_meeting", customer.pk, "sato", "", "", "done"),
        ("A-3", "2026-04-06T14:00", "call", customer.pk, "sato", "", "", "done"),
    ]
    customer.refresh_from_db()
    assert timezone.localtime(customer.last_contact_at).date() == datetime.date(2026, 4, 6)
    again = run(
        admin,
        buffer.getvalue(),
        "activities",
        filename="activities.xlsx",
        values={"種別": {"phone call": "call"}},
    )
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}


def test_interrupted_run_resumed_ends_like_one_run(admin, sato):
    data = csv_bytes(
        [["external_id", "name"]] + [[f"E{n}", f"Company {n}"] for n in range(1, 8)] + [["E1", "dup"]]
    )
    checkpoints: list[int] = []

    class Killed(Exception):
        pass

    def kill_after_two_batches(last_line: int, report: engine.Report) -> None:
        checkpoints.append(last_line)
        if len(checkpoints) == 2:
            raise Killed

    with pytest.raises(Killed):
        engine.run(
            actor=admin,
            stream=io.BytesIO(data),
            filename="f.csv",
            options=Options(kind="customers"),
            batch_size=3,
            on_batch=kill_after_two_batches,
        )
    # the second batch's transaction was rolled back with the kill: the checkpoint is the first batch
    assert checkpoints == [4, 7]
    assert Customer.objects.count() == 3
    first = engine.Report()
    engine.run(
        actor=admin,
        stream=io.BytesIO(data),
        filename="f.csv",
        options=Options(kind="customers"),
        batch_size=3,
        start_line=0,
        on_batch=lambda *a: None,
        report=first,
    )
    resumed = engine.Report(
        rows=first.rows[:3], counts={"created": 3, "updated": 0, "unchanged": 0, "failed": 0}
    )
    Customer.objects.exclude(external_id__in=["E1", "E2", "E3"]).delete()

    engine.run(
        actor=admin,
        stream=io.BytesIO(data),
        filename="f.csv",
        options=Options(kind="customers"),
        batch_size=3,
        start_line=4,
        report=resumed,
    )

    assert resumed.counts == {"created": 7, "updated": 0, "unchanged": 0, "failed": 1}
    assert resumed.rows[-1].message == "The external id “E1” is also on line 2 of this file."
    assert sorted(Customer.objects.values_list("external_id", flat=True)) == [f"E{n}" for n in range(1, 8)]


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-04-01", "", datetime.date(2026, 4, 1)),
        ("2026/4/1", "", datetime.date(2026, 4, 1)),
        ("2026年4月1日", "", datetime.date(2026, 4, 1)),
        ("２０２６／０４／０１", "", datetime.date(2026, 4, 1)),
        ("4/1/2026", "mdy", datetime.date(2026, 4, 1)),
        ("4/1/2026", "dmy", datetime.date(2026, 1, 4)),
        ("13/1/2026", "", datetime.date(2026, 1, 13)),
        ("1/13/2026", "", datetime.date(2026, 1, 13)),
        ("46113", "", datetime.date(2026, 4, 1)),
        (46113, "", datetime.date(2026, 4, 1)),
    ],
)
def test_dates(text, order, expected):
    assert parse_date(text, order=order) == expected


def test_bad_dates_and_amounts():
    with pytest.raises(ValueError_, match="is not a date"):
        parse_date("2026/13/01")
    with pytest.raises(ValueError_, match="could be day/month"):
        parse_date("4/1/2026")
    assert [
        parse_amount(v) for v in ("1,200,000", "¥1,200,000", "￥3,000円", "$1,500", 2500.0, "1,000.00")
    ] == [1_200_000, 1_200_000, 3000, 1500, 2500, 1000]
    with pytest.raises(ValueError_, match="is not an amount"):
        parse_amount("about 5")
