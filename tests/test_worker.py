"""``totonou worker`` runs queued tasks from the database queue."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks import TaskResultStatus, default_task_backend

from tests.tasks import create_segment
from totonou.customers.models import Segment


def test_worker_runs_a_queued_task_once(transactional_reference_data):
    # The worker commits and closes its connections, so this needs a real transactional database.
    result = create_segment.enqueue("物流")
    assert not Segment.objects.filter(name="物流").exists()

    call_command("worker", batch=True, startup_delay=False, verbosity=0)
    call_command("worker", batch=True, startup_delay=False, verbosity=0)

    result = default_task_backend.get_result(result.id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == Segment.objects.get(name="物流").pk
    assert Segment.objects.filter(name="物流").count() == 1
