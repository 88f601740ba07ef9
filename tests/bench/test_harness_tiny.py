"""A tiny-size run of the benchmark harness, so `make test` proves `make bench` works end to end.

It seeds (or reuses) the tiny data set on the database this test run uses, measures every scenario
that exists, runs a short load through gunicorn, and checks the query budgets (time budgets apply
to the large size only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_tiny_run_reports_every_present_scenario_within_query_budgets():
    url = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    env = dict(os.environ)
    if vendor == "postgresql":
        env["BENCH_POSTGRES_URL"] = url
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--size", "tiny", "--databases", vendor, "--duration", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "All budgets hold." in result.stdout
    report = json.loads((ROOT / "bench" / "results" / f"tiny-{vendor}.json").read_text())
    present = {name: item for name, item in report["scenarios"].items() if not item.get("absent")}
    assert {"feed_first_page", "customer_list", "api_activity_list", "api_activity_create"} <= set(present)
    for item in present.values():
        assert item["median_ms"] > 0 and item["queries"] > 0
    load = report["throughput"]
    assert load["ceiling_healthz"]["requests_per_second"] > 0
    assert load["api_activity_create"]["errors"] == 0
    assert load["api_activity_create"]["requests"] > 0
