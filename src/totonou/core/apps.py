import gc

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "totonou.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The garbage collector's first generation: collected after this many new container objects
        # instead of Python's 700 (ADR 0040). A page that reads thousands of rows ran dozens of
        # collections and, every few requests, a full one (the pipeline analytics: ~13 ms a request).
        threshold = settings.TOTONOU_GC_THRESHOLD
        if threshold > 0:
            gc.set_threshold(threshold, *gc.get_threshold()[1:])
        # PostgreSQL's timestamps parsed in C, as SQLite's are (``core.postgres``).
        from django.db.backends.signals import connection_created

        from totonou.core.postgres import register_iso_timestamps

        connection_created.connect(register_iso_timestamps, dispatch_uid="totonou-iso-timestamps")
