"""A tiny-size run of the import and export benchmark (``python -m bench.imports``), so the tests prove
the harness works end to end: every step runs in its own process on a fresh database of the vendor
this test run uses, imports every row, exports every activity, and reports time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_import_bench_tiny_run_imports_and_exports_every_row_and_reports_memory(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    vendor = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    output = tmp_path / "result.json"
    command = [sys.executable, "-m", "bench.imports", "--size", "tiny", "--database", vendor, "--heap"]
    command += ["--json", str(output)] + (["--postgres", url] if vendor == "postgresql" else [])
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Imports and exports ran; memory stays flat." in result.stdout
    report = json.loads(output.read_text())
    steps = {step["name"]: step for step in report["steps"]}
    assert list(steps) == [
        "import customers small",
        "import customers",
        "import activities small",
        "import activities",
        "export small",
        "copy activities",
        "export",
    ]
    assert steps["import customers small"]["output"] == "60 created, 0 updated, 0 unchanged, 0 failed"
    assert steps["import customers"]["output"] == "300 created, 0 updated, 0 unchanged, 0 failed"
    assert steps["import activities small"]["output"] == "120 created, 0 updated, 0 unchanged, 0 failed"
    assert steps["import activities"]["output"] == "600 created, 0 updated, 0 unchanged, 0 failed"
    assert steps["export small"]["output"] == "720"
    assert steps["copy activities"]["output"] == "3000"
    assert steps["export"]["output"] == "3000"
    for step in steps.values():
        assert step["exit"] == 0
        assert step["seconds"] > 0 and step["rows_per_second"] > 0
        assert 20 < step["peak_mb"] < 1000  # the child's own peak, in MB
        # the Python heap is traced for the imports and exports, not for the SQL copy
        assert (step["heap_mb"] > 1) == (step["name"] != "copy activities"), step
    assert report["growth_of"] == "heap_mb"
    assert set(report["peak_growth_mb"]) == {"import customers", "import activities", "export"}
    assert report["problems"] == []
