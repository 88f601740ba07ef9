"""``python -m bench`` (``make bench``): seed or reuse the data set, measure, report, check budgets.

Options: ``--size large|tiny|demo`` (default large), ``--databases sqlite,postgresql``, ``--no-throughput``,
``--duration SECONDS`` (per throughput load). Results go to ``bench/results/<database>.json`` (tiny and demo
runs to ``bench/results/<size>-<database>.json``); the exit status is 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from bench import dataset, throughput

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def measure(url: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "TOTONOU_ENV": "local", "TOTONOU_VAR_DIR": str(dataset.CACHE)})
    out = subprocess.run(
        [sys.executable, "-m", "bench.measure"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"measuring failed on {url}:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def check_budgets(vendor: str, result: dict[str, Any], budgets: dict[str, Any], size: str) -> list[str]:
    missed: list[str] = []
    for name, item in result["scenarios"].items():
        if item.get("absent"):
            continue
        limit = budgets["queries"].get(name)
        if limit is not None and item["queries"] > limit:
            missed.append(f"{vendor} {name}: {item['queries']} queries > budget {limit}")
        if size == "large":
            median_budget = budgets["groups"][item["group"]]["median_ms"]
            if item["median_ms"] > median_budget:
                missed.append(f"{vendor} {name}: median {item['median_ms']} ms > budget {median_budget} ms")
    # Under load: no errors, and at least the minimum rate (activity creation on PostgreSQL; the feed page,
    # signed in, on each database), at the large size.
    minimums = {
        "api_activity_create": (
            budgets["throughput"]["api_activity_create_postgresql_min_rps"],
            vendor == "postgresql",
        ),
        "feed_page": (budgets["throughput"]["feed_page_min_rps"], True),
    }
    for load_name, (minimum, applies) in minimums.items():
        load = result.get("throughput", {}).get(load_name)
        if not load or load.get("absent"):
            continue
        if load["errors"] or load["socket_errors"]:
            missed.append(f"{vendor} {load_name} under load: {load['errors']} errors {load['socket_errors']}")
        if size == "large" and applies and load["requests_per_second"] < minimum:
            rate = load["requests_per_second"]
            missed.append(f"{vendor} {load_name}: {rate:.0f} req/s < budget {minimum} req/s")
    return missed


def table(results: dict[str, dict[str, Any]]) -> str:
    vendors = list(results)
    names: list[str] = []
    for result in results.values():
        names += [name for name in result["scenarios"] if name not in names]
    head = "| scenario | " + " | ".join(f"{v} median ms | {v} p95 ms | {v} queries" for v in vendors) + " |"
    rule = "|---|" + "---:|---:|---:|" * len(vendors)
    rows = [head, rule]
    for name in names:
        cells = []
        for vendor in vendors:
            item = results[vendor]["scenarios"].get(name, {"absent": True})
            cells += (
                ["—"] * 3
                if item.get("absent")
                else [str(item["median_ms"]), str(item["p95_ms"]), str(item["queries"])]
            )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    lines = ["\n".join(rows)]
    loads = [(vendor, results[vendor].get("throughput")) for vendor in vendors]
    if any(load and not load.get("absent") for _, load in loads):
        lines.append(
            "\n| load (gunicorn, 2 workers) | database | req/s | p50 ms | p99 ms | errors | ratio to ceiling"
            " |"
        )
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        for vendor, load in loads:
            for name, item in (load or {}).items():
                if isinstance(item, dict):
                    lines.append(
                        f"| {name} | {vendor} | {item['requests_per_second']:.0f} | {item['p50_ms']} | "
                        f"{item['p99_ms']} | {item['errors']} | {item['ratio_to_ceiling']} |"
                    )
    sizes = {vendor: results[vendor]["sizes"] for vendor in vendors}
    lines.append(f"\nData: {json.dumps(sizes)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", choices=["large", "tiny", "demo"], default="large")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    budgets = tomllib.loads((ROOT / "bench" / "budgets.toml").read_text())
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = dataset.CACHE / "seed.log"
    dataset.CACHE.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    missed: list[str] = []
    for vendor in [name.strip() for name in args.databases.split(",") if name.strip()]:
        started = time.perf_counter()
        if vendor == "sqlite":
            db = dataset.prepare_sqlite(args.size, log)
        elif vendor == "postgresql":
            if not dataset.postgres_reachable(PG_SERVER):
                print(f"PostgreSQL not reachable at {PG_SERVER}: skipped")
                continue
            db = dataset.prepare_postgresql(PG_SERVER, args.size, log)
        else:
            raise SystemExit(f"unknown database {vendor!r}")
        print(
            f"== {vendor}: data ready in {time.perf_counter() - started:.0f} s"
            + (f" (seeded in {db.seconds_to_build:.0f} s)" if db.seconds_to_build else " (cached)"),
            flush=True,
        )
        result = measure(db.url)
        result["seconds_to_seed"] = db.seconds_to_build
        if not args.no_throughput:
            result["throughput"] = throughput.run(db.url, duration=args.duration)
        results[vendor] = result
        missed += check_budgets(vendor, result, budgets, args.size)
        prefix = "" if args.size == "large" else f"{args.size}-"
        (RESULTS / f"{prefix}{vendor}.json").write_text(
            json.dumps(result, indent=2, ensure_ascii=False) + "\n"
        )
    print(table(results))
    if missed:
        print("\nBUDGETS MISSED:\n  " + "\n  ".join(missed))
        return 1
    print("\nAll budgets hold.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
