"""Exports of the lists: CSV with a BOM and .xlsx, the list's filters, what the user may see, formula-like
cells neutralised, and a downloaded export imported again gives the same records."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.factories import CustomerFactory, SegmentFactory, UserFactory, make_team
from tests.imports.test_engine import csv_bytes, run
from totonou.activities.models import Activity
from totonou.core.csv import neutralise_cell
from totonou.customers.models import Customer
from totonou.deals.models import Deal
from totonou.users.models import User

pytestmark = pytest.mark.django_db


def download(user: User, path: str) -> bytes:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_neutralise_cell():
    assert [neutralise_cell(v) for v in ("=1+1", "+81", "-x", "@SUM", "\tA", "\rA", "ok", 5, None)] == [
        "'=1+1",
        "'+81",
        "'-x",
        "'@SUM",
        "'\tA",
        "'\rA",
        "ok",
        5,
        None,
    ]


def test_customer_export_is_filtered_and_neutralised_and_needs_sign_in(client):
    _team, manager, (rep, other) = make_team()
    segment = SegmentFactory(name="製造業")
    CustomerFactory(name="=cmd|'/c calc'!A1", name_kana="ア", owner=rep, segment=segment, external_id="C1")
    CustomerFactory(name="株式会社B", name_kana="イ", owner=rep, segment=SegmentFactory(name="卸売"))
    CustomerFactory(name="他人の会社", name_kana="ウ", owner=other, segment=segment)

    rows = rows_of(download(rep, f"/exports/customers.csv?owner={rep.pk}"))

    assert rows[0][:6] == ["external_id", "name", "name_kana", "segment", "owner", "is_key"]
    assert [row[:5] for row in rows[1:]] == [
        ["C1", "'=cmd|'/c calc'!A1", "ア", "製造業", rep.username],
        ["", "株式会社B", "イ", "卸売", rep.username],
    ]
    filtered = rows_of(download(other, f"/exports/customers.csv?segment={segment.pk}"))
    assert [row[1] for row in filtered[1:]] == ["'=cmd|'/c calc'!A1", "他人の会社"]
    # everyone signed in reads every customer (the app's rule): the export shows the same
    assert len(rows_of(download(manager, "/exports/customers.csv"))) == 4
    response = client.get("/exports/customers.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_xlsx_export_opens_and_404_for_unknown(client):
    rep = UserFactory(username="rep")
    CustomerFactory(name="@risky", owner=rep)
    workbook = load_workbook(io.BytesIO(download(rep, "/exports/customers.xlsx")), read_only=True)
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    assert rows[1][1] == "'@risky"
    client.force_login(rep)
    assert client.get("/exports/planets.csv").status_code == 404
    assert client.get("/exports/customers.pdf").status_code == 404


def test_exports_import_again_to_the_same_records():
    admin = UserFactory(username="boss", role=User.Role.ADMIN)
    UserFactory(username="sato")
    SegmentFactory(name="製造業")
    run(
        admin,
        csv_bytes(
            [
                ["external_id", "name", "owner", "segment", "is_key"],
                ["C1", "株式会社A", "sato", "製造業", "1"],
            ]
        ),
        "customers",
    )
    run(
        admin,
        csv_bytes(
            [
                ["external_id", "title", "customer", "owner", "amount", "stage", "opened_on", "closed_on"],
                ["D1", "更新", "C1", "sato", "1200000", "won", "2026-01-05", "2026-02-10"],
                ["D2", "新規", "C1", "sato", "300000", "proposal", "2026-02-01", ""],
            ]
        ),
        "deals",
    )
    run(
        admin,
        csv_bytes(
            [
                ["external_id", "starts_at", "type", "customer", "deal", "owner", "subject"],
                ["A1", "2026/02/03 10:00", "visit", "C1", "D1", "sato", "-初回訪問"],
            ]
        ),
        "activities",
    )
    before = {
        "customers": list(
            Customer.objects.values_list("external_id", "name", "owner_id", "segment_id", "is_key")
        ),
        "deals": list(
            Deal.objects.order_by("external_id").values_list(
                "external_id", "title", "amount", "stage_id", "closed_at", "created_at"
            )
        ),
        "activities": list(Activity.objects.values_list("external_id", "starts_at", "deal_id", "subject")),
    }

    for kind in ("customers", "deals", "activities"):
        exported = download(admin, f"/exports/{kind}.csv")
        report = run(admin, exported, kind)
        assert report.counts == {"created": 0, "updated": 0, "unchanged": len(before[kind]), "failed": 0}, (
            kind
        )
        xlsx = download(admin, f"/exports/{kind}.xlsx")
        assert run(admin, xlsx, kind, filename=f"{kind}.xlsx").counts["unchanged"] == len(before[kind])

    # into an empty database: the same records again
    exported = {
        kind: download(admin, f"/exports/{kind}.csv") for kind in ("customers", "deals", "activities")
    }
    Activity.objects.all().delete()
    Deal.objects.all().delete()
    Customer.objects.all().delete()
    for kind in ("customers", "deals", "activities"):
        assert run(admin, exported[kind], kind).counts["created"] == len(before[kind])
    after = {
        "customers": list(
            Customer.objects.values_list("external_id", "name", "owner_id", "segment_id", "is_key")
        ),
        "deals": list(
            Deal.objects.order_by("external_id").values_list(
                "external_id", "title", "amount", "stage_id", "closed_at", "created_at"
            )
        ),
        "activities": list(Activity.objects.values_list("external_id", "starts_at", "deal_id", "subject")),
    }
    assert [row[1:] for row in after["customers"]] == [row[1:] for row in before["customers"]]
    assert [row[:4] + row[4:] for row in after["deals"]] == before["deals"]
    assert [(row[0], row[1], row[3]) for row in after["activities"]] == [
        (row[0], row[1], row[3]) for row in before["activities"]
    ]
