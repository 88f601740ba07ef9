"""Bad input refused with a clear message before anything runs: a cell over the csv module's field limit
(once a 500), an empty file and a file over the size limit, through the API, the pages and the command
line."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory
from totonou.customers.models import Customer
from totonou.imports.models import Import
from totonou.imports.services import import_create, import_run
from totonou.users.models import User

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports"
LONG_CELL = "x" * 131_073
LONG_MESSAGE = (
    "Line 3 has a cell longer than 131,072 characters (a quote left open?); "
    "correct the file and import it again."
)


def post(client, data: bytes, name: str = "customers.csv"):
    return client.post(URL, {"kind": "customers", "file": SimpleUploadedFile(name, data)})


@pytest.fixture
def rep():
    return UserFactory(username="rep", language="en")


def command(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", *args, stdout=io.StringIO(), stderr=err)
    return int(exit_.value.code or 0), err.getvalue()


def test_a_cell_over_the_field_limit_is_422_naming_the_line(api_client, rep):
    data = f"external_id,name,notes\r\nE1,Alpha,ok\r\nE2,Beta,{LONG_CELL}\r\nE3,Gamma,ok\r\n".encode()

    response = post(api_client(rep), data)

    assert response.status_code == 422
    assert response.json() == {"detail": {"file": [LONG_MESSAGE]}}
    assert Import.objects.count() == 0
    assert Customer.objects.count() == 0


def test_a_header_cell_over_the_field_limit_is_422(api_client, rep):
    response = post(api_client(rep), f"name,{LONG_CELL}\r\nAlpha,1\r\n".encode())

    assert response.status_code == 422
    assert response.json() == {"detail": {"file": [LONG_MESSAGE.replace("Line 3", "Line 1")]}}


def test_a_quote_left_open_is_refused_by_the_run_and_the_pages_not_a_crash(rep):
    data = ('name,notes\r\nAlpha,"opened\r\n' + "y" * 140_000 + "\r\nBeta,ok\r\n").encode()
    record = import_create(
        actor=rep, kind="customers", file=io.BytesIO(data), filename="c.csv", options={}, draft=True
    )
    client = Client()
    client.force_login(rep)

    page = client.get(f"/imports/{record.pk}/")

    assert page.status_code == 200
    message = LONG_MESSAGE  # the quote opens on line 2; the reader gives up on line 3
    assert message in page.content.decode()
    Import.objects.filter(pk=record.pk).update(status="pending")
    import_run(record=record)
    record.refresh_from_db()
    assert (record.status, record.error, record.counts) == ("failed", message, {})
    assert Customer.objects.count() == 0


def test_an_empty_file_is_refused_everywhere(api_client, rep, tmp_path):
    assert post(api_client(rep), b"").json() == {"detail": {"file": ["The file is empty."]}}
    blank = post(api_client(rep), b"\r\n\r\n")
    assert blank.status_code == 422
    assert blank.json() == {
        "detail": {"file": ["The file is empty: its first line should name the columns."]}
    }
    UserFactory(username="admin", role=User.Role.ADMIN, language="en")
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert command("customers", str(path)) == (2, "The file is empty.\n")
    assert Import.objects.count() == 0


def test_a_60_mb_file_is_refused_with_its_size_and_the_limit(api_client, rep, tmp_path):
    data = b"name,notes\r\n" + (b"Alpha," + b"x" * 1000 + b"\r\n") * (60 * 1024 * 1024 // 1008)
    data += b"y" * (60 * 1024 * 1024 - len(data))
    message = "The file is 60.0\xa0MB; the largest file that can be imported is 50.0\xa0MB."

    response = post(api_client(rep), data)

    assert response.status_code == 422
    assert response.json() == {"detail": {"file": [message]}}
    client = Client()
    client.force_login(rep)
    page = client.post("/imports/", {"kind": "customers", "file": SimpleUploadedFile("big.csv", data)})
    assert page.status_code == 400
    assert message in page.content.decode()
    UserFactory(username="admin", role=User.Role.ADMIN, language="en")
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    assert command("customers", str(path)) == (2, message + "\n")
    assert Import.objects.count() == 0
    assert Customer.objects.count() == 0
