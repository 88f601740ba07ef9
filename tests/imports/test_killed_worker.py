"""A worker killed (SIGKILL, a real process) in the middle of an import, then run again, ends with the
same records, derived data, feed, search documents, audit trail and report as one uninterrupted run.

Two copies of one prepared database (SQLite: the variable directory; PostgreSQL: a database and its
``TEMPLATE`` copy): on the first the import is killed after some committed batches and run again; on
the second it runs once. Each step is its own ``python -c`` process, like the worker."""

from __future__ import annotations

import csv
import datetime
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ACTIVITIES = 3_000
CUSTOMERS = 600

SETUP = textwrap.dedent(
    """
    import io, sys, django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from totonou.imports import engine
    from totonou.imports.services import import_create
    from totonou.users.models import User
    admin = User.objects.create(username="admin", role="admin", display_name="Admin")
    User.objects.create(username="sato", role="rep", display_name="Sato")
    with open(sys.argv[1], "rb") as stream:
        report = engine.run(actor=admin, stream=stream, filename="customers.csv",
                            options=engine.Options(kind="customers"))
    assert report.counts["created"] == int(sys.argv[3]), report.counts
    with open(sys.argv[2], "rb") as stream:
        record = import_create(actor=admin, kind="activities", file=stream, filename="activities.csv",
                               options={})
    print(record.pk)
    """
)

RUN = textwrap.dedent(
    """
    import sys, django
    django.setup()
    from totonou.imports.models import Import
    from totonou.imports.services import import_run
    record = import_run(record=Import.objects.get(pk=int(sys.argv[1])))
    print(record.status)
    """
)

DUMP = textwrap.dedent(
    """
    import json, sys, django
    django.setup()
    from totonou.activities.models import Activity, ActivityEvent
    from totonou.core.models import AuditEntry
    from totonou.customers.models import Customer
    from totonou.imports.models import Import
    from totonou.notifications.models import Event
    from totonou.search.models import Document
    record = Import.objects.get(pk=int(sys.argv[1]))
    print(json.dumps({
        "import": [record.status, record.counts, record.rows_done, record.total_rows],
        "report": list(record.report_rows()),
        "activities": [
            [a.external_id, a.customer.external_id, a.owner.username, a.status, a.subject,
             a.starts_at.isoformat(), a.ends_at.isoformat(), a.is_key_customer, a.version]
            for a in Activity.objects.select_related("customer", "owner").order_by("external_id")
        ],
        "customers": [
            [c.external_id, c.last_contact_at and c.last_contact_at.isoformat(),
             c.last_contact_by and c.last_contact_by.username]
            for c in Customer.objects.select_related("last_contact_by").order_by("external_id")
        ],
        "feed": ActivityEvent.objects.count(),
        "audit": sorted(
            (e.object_repr, e.action, json.dumps(e.changes, sort_keys=True))
            for e in AuditEntry.objects.filter(content_type__model="activity")
        ),
        "documents": Document.objects.filter(kind="activity").count(),
        "chat_events": Event.objects.count(),
    }))
    """
)


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def _files(folder: Path) -> tuple[Path, Path]:
    customers, activities = folder / "customers.csv", folder / "activities.csv"
    _write(
        customers,
        [["external_id", "name", "is_key"]]
        + [[f"C-{n:05d}", f"株式会社テスト{n}", "1" if n % 7 == 0 else ""] for n in range(CUSTOMERS)],
    )
    start = datetime.datetime(2025, 1, 1, 9, 0, tzinfo=datetime.UTC)
    rows = [["external_id", "type", "customer", "owner", "starts_at", "status", "subject"]]
    for n in range(ACTIVITIES):
        when = (start + datetime.timedelta(hours=n)).strftime("%Y-%m-%d %H:%M")
        rows.append([f"A-{n:06d}", "visit", f"C-{n % CUSTOMERS:05d}", "sato", when, "done", f"訪問 {n}"])
        if n % 997 == 5:
            rows.append([f"A-{n:06d}", "visit", "C-00001", "sato", when, "done", "again"])  # duplicate
        if n % 1499 == 7:
            rows.append([f"B-{n:06d}", "visit", "C-99999", "sato", when, "done", "no customer"])
    _write(activities, rows)
    return customers, activities


class Site:
    """One database and variable directory the child processes work on."""

    def __init__(self, var_dir: Path, url: str | None) -> None:
        self.var_dir, self.url = var_dir, url

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(
            TOTONOU_VAR_DIR=str(self.var_dir),
            TOTONOU_ENV="local",
            DJANGO_SETTINGS_MODULE="totonou.config.settings",
        )
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def python(self, script: str, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            [sys.executable, "-c", script, *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check:
            assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    def start(self, script: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", script, *args],
            env=self.env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def checkpoint(self, import_id: int) -> int:
        sql = "SELECT last_line FROM imports_import WHERE id = %s"
        if self.url:
            import psycopg

            with psycopg.connect(_libpq(self.url), autocommit=True) as connection:
                row = connection.execute(sql, [import_id]).fetchone()
        else:
            with sqlite3.connect(self.var_dir / "totonou.sqlite3", timeout=30) as connection:
                row = connection.execute(sql.replace("%s", "?"), [import_id]).fetchone()
        return int(row[0]) if row else 0


def _libpq(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _sites(tmp_path: Path) -> tuple[Site, Site, Any]:
    """Two empty sites; the third value drops what was created."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return Site(tmp_path / "a", None), Site(tmp_path / "b", None), lambda: None
    import psycopg

    parsed = urlparse(url)
    base = (parsed.path.lstrip("/") or "totonou") + "_killed"
    names = [f"{base}_a", f"{base}_b"]
    server = _libpq(urlunparse(parsed._replace(path="/postgres")))

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{names[0]}"')
    first = Site(tmp_path / "a", urlunparse(parsed._replace(path=f"/{names[0]}")))
    second = Site(tmp_path / "b", urlunparse(parsed._replace(path=f"/{names[1]}")))
    return first, second, drop


def _copy(first: Site, second: Site) -> None:
    shutil.copytree(first.var_dir, second.var_dir)
    if first.url and second.url:
        import psycopg

        server = _libpq(urlunparse(urlparse(first.url)._replace(path="/postgres")))
        with psycopg.connect(server, autocommit=True) as connection:
            source, target = urlparse(first.url).path.lstrip("/"), urlparse(second.url).path.lstrip("/")
            connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')


def test_a_killed_worker_run_again_ends_like_one_uninterrupted_run(tmp_path):
    killed, whole, drop = _sites(tmp_path)
    try:
        customers, activities = _files(tmp_path)
        killed.var_dir.mkdir()
        import_id = int(killed.python(SETUP, str(customers), str(activities), str(CUSTOMERS)))
        _copy(killed, whole)

        worker = killed.start(RUN, str(import_id))
        deadline = time.monotonic() + 300
        while killed.checkpoint(import_id) < 2 * 500 + 1 and worker.poll() is None:
            assert time.monotonic() < deadline, "the import made no progress"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        assert worker.returncode == -signal.SIGKILL, "the import ended before it could be killed"
        stopped_at = killed.checkpoint(import_id)
        assert 1001 <= stopped_at < ACTIVITIES
        interrupted = json.loads(killed.python(DUMP, str(import_id)))
        assert interrupted["import"][0] == "running"
        committed = len(interrupted["activities"])
        # whole batches only: what survived the kill is exactly what the committed checkpoint reports
        assert committed == sum(1 for row in interrupted["report"] if row["status"] == "created")
        assert max(row["line"] for row in interrupted["report"]) == stopped_at
        assert (stopped_at - 1) % 500 == 0
        assert interrupted["import"][2] == len(interrupted["report"]) == stopped_at - 1

        assert killed.python(RUN, str(import_id)) == "done"
        assert whole.python(RUN, str(import_id)) == "done"

        after_kill = json.loads(killed.python(DUMP, str(import_id)))
        uninterrupted = json.loads(whole.python(DUMP, str(import_id)))
    finally:
        drop()
    failed = sum(1 for n in range(ACTIVITIES) if n % 997 == 5) + sum(
        1 for n in range(ACTIVITIES) if n % 1499 == 7
    )
    assert uninterrupted["import"][:2] == [
        "done",
        {"created": ACTIVITIES, "updated": 0, "unchanged": 0, "failed": failed},
    ]
    assert len(uninterrupted["activities"]) == ACTIVITIES
    assert uninterrupted["feed"] == uninterrupted["documents"] == len(uninterrupted["audit"]) == ACTIVITIES
    assert uninterrupted["chat_events"] == 0
    assert [row["line"] for row in uninterrupted["report"]] == list(range(2, ACTIVITIES + failed + 2))
    for name in ("import", "report", "activities", "customers", "feed", "audit", "documents", "chat_events"):
        assert after_kill[name] == uninterrupted[name], name
