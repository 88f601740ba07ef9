"""App configs of third-party apps, with the names a person reads in the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    """django_tasks_db's queue, named for people ("Background tasks", not its module name)."""

    verbose_name = _("Background tasks")  # type: ignore[assignment]  # a lazy str, read in the admin
