"""``python -m bench.imports``: the import and export benchmark (issue 16), and the check that memory
stays flat as the file grows.

On a fresh database of its own (SQLite in a temporary directory, or a PostgreSQL database
``<name>_imports`` on ``--postgres URL``) it generates a customers CSV (Shift_JIS, as Excel saves it) and
an activities CSV (UTF-8 with a BOM), each at two sizes, and imports them with ``totonou import`` in a
child process each; then it exports every activity through the export's row stream (what the
download streams) at two sizes: after the imports, and after the activities are copied up to
``--export`` rows (SQL, outside the services: the export reads whatever is there). For each step it
reports wall time, rows per second and the peak memory of the child process (``ru_maxrss`` from
``wait4``), and checks that the larger file's peak exceeds the smaller one's by less than
``--max-growth-mb``. Results go to ``bench/results/[<size>-]imports-<database>.json``; the exit status
is 1 when a step fails or memory grows more than allowed.

Sizes: ``--size full`` (100,000 customers, 200,000 activities, export 2,000,000; the small files are a
fifth) or ``--size tiny`` (the harness check that ``tests/bench`` runs). It is heavy at the full size:
run it on a quiet machine (``nice -n 10``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SIZES = {
    "full": {"customers": 100_000, "activities": 200_000, "export": 2_000_000, "max_growth_mb": 20.0},
    "tiny": {"customers": 300, "activities": 600, "export": 3_000, "max_growth_mb": 20.0},
}

SETUP_SCRIPT = """
import django
django.setup()
from totonou.users.models import User
User.objects.create(username="bench-admin", role="admin", display_name="Bench admin")
"""

EXPORT_SCRIPT = """
import sys, django
django.setup()
from totonou.core.csv import csv_stream
from totonou.imports.exports import EXPORTS
from totonou.users.models import User
admin = User.objects.get(username="bench-admin")
export = EXPORTS["activities"]
lines = -1
with open(sys.argv[1], "wb") as out:
    for chunk in csv_stream(export.header, export.rows(user=admin, filters=export.filter_schema())):
        out.write(chunk)
        lines += 1
print(lines)
"""

# Copies the imported activities (without their external ids) until there are ``target`` rows:
# a bulk load outside the services, for the export only.
FILL_SCRIPT = """
import sys, django
django.setup()
from django.db import connection, transaction
from totonou.activities.models import Activity
target = int(sys.argv[1])
table = Activity._meta.db_table
columns = [f.column for f in Activity._meta.concrete_fields if f.column not in {"id", "external_id"}]
names = ", ".join(columns)
while (count := Activity.objects.count()) < target:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}, external_id) "
            f"SELECT {names}, '' FROM {table} ORDER BY id LIMIT %s",
            [min(count, target - count)],
        )
print(Activity.objects.count())
"""


# Runs a ``python -m MODULE …`` or ``python -c SCRIPT …`` command with tracemalloc on, and writes the
# peak of the Python heap to $BENCH_HEAP_FILE at exit: the memory that would grow with a file held in
# lists. (The process's RSS also holds SQLite's page cache, up to 64 MB, and the memory-mapped
# database, up to 256 MB — ``config/settings.py`` — which grow with the database, not with the file.)
TRACED = """
import atexit, os, runpy, sys, tracemalloc
tracemalloc.start()
def report():
    with open(os.environ["BENCH_HEAP_FILE"], "w") as out:
        out.write(str(tracemalloc.get_traced_memory()[1]))
atexit.register(report)
flag, target, *rest = sys.argv[1:]
sys.argv = [target, *rest]
if flag == "-m":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *rest]
    exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
"""


@dataclass
class Step:
    name: str
    rows: int
    seconds: float
    rows_per_second: float
    peak_mb: float
    heap_mb: float
    exit: int
    output: str


class Site:
    """The fresh database the benchmark works on, and the environment of its child processes."""

    def __init__(self, database: str, postgres: str, folder: Path, label: str) -> None:
        self.folder = folder
        self.env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        self.env.update(
            TOTONOU_VAR_DIR=str(folder / "var"),
            TOTONOU_ENV="local",
            DJANGO_SETTINGS_MODULE="totonou.config.settings",
            PYTHONPATH=str(ROOT / "src"),
            LANGUAGE_CODE="en",  # the command's summary line, read back into the results
        )
        self.postgres_name = ""
        self.server = ""
        if database == "postgresql":
            parsed = urlparse(postgres)
            base = parsed.path.lstrip("/") or "totonou"
            self.postgres_name = f"{base}_imports{label}"
            self.server = parsed._replace(path="/postgres").geturl()
            self._sql(f'DROP DATABASE IF EXISTS "{self.postgres_name}" WITH (FORCE)')
            self._sql(f'CREATE DATABASE "{self.postgres_name}"')
            self.env["DATABASE_URL"] = parsed._replace(path=f"/{self.postgres_name}").geturl()
        (folder / "var").mkdir(parents=True, exist_ok=True)

    def _sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.server.replace("postgres://", "postgresql://", 1), autocommit=True) as db:
            db.execute(statement.encode())

    def drop(self) -> None:
        if self.postgres_name:
            self._sql(f'DROP DATABASE IF EXISTS "{self.postgres_name}" WITH (FORCE)')

    def run(self, name: str, rows: int, command: list[str], *, heap: bool = False) -> Step:
        """Run ``command`` (``python -m …`` or ``python -c …``) as a child: its wall time, its own peak
        memory (``wait4``) and, with ``heap``, the peak of its Python heap (tracemalloc: slower)."""
        output, heap_file = self.folder / "output.txt", self.folder / "heap.txt"
        heap_file.unlink(missing_ok=True)
        if heap:
            command = [command[0], "-c", TRACED, *command[1:]]
        with output.open("w") as out:
            started = time.perf_counter()
            child = subprocess.Popen(
                command,
                env={**self.env, "BENCH_HEAP_FILE": str(heap_file)},
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            _pid, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        child.returncode = code
        lines = output.read_text(errors="replace").strip().splitlines()
        # ru_maxrss is in kilobytes on Linux
        step = Step(
            name=name,
            rows=rows,
            seconds=round(seconds, 2),
            rows_per_second=round(rows / seconds) if seconds else 0,
            peak_mb=round(usage.ru_maxrss / 1024, 1),
            heap_mb=round(int(heap_file.read_text()) / 2**20, 1) if heap_file.exists() else 0.0,
            exit=code,
            output=lines[-1] if lines else "",
        )
        # each step as it ends: a long run that stops still leaves what it measured
        print(
            f"{step.name:<24} {step.rows:>10,} rows {step.seconds:>8.1f} s "
            f"{step.rows_per_second:>8,} rows/s  peak {step.peak_mb:>7.1f} MB  heap {step.heap_mb:>6.1f} MB  "
            f"exit {step.exit}  "
            f"{step.output[:60]}",
            flush=True,
        )
        return step


def write_customers(path: Path, count: int, prefix: str) -> None:
    with path.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["顧客コード", "会社名", "フリガナ", "電話番号", "重点顧客"])
        for n in range(count):
            writer.writerow(
                [
                    f"{prefix}{n:07d}",
                    f"株式会社ベンチ{prefix}{n}",
                    f"ベンチ{n}",
                    f"03-{n % 10000:04d}-{n % 9999:04d}",
                    "○" if n % 10 == 0 else "",
                ]
            )


def write_activities(path: Path, count: int, prefix: str, customers: int, customer_prefix: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["活動ID", "日時", "種別", "顧客コード", "件名", "内容"])
        for n in range(count):
            writer.writerow(
                [
                    f"{prefix}{n:08d}",
                    f"2025/{1 + n % 12}/{1 + n % 28} {8 + n % 10}:00",
                    "visit",
                    f"{customer_prefix}{n % customers:07d}",
                    "定例訪問",
                    f"打ち合わせ {n}",
                ]
            )


def run(size: str, database: str, postgres: str, sizes: dict[str, float], heap: bool) -> dict[str, object]:
    customers, activities = int(sizes["customers"]), int(sizes["activities"])
    small_customers, small_activities = max(customers // 5, 1), max(activities // 5, 1)
    steps: list[Step] = []
    totonou = [sys.executable, "-m", "totonou"]
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as name:
        folder = Path(name)
        site = Site(database, postgres, folder, "" if size == "full" else f"_{size}")
        try:
            for step in (
                site.run("migrate", 0, [*totonou, "migrate", "--noinput", "-v", "0"]),
                site.run("set up", 0, [sys.executable, "-c", SETUP_SCRIPT]),
            ):
                if step.exit:
                    raise SystemExit(f"{step.name} failed: {step.output}")
            files = {
                "customers small": (folder / "customers-small.csv", small_customers),
                "customers": (folder / "customers.csv", customers),
                "activities small": (folder / "activities-small.csv", small_activities),
                "activities": (folder / "activities.csv", activities),
            }
            write_customers(files["customers small"][0], small_customers, "S-")
            write_customers(files["customers"][0], customers, "B-")
            write_activities(files["activities small"][0], small_activities, "SA-", customers, "B-")
            write_activities(files["activities"][0], activities, "BA-", customers, "B-")
            for label, (path, rows) in files.items():
                kind = label.split()[0]
                command = [*totonou, "import", kind, str(path)]
                steps.append(site.run(f"import {label}", rows, command, heap=heap))
            exported = folder / "export.csv"
            in_database = small_activities + activities
            export = [sys.executable, "-c", EXPORT_SCRIPT, str(exported)]
            steps.append(site.run("export small", in_database, export, heap=heap))
            target = int(sizes["export"])
            steps.append(
                site.run("copy activities", target, [sys.executable, "-c", FILL_SCRIPT, str(target)])
            )
            steps.append(site.run("export", target, export, heap=heap))
            export_mb = round(exported.stat().st_size / 2**20, 1) if exported.exists() else 0.0
        finally:
            site.drop()
            shutil.rmtree(folder / "var", ignore_errors=True)
    by_name = {step.name: step for step in steps}
    # With the heap traced, the check is on the Python heap; else on the whole process (RSS).
    measure = "heap_mb" if heap else "peak_mb"
    growth = {
        kind: round(getattr(by_name[kind], measure) - getattr(by_name[f"{kind} small"], measure), 1)
        for kind in ("import customers", "import activities", "export")
    }
    problems = [f"{step.name}: exit {step.exit}: {step.output}" for step in steps if step.exit]
    limit = sizes["max_growth_mb"]
    problems += [
        f"{kind}: peak {measure} grew {mb} MB from the small to the large size (limit {limit} MB)"
        for kind, mb in growth.items()
        if mb >= limit
    ]
    return {
        "database": database,
        "size": size,
        "sizes": {
            "customers": [small_customers, customers],
            "activities": [small_activities, activities],
            "export": [small_activities + activities, int(sizes["export"])],
        },
        "steps": [asdict(step) for step in steps],
        "growth_of": measure,
        "peak_growth_mb": growth,
        "max_growth_mb": sizes["max_growth_mb"],
        "export_file_mb": export_mb,
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/totonou"),
        help="a PostgreSQL server URL; its database name is the prefix of the benchmark's database",
    )
    for name in ("customers", "activities", "export"):
        parser.add_argument(f"--{name}", type=int, help=f"override the size's {name} rows")
    parser.add_argument("--max-growth-mb", type=float)
    parser.add_argument(
        "--heap",
        action="store_true",
        help="trace the Python heap of the imports and exports (tracemalloc; slower) and check its growth",
    )
    parser.add_argument("--json", type=Path, help="where to write the results")
    args = parser.parse_args()
    sizes: dict[str, float] = dict(SIZES[args.size])
    for name in ("customers", "activities", "export", "max_growth_mb"):
        if getattr(args, name) is not None:
            sizes[name] = getattr(args, name)
    result = run(args.size, args.database, args.postgres, sizes, args.heap)
    print(f"peak {result['growth_of']} growth, small → large: {result['peak_growth_mb']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    prefix = "" if args.size == "full" else f"{args.size}-"
    path = args.json or RESULTS / f"{prefix}imports-{args.database}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    if result["problems"]:
        print("PROBLEMS:\n  " + "\n  ".join(result["problems"]))  # type: ignore[arg-type]
        return 1
    print("Imports and exports ran; memory stays flat.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
