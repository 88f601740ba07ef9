"""The import pages with Django's test client: upload → mapping → value mapping → preview → dry run →
run → report; and the past imports list."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import SegmentFactory, UserFactory
from tests.imports.test_engine import csv_bytes
from totonou.customers.models import Customer
from totonou.imports.models import Import
from totonou.imports.services import import_run

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_whole_flow(django_capture_on_commit_callbacks):
    rep = UserFactory(username="sato", display_name="佐藤", role="manager", language="en")
    SegmentFactory(name="製造業")
    client = signed_in(rep)
    data = csv_bytes(
        [
            ["取引先コード", "取引先", "担当", "区分"],
            ["C1", "株式会社A", "佐藤", "製造業"],
            ["C2", "B商事", "たなか", "小売"],
        ],
        "cp932",
    )

    response = client.post("/imports/", {"kind": "customers", "file": SimpleUploadedFile("顧客.csv", data)})

    record = Import.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{record.pk}/"
    assert record.status == "draft"
    page = client.get(f"/imports/{record.pk}/").content.decode()
    assert '<option value="owner" selected>' in page  # 担当 guessed as the owner
    assert 'name="value:担当:たなか"' in page  # an owner that matches nothing
    assert 'name="value:区分:小売"' in page  # a segment that matches nothing
    assert "株式会社A" in page  # the preview

    form = {
        "map:取引先コード": "external_id",
        "map:取引先": "name",
        "map:担当": "owner",
        "map:区分": "segment",
        "value:担当:たなか": "sato",
        "create_missing": "1",
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/imports/{record.pk}/", {**form, "action": "dry_run"})
    assert len(callbacks) == 1
    record.refresh_from_db()
    assert (record.status, record.dry_run) == ("pending", True)
    import_run(record=record)
    record.refresh_from_db()
    assert (record.status, record.counts) == (
        "done",
        {"created": 2, "updated": 0, "unchanged": 0, "failed": 0},
    )
    assert Customer.objects.count() == 0  # a dry run writes nothing
    assert "Import for real" in client.get(f"/imports/{record.pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/imports/{record.pk}/", {"action": "run"})
    import_run(record=Import.objects.get(pk=record.pk))

    assert sorted(Customer.objects.values_list("external_id", "owner__username", "segment__name")) == [
        ("C1", "sato", "製造業"),
        ("C2", "sato", "小売"),
    ]
    progress = client.get(
        f"/imports/{record.pk}/", headers={"HX-Request": "true", "HX-Target": "import-progress"}
    )
    assert '<progress id="import-bar" max="100" value="100">' in progress.content.decode()
    report = client.get(f"/imports/{record.pk}/report.csv")
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows == [
        ["Line", "Result", "Record", "Reason"],
        ["2", "created", "C1", ""],
        ["3", "created", "C2", ""],
    ]
    listing = client.get("/imports/").content.decode()
    assert "顧客.csv" in listing
    assert "2 created, 0 updated, 0 unchanged, 0 failed" in listing


def test_others_cannot_see_or_run_an_import():
    rep = UserFactory(username="rep", language="en")
    other = UserFactory(username="other", language="en")
    signed_in(rep).post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("a.csv", b"name\r\nA\r\n")}
    )
    record = Import.objects.get()

    assert signed_in(other).get(f"/imports/{record.pk}/").status_code == 404
    assert signed_in(other).post(f"/imports/{record.pk}/", {"action": "run"}).status_code == 404
    assert signed_in(other).get(f"/imports/{record.pk}/report.csv").status_code == 404
    assert Import.objects.get().status == "draft"
    assert "a.csv" not in signed_in(other).get("/imports/").content.decode()


def test_upload_errors_are_shown():
    client = signed_in(UserFactory(username="rep", language="en"))
    response = client.post("/imports/", {"kind": "planets", "file": SimpleUploadedFile("a.csv", b"x")})
    assert response.status_code == 400
    assert "Choose what the file holds." in response.content.decode()
    page = client.post(
        "/imports/", {"kind": "customers", "file": SimpleUploadedFile("a.csv", b"phone\r\n1\r\n")}
    )
    record = Import.objects.get()
    assert page.status_code == 302
    assert (
        "Choose a column for each required field: Name"
        in client.get(f"/imports/{record.pk}/").content.decode()
    )
    client.post("/imports/", {"kind": "customers", "file": SimpleUploadedFile("b.csv", b"")})
    empty = Import.objects.get(filename="b.csv")
    assert "The file is empty." in client.get(f"/imports/{empty.pk}/").content.decode()
