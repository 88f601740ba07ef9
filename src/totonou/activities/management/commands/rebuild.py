"""``totonou rebuild``: recompute every derived field and index after a bulk load or a restore."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from totonou.activities.rebuild import derived_data_rebuild


class Command(BaseCommand):
    help = (
        "Recompute derived data after a bulk load or a restore: planner statistics, customers' last "
        "contacts, deals' last activities, the key-customer flag on activities, the deal owner on stage "
        "changes, the daily activity counts, customers' latest planned "
        "contacts, the search index."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()

        def progress(step: str, count: int) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {step:<14} {count:>9}  {time.perf_counter() - started:7.1f} s")

        counts = derived_data_rebuild(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt: {counts['last_contacts']} customers' last contacts, "
                f"{counts['deals_last_activity']} deals' last activities, "
                f"{counts['key_flags_changed']} key flags corrected, "
                f"{counts['stage_change_owners_changed']} stage changes' deal owners corrected, "
                f"{counts['activity_day_counts']} daily activity counts, "
                f"{counts['customers_with_plans']} customers with a planned contact, "
                f"{counts['search_documents']} search documents, in {time.perf_counter() - started:.1f} s."
            )
        )
