"""Concurrent writers on the default SQLite configuration wait for each other instead of failing.

Runs in a separate process against a real database file (the test database is in memory), with
threads writing through the services at the same time: creating, editing and completing activities.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import datetime, json, threading
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from totonou.activities.models import Activity, ActivityType
    from totonou.activities.services import activity_complete, activity_create, activity_update
    from totonou.customers.services import customer_create
    from totonou.users.services import user_create

    THREADS, PER_THREAD = 8, 25
    reps = [user_create(actor=None, username=f"rep{i}", password=None) for i in range(THREADS)]
    customers = [customer_create(actor=rep, name=f"顧客{i}") for i, rep in enumerate(reps)]
    visit = ActivityType.objects.get(slug="visit")
    errors = []
    barrier = threading.Barrier(THREADS)

    def work(index):
        rep, customer = reps[index], customers[index]
        try:
            barrier.wait()
            for n in range(PER_THREAD):
                start = timezone.now() + datetime.timedelta(hours=n)
                activity = activity_create(
                    actor=rep, type=visit, customer=customer, starts_at=start,
                    ends_at=start + datetime.timedelta(hours=1), subject=f"{index}-{n}",
                )
                activity = activity_update(actor=rep, activity=activity, notes="edited")
                activity_complete(actor=rep, activity=activity)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({
        "errors": errors,
        "done": Activity.objects.filter(status="done", notes="edited").count(),
        "versions": sorted(set(Activity.objects.values_list("version", flat=True))),
        "journal": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0],
    }))
    """
)


def test_threads_writing_at_once_do_not_see_database_is_locked(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "totonou.config.settings", "TOTONOU_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"errors": [], "done": 200, "versions": [3], "journal": "wal"}
