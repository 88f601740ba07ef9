"""Two admins demote each other at the same moment: one wins, the other is refused, and an active
admin remains (the admins are locked in one order, so neither deadlocks).

On PostgreSQL the threads use the test database. SQLite's in-memory test database cannot take two
writers at once (it answers "table is locked" instead of waiting), so there the same race runs in a
separate process on a real database file, the configuration Totonou runs with.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.db import connection

RACE = textwrap.dedent(
    """
    import threading
    from django.db import connections
    from totonou.core.exceptions import ValidationError
    from totonou.users.models import User
    from totonou.users.services import user_create, user_update

    def race():
        first = user_create(actor=None, username="admin1", role="admin")
        second = user_create(actor=None, username="admin2", role="admin")
        barrier = threading.Barrier(2)
        outcomes = []

        def demote(actor_pk, target_pk):
            try:
                actor, target = User.objects.get(pk=actor_pk), User.objects.get(pk=target_pk)
                barrier.wait()
                user_update(actor=actor, user=target, role="rep")
                outcomes.append("done")
            except ValidationError:
                outcomes.append("refused")
            except Exception as error:  # a deadlock or a locked database fails the test
                outcomes.append(f"{type(error).__name__}: {error}")
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=demote, args=(first.pk, second.pk)),
            threading.Thread(target=demote, args=(second.pk, first.pk)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(outcomes), User.objects.filter(role="admin", is_active=True).count()
    """
)


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_leave_one_admin(tmp_path):
    if connection.vendor == "postgresql":
        namespace: dict[str, object] = {}
        exec(RACE, namespace)  # noqa: S102 - the test's own code, shared with the SQLite process
        outcomes, admins = namespace["race"]()  # type: ignore[operator]
    else:
        script = (
            "import django, json\ndjango.setup()\n"
            "from django.core.management import call_command\n"
            "call_command('migrate', verbosity=0)\n" + RACE + "\nprint(json.dumps(race()))\n"
        )
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update({"DJANGO_SETTINGS_MODULE": "totonou.config.settings", "TOTONOU_VAR_DIR": str(tmp_path)})
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, check=False
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outcomes, admins = json.loads(result.stdout.strip().splitlines()[-1])
    assert (outcomes, admins) == (["done", "refused"], 1)
