"""``totonou import KIND FILE [--map COLUMN=FIELD]... [--value COLUMN:VALUE=TARGET]... [--create-missing]
[--default-owner USERNAME] [--date-order mdy|dmy] [--as USERNAME] [--dry-run]``

Imports customers, contacts, deals, activities, users (as an administrator) or targets (as a manager or
an administrator) from a CSV/TSV (UTF-8, UTF-8 with BOM, Shift_JIS) or
.xlsx file through the same engine as the pages and the API, and prints the report. Exit status: 0 when
no row failed, 1 when some rows failed, 2 when the file cannot be used.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from totonou.imports import engine
from totonou.imports.engine import KINDS, Options
from totonou.imports.reading import FileRefused
from totonou.imports.services import ensure_may_import
from totonou.users.models import User


def _pairs(values: list[str], separator: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, found, right = value.rpartition(separator)
        if not found or not left:
            raise FileRefused(
                _("“%(value)s” should read LEFT%(sep)sRIGHT.") % {"value": value, "sep": separator}
            )
        pairs.append((left, right))
    return pairs


class Command(BaseCommand):
    help = "Import customers, contacts, deals, activities, users or targets from a CSV, TSV or .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
        parser.add_argument("--value", action="append", default=[], metavar="COLUMN:VALUE=TARGET")
        parser.add_argument("--create-missing", action="store_true")
        parser.add_argument("--default-owner", default="", metavar="USERNAME")
        parser.add_argument("--date-order", choices=["mdy", "dmy"], default="")
        parser.add_argument("--as", dest="actor", default="", metavar="USERNAME", help="Default: an admin.")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = self._import(options)
        except (FileRefused, PermissionDenied) as error:
            self.stderr.write(str(error))
            code = 2
        sys.exit(code)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise FileRefused(_("There is no active user “%(username)s”.") % {"username": username})
        return user

    def _import(self, options: dict[str, Any]) -> int:
        if options["actor"]:
            actor = self._user(options["actor"])
        else:
            found = User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()
            if found is None:
                raise FileRefused(_("There is no administrator to import as; give --as USERNAME."))
            actor = found
        ensure_may_import(actor, options["kind"])
        values: dict[str, dict[str, str]] = {}
        for left, target in _pairs(options["value"], "="):
            column, found_colon, value = left.partition(":")
            if not found_colon:
                raise FileRefused(_("“%(value)s” should read COLUMN:VALUE=TARGET.") % {"value": left})
            values.setdefault(column, {})[value] = target
        settings = Options(
            kind=options["kind"],
            mapping=dict(_pairs(options["map"], "=")),
            values=values,
            create_missing=options["create_missing"],
            default_owner=self._user(options["default_owner"]) if options["default_owner"] else None,
            date_order=options["date_order"],
            dry_run=options["dry_run"],
        )
        path = Path(options["file"])
        if not path.is_file():
            raise FileRefused(_("There is no file “%(path)s”.") % {"path": path})

        def print_rows(_last_line: int, current: engine.Report) -> None:
            # Each batch's lines as it is done: the report is never held whole (memory stays flat).
            for row in current.drain():
                if row.status == engine.FAILED:
                    self.stdout.write(
                        _("line %(line)s: failed: %(message)s") % {"line": row.line, "message": row.message}
                    )
                else:
                    self.stdout.write(f"line {row.line}: {row.status}: {row.key}")

        with path.open("rb") as stream:
            report = engine.run(
                actor=actor,
                stream=stream,
                filename=path.name,
                options=settings,
                on_batch=print_rows,
                report=engine.Report(keep=False),
            )
        counts = report.counts
        self.stdout.write(
            _("%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(failed)s failed%(dry)s")
            % {**counts, "dry": _(" (dry run: nothing was written)") if settings.dry_run else ""}
        )
        return 1 if report.failed else 0
