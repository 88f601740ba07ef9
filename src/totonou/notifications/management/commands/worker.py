"""``totonou worker``: the background worker (django-tasks' database backend), on every queue by default,
with the notifications pump beside it: chat and webhook deliveries, emails, the scheduled digests and
reminders.

The pump runs in a thread of the same process (its own database connection), so one ``totonou worker``
does all background work and ``make run`` needs nothing else. Any number of workers may run: deliveries
are claimed with a lease and scheduled events are made once per day by a unique row. ``--batch``
delivers what is due once, then runs the queued tasks and exits.
"""

from __future__ import annotations

import logging
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

logger = logging.getLogger("totonou.notifications")

SCHEDULE_EVERY_SECONDS = 20.0


def pump_once(worker_id: str, *, schedule: bool) -> int:
    """One round: make the scheduled events and personal work that are due (when ``schedule``), then one
    batch of chat deliveries and one of emails."""
    from totonou.notifications.delivery import deliveries_pump
    from totonou.notifications.mail import emails_pump
    from totonou.notifications.personal import personal_jobs_run
    from totonou.notifications.scheduler import scheduled_events_create

    if schedule:
        scheduled_events_create()
        personal_jobs_run()
    return deliveries_pump(worker_id=worker_id) + emails_pump(worker_id=worker_id)


class NotificationsPump(threading.Thread):
    def __init__(self, worker_id: str) -> None:
        super().__init__(name="totonou-notifications", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        poll = float(settings.TOTONOU_DELIVERY_POLL_SECONDS)
        last_schedule = 0.0
        while not self.stopping.is_set():
            sent = 0
            close_old_connections()
            try:
                schedule = time.monotonic() - last_schedule >= SCHEDULE_EVERY_SECONDS
                if schedule:
                    last_schedule = time.monotonic()
                sent = pump_once(self.worker_id, schedule=schedule)
            except Exception:
                logger.exception("The notifications pump failed; trying again")
            finally:
                close_old_connections()
            if not sent:
                self.stopping.wait(poll)
        connections.close_all()


class Command(DatabaseWorkerCommand):
    help = "Run the Totonou background worker (deliveries, digests, scheduled work)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--no-notifications",
            action="store_false",
            dest="notifications",
            help="Do not send chat deliveries and emails from this worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options.get("worker_id") or get_random_string(32)
        options["worker_id"] = worker_id
        if options.pop("notifications", True):
            if options.get("batch"):
                while pump_once(worker_id, schedule=True):
                    pass
            else:
                NotificationsPump(worker_id).start()
        super().handle(*args, **options)
