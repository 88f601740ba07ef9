"""``POST /api/v1/imports`` and ``GET /api/v1/imports/{id}``, and the checkpointed run behind them."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import UserFactory, make_team
from tests.imports.test_engine import csv_bytes
from totonou.customers.models import Customer
from totonou.imports.models import Import
from totonou.imports.services import import_run
from totonou.users.models import User

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports"


def upload(client, data: bytes, name: str = "customers.csv", **fields):
    return client.post(URL, {"kind": "customers", "file": SimpleUploadedFile(name, data), **fields})


def test_post_starts_an_import_and_get_reads_its_report(api_client, django_capture_on_commit_callbacks):
    _team, _manager, (rep, _other) = make_team()
    User.objects.filter(pk=rep.pk).update(language="en")
    data = csv_bytes(
        [["external_id", "name", "owner"], ["E1", "Alpha", rep.username], ["E2", "Beta", "ghost"]]
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(api_client(rep), data, options=json.dumps({"create_missing": True}))

    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["status"], body["progress"], body["counts"]) == ("customers", "pending", 0, {})
    assert len(callbacks) == 1
    record = Import.objects.get(pk=body["id"])
    assert record.options == {"create_missing": True}

    import_run(record=record)  # what the worker's task does

    detail = api_client(rep).get(f"{URL}/{record.pk}").json()
    assert (detail["status"], detail["progress"], detail["total_rows"], detail["rows_done"]) == (
        "done",
        100,
        2,
        2,
    )
    assert detail["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "failed": 1}
    assert detail["errors"] == [
        {
            "line": 3,
            "status": "failed",
            "key": "",
            "message": "No user “ghost” (owners are matched by username, email or display name).",
        }
    ]
    assert list(Customer.objects.values_list("external_id", "owner_id")) == [("E1", rep.pk)]


def test_bad_uploads_are_422_and_nothing_is_kept(api_client, settings):
    rep = UserFactory(username="rep", language="en")
    client = api_client(rep)

    assert upload(client, b"").json() == {"detail": {"file": ["The file is empty."]}}
    missing = upload(client, b"phone\r\n03\r\n")
    assert missing.status_code == 422
    assert missing.json() == {
        "detail": {"file": ["A required column is missing: name. Name the column or map it."]}
    }
    assert upload(client, b"name\r\nA\r\n", kind="planets").json() == {
        "detail": {"kind": ["Choose one of: customers, contacts, deals, activities, users, targets."]}
    }
    assert upload(client, b"name\r\nA\r\n", options="{").status_code == 422
    settings.TOTONOU_IMPORT_MAX_BYTES = 5
    assert upload(client, b"name\r\nA\r\n").json() == {
        "detail": {"file": ["The file is 9\xa0bytes; the largest file that can be imported is 5\xa0bytes."]}
    }
    assert Import.objects.count() == 0


def test_an_import_is_seen_by_its_author_and_admins_only(api_client):
    _team, manager, (rep, other) = make_team()
    admin = UserFactory(username="boss", role=User.Role.ADMIN)
    response = upload(api_client(rep), b"name\r\nA\r\n")
    url = f"{URL}/{response.json()['id']}"

    assert api_client(rep).get(url).status_code == 200
    assert api_client(admin).get(url).status_code == 200
    assert api_client(other).get(url).status_code == 404
    assert api_client(manager).get(url).status_code == 404
    assert api_client(rep).get(f"{URL}/999999").status_code == 404


def test_unauthenticated_is_401(client):
    assert client.post(URL, {"kind": "customers"}).status_code == 401


def test_a_killed_run_resumes_from_its_checkpoint_to_the_same_result(api_client, monkeypatch):
    admin = UserFactory(username="boss", role=User.Role.ADMIN, language="en")
    rows = [["external_id", "name"]] + [[f"E{n}", f"Company {n}"] for n in range(1, 1101)] + [["E3", "again"]]
    data = csv_bytes(rows)
    response = upload(api_client(admin), data)
    record = Import.objects.get(pk=response.json()["id"])

    from totonou.imports import engine

    real_clean = engine.Importer.clean

    def dies_on_line_800(self, line, values, columns):
        if line == 800:
            raise KeyboardInterrupt  # the worker is killed
        return real_clean(self, line, values, columns)

    monkeypatch.setattr(engine.Importer, "clean", dies_on_line_800)
    with pytest.raises(KeyboardInterrupt):
        import_run(record=record)
    record.refresh_from_db()
    # the first batch (lines 2–501) is committed with its checkpoint and its report lines; the second
    # was rolled back
    assert (record.status, record.last_line, record.rows_done) == ("running", 501, 500)
    assert Customer.objects.count() == 500
    assert record.rows.count() == 500
    assert record.progress == 45

    monkeypatch.setattr(engine.Importer, "clean", real_clean)
    import_run(record=record)

    record.refresh_from_db()
    assert record.status == "done"
    assert record.counts == {"created": 1100, "updated": 0, "unchanged": 0, "failed": 1}
    assert list(record.report_rows(status="failed")) == [
        {
            "line": 1102,
            "status": "failed",
            "key": "",
            "message": "The external id “E3” is also on line 4 of this file.",
        }
    ]
    assert Customer.objects.count() == 1100
    assert record.rows.count() == 1101
    assert list(record.rows.order_by("line").values_list("line", flat=True)) == list(range(2, 1103))
