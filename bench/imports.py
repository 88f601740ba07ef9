"""``python -m bench.imports``: the import and export benchmark of issue 16.

Generates a customers CSV (Shift_JIS, as Excel saves it) and an activities CSV, imports them with
``totonou import`` in a child process each, then exports the activities through the export view's row
stream into a file, and prints wall time and peak memory (max RSS of the child) for each step. Run it
against a prepared database (``TOTONOU_VAR_DIR`` / ``DATABASE_URL`` as for the app; an administrator must
exist, e.g. after ``totonou seed``). Sizes: ``--customers N`` (100,000), ``--activities N`` (200,000);
the export reads every activity in the database (2,000,000 in the large benchmark data set).

Memory stays flat as the file grows: the importer reads rows one at a time and commits in batches; the
export streams rows from a server-side cursor. Compare the peak memory of two sizes to see it.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPORT_SCRIPT = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "totonou.config.settings")
django.setup()
from totonou.core.csv import csv_stream
from totonou.imports.exports import EXPORTS
from totonou.users.models import User
admin = User.objects.filter(role="admin").order_by("pk").first()
export = EXPORTS["activities"]
with open(sys.argv[1], "wb") as out:
    for chunk in csv_stream(export.header, export.rows(user=admin, filters=export.filter_schema())):
        out.write(chunk)
"""


def _write_customers(path: Path, count: int) -> None:
    with path.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["顧客コード", "会社名", "フリガナ", "電話番号"])
        for n in range(count):
            writer.writerow(
                [f"B-{n:07d}", f"株式会社ベンチ{n}", f"ベンチ{n}", f"03-{n % 10000:04d}-{n % 9999:04d}"]
            )


def _write_activities(path: Path, count: int, customers: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["活動ID", "日時", "種別", "顧客コード", "件名"])
        for n in range(count):
            day = 1 + n % 28
            writer.writerow(
                [f"BA-{n:08d}", f"2025/{1 + n % 12}/{day} 10:00", "visit", f"B-{n % customers:07d}", "定例"]
            )


def _measure(label: str, command: list[str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    tail = result.stdout.strip().splitlines()[-1:] or result.stderr.strip().splitlines()[-1:]
    print(
        f"{label}: {seconds:.1f} s, peak memory {max(peak, before) / 1024:.0f} MB, exit {result.returncode}"
    )
    print(f"  {tail[0] if tail else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        customers, activities = directory / "customers.csv", directory / "activities.csv"
        _write_customers(customers, args.customers)
        _write_activities(activities, args.activities, args.customers)
        totonou = [sys.executable, "-m", "totonou", "import"]
        _measure(f"import {args.customers:,} customers", [*totonou, "customers", str(customers)])
        _measure(f"import {args.activities:,} activities", [*totonou, "activities", str(activities)])
        exported = directory / "export.csv"
        _measure("export every activity", [sys.executable, "-c", EXPORT_SCRIPT, str(exported)])
        print(f"  {exported.stat().st_size / 2**20:.0f} MB written")


if __name__ == "__main__":
    main()
