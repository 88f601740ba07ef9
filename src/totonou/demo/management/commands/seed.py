"""``totonou seed``: demo data (deterministic, relative to today) or the large benchmark set."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from totonou.demo.deals import SeedDataMissing
from totonou.demo.seeding import SeedReport, has_data, seed
from totonou.demo.sizes import SIZES

ACTIVITY_KINDS = (
    ("done", "done as planned"),
    ("moved", "done after a move"),
    ("unplanned", "logged after the fact"),
    ("cancelled", "cancelled"),
    ("overdue", "overdue plans"),
    ("planned", "plans from today on"),
)


class Command(BaseCommand):
    help = (
        "Fill the database with realistic demo data (the same for the same --seed, dated around today), "
        "or with the large benchmark set. Refuses when data exists unless --flush or --if-empty."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="demo", help="default: demo")
        parser.add_argument(
            "--locale", choices=("ja", "en"), default=None, help="default: the LANGUAGE_CODE setting"
        )
        parser.add_argument("--seed", type=int, default=42, help="default: 42")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true", help="do nothing when the database has data")
        mode.add_argument("--flush", action="store_true", help="delete existing data first")

    def handle(self, *args: Any, **options: Any) -> None:
        language = options["locale"] or ("en" if settings.LANGUAGE_CODE.startswith("en") else "ja")
        if not options["flush"] and has_data():
            if options["if_empty"]:
                self.stdout.write("The database already has data: nothing seeded (--if-empty).")
                return
            raise CommandError("The database already has data. Use --flush to replace it, or --if-empty.")
        size = SIZES[options["size"]]
        self.stdout.write(f"Seeding {size.name} data ({language}, seed {options['seed']})…")
        progress = self.stdout.write if options["verbosity"] >= 1 else None
        try:
            report = seed(
                size=size, language=language, seed=options["seed"], flush=options["flush"], progress=progress
            )
        except SeedDataMissing as error:
            raise CommandError(f"{error}. Run `totonou migrate` first.") from error
        self._summary(report)

    def _summary(self, report: SeedReport) -> None:
        counts = report.counts
        write = self.stdout.write
        write(self.style.SUCCESS(f"Seeded in {report.total_seconds:.1f} s:"))
        write(
            f"  users {counts.get('users.User', 0)}, teams {counts.get('users.Team', 0)}, "
            f"segments {counts.get('customers.Segment', 0)}"
        )
        write(
            f"  customers {counts.get('customers.Customer', 0)} ({counts.get('key customers', 0)} key), "
            f"contacts {counts.get('customers.Contact', 0)}"
        )
        write(
            f"  deals {counts.get('deals.Deal', 0)}, stage changes {counts.get('deals.StageChange', 0)}, "
            f"strategies {counts.get('strategies', 0)}"
        )
        kinds = ", ".join(f"{report.activity_kinds.get(key, 0)} {label}" for key, label in ACTIVITY_KINDS)
        write(f"  activities {counts.get('activities.Activity', 0)}: {kinds}")
        comments, likes = counts.get("activities.Comment", 0), counts.get("activities.Reaction", 0)
        write(
            f"  comments {comments}, likes {likes}, feed events {counts.get('activities.ActivityEvent', 0)}"
        )
        write(f"Logins (password “{report.password}”):")
        by_role: dict[str, list[str]] = {}
        for username, role in report.logins:
            by_role.setdefault(role, []).append(username)
        for role, usernames in by_role.items():
            shown = usernames[0] if len(usernames) == 1 else f"{usernames[0]} … {usernames[-1]}"
            write(f"  {shown:<20} {role}")
