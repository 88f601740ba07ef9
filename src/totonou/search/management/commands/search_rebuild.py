"""``totonou search_rebuild``: fill the search index from every record (after bulk loads, or to repair)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from totonou.search.services import documents_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from all activities, customers, contacts and deals."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()

        def progress(kind: str, count: int) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(
                    f"  {kind:<10} {count:>9} documents  {time.perf_counter() - started:7.1f} s"
                )

        counts = documents_rebuild(progress=progress)
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Search index rebuilt: {total} documents in {time.perf_counter() - started:.1f} s."
            )
        )
