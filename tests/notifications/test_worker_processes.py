"""The real ``totonou worker`` as subprocesses, against a database of their own (a SQLite file, or a
PostgreSQL database next to the test database): killed mid-batch and restarted, two workers at once,
and the daily digest with two workers and a restart. Receivers are local HTTP servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.notifications.receivers import Receiver

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

PRELUDE = textwrap.dedent(
    """
    import json, datetime
    import django
    django.setup()
    from django.utils import timezone
    from totonou.notifications.models import Channel, Delivery, DeliveryAttempt, Event, ScheduledRun
    """
)

RESET = textwrap.dedent(
    """
    from totonou.activities.models import Activity
    from totonou.activities.services import activity_create
    from totonou.customers.services import customer_create
    from totonou.activities.models import ActivityType
    from totonou.integrations.services import channel_create
    from totonou.users.models import User
    ScheduledRun.objects.all().delete(); Delivery.objects.all().delete(); Event.objects.all().delete()
    Channel.objects.all().delete()
    manager, _ = User.objects.get_or_create(username="mgr", defaults={"role": "manager"})
    rep, _ = User.objects.get_or_create(username="rep", defaults={"display_name": "Rep"})
    """
)


def _postgres_database(url: str) -> tuple[str, str]:
    """A database for the workers beside the test database: (its URL, the admin URL to create it)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_workers"
    return urlunsplit(parts._replace(path=f"/{name}")), urlunsplit(parts._replace(path="/postgres"))


@pytest.fixture(scope="module")
def worker_env(tmp_path_factory):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="totonou.config.settings",
        TOTONOU_VAR_DIR=str(tmp_path_factory.mktemp("worker-var")),
        TOTONOU_WEBHOOK_ALLOW_PRIVATE="1",
        TOTONOU_DELIVERY_BACKOFF_SECONDS="0.05",
        TOTONOU_DELIVERY_LEASE_SECONDS="3",
        TOTONOU_DELIVERY_POLL_SECONDS="0.1",
        TOTONOU_WEBHOOK_TIMEOUT="5",
        TOTONOU_LOG_LEVEL="WARNING",
    )
    database_url = os.environ.get("DATABASE_URL", "")
    admin_url = name = None
    if database_url.startswith("postgres"):
        import psycopg

        env["DATABASE_URL"], admin_url = _postgres_database(database_url)
        name = urlsplit(env["DATABASE_URL"]).path.lstrip("/")
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    else:
        env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "totonou"), "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    yield env
    if admin_url is not None:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def script(env: dict[str, str], code: str) -> dict:
    """Run ``code`` in a Django process on the workers' database; it sets ``result`` (JSON)."""
    source = PRELUDE + textwrap.dedent(code) + "\nprint(json.dumps(result))\n"
    completed = subprocess.run(
        [sys.executable, "-c", source], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def setup_channel(env: dict[str, str], url: str, *, plans: int, events: str = '["activity.planned"]') -> dict:
    return script(
        env,
        RESET
        + f"""
channel = channel_create(actor=manager, name="slack", kind="webhook", url="{url}",
                         secret="whsec_c2VjcmV0", events={events})
customer = customer_create(actor=rep, name="株式会社サンプル")
visit = ActivityType.objects.get(slug="visit")
for index in range({plans}):
    start = timezone.now() + datetime.timedelta(days=1, hours=index)
    activity_create(actor=rep, type=visit, customer=customer, starts_at=start,
                    ends_at=start + datetime.timedelta(hours=1), subject=f"plan {{index}}")
keys = sorted(Delivery.objects.values_list("dedupe_key", flat=True))
result = {{"channel": channel.pk, "deliveries": keys}}
""",
    )


STATE = """
rows = list(Delivery.objects.order_by("pk").values("dedupe_key", "status", "attempt_count", "claimed_by"))
attempts = list(
    DeliveryAttempt.objects.order_by("pk").values_list("delivery__dedupe_key", "status_code", "worker")
)
result = {"deliveries": rows, "attempts": attempts, "runs": ScheduledRun.objects.count()}
"""


def start_worker(env: dict[str, str], worker_id: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "totonou"), "worker", "--no-startup-delay", "--interval", "0.2", "--worker-id", worker_id],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(predicate, timeout: float = 30.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def test_worker_killed_mid_batch_delivers_after_restart(worker_env, tmp_path):
    receiver = Receiver(delay=0.5).start()
    try:
        created = setup_channel(worker_env, receiver.url, plans=5)
        first = start_worker(worker_env, "worker-a", tmp_path / "a.log")
        try:
            wait_until(lambda: len(receiver.requests) >= 1)
        finally:
            first.kill()  # SIGKILL mid-batch: no clean-up, its claims stay behind
            first.wait()
        state = script(worker_env, STATE)
        assert any(
            row["claimed_by"] == "worker-a" and row["status"] == "pending" for row in state["deliveries"]
        )

        second = start_worker(worker_env, "worker-b", tmp_path / "b.log")
        try:
            state = wait_until(
                lambda: (
                    (s := script(worker_env, STATE))
                    and all(row["status"] == "succeeded" for row in s["deliveries"])
                    and s
                ),
                timeout=40,
                step=0.5,
            )
        finally:
            stop(second)
    finally:
        receiver.stop()
    assert sorted(row["dedupe_key"] for row in state["deliveries"]) == created["deliveries"]
    assert {request.headers["webhook-id"] for request in receiver.requests} == set(created["deliveries"])
    # At most the one request in flight when the worker died is repeated (same webhook-id).
    assert 5 <= len(receiver.requests) <= 6
    assert sorted(key for key, _code, _worker in state["attempts"]) == created["deliveries"]
    assert {code for _key, code, _worker in state["attempts"]} == {200}


def test_two_workers_never_send_twice(worker_env, tmp_path):
    receiver = Receiver(delay=0.02).start()
    try:
        created = setup_channel(worker_env, receiver.url, plans=30)
        workers = [start_worker(worker_env, f"worker-{n}", tmp_path / f"{n}.log") for n in (1, 2)]
        try:
            state = wait_until(
                lambda: (
                    (s := script(worker_env, STATE))
                    and all(row["status"] == "succeeded" for row in s["deliveries"])
                    and s
                ),
                timeout=40,
                step=0.5,
            )
            time.sleep(0.5)  # nothing more arrives
        finally:
            for worker in workers:
                stop(worker)
    finally:
        receiver.stop()
    ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert sorted(ids) == created["deliveries"]  # each exactly once
    assert len(state["attempts"]) == 30


def test_a_digest_scheduled_by_two_workers_and_a_restart_is_sent_once(worker_env, tmp_path):
    receiver = Receiver().start()
    try:
        created = setup_channel(worker_env, receiver.url, plans=2, events='["digest.daily"]')
        script(
            worker_env,
            f"""
import zoneinfo
local = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")) - datetime.timedelta(minutes=1)
Channel.objects.filter(pk={created["channel"]}).update(digest_time=local.time().replace(microsecond=0))
result = {{}}
""",
        )
        workers = [start_worker(worker_env, f"digest-{n}", tmp_path / f"d{n}.log") for n in (1, 2)]
        try:
            wait_until(lambda: len(receiver.requests) >= 1)
            time.sleep(1.5)
        finally:
            for worker in workers:
                stop(worker)
        # A restart (a batch run schedules and delivers once) makes no second digest.
        subprocess.run(
            [str(BIN / "totonou"), "worker", "--batch", "--no-startup-delay", "-v", "0"],
            env=worker_env,
            cwd=ROOT,
            check=True,
        )
        state = script(worker_env, STATE)
    finally:
        receiver.stop()
    assert len(receiver.requests) == 1
    document = receiver.requests[0].json()
    assert document["type"] == "digest.daily"
    assert document["data"]["today_planned"] == 0  # the two plans are tomorrow
    assert state["runs"] == 1
    assert [row["status"] for row in state["deliveries"]] == ["succeeded"]
