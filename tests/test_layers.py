"""The import contracts in ``pyproject.toml`` hold, and break when a forbidden import appears.

``make lint`` runs ``lint-imports`` on the tree; this test proves the contracts can fail: it copies the
package, adds one forbidden import per contract and requires ``lint-imports`` to report that contract
broken (and the untouched copy to pass).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import totonou

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(totonou.__file__).resolve().parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tmp_path: Path, *, inject: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    src = tmp_path / "src"
    shutil.copytree(
        PACKAGE_DIR, src / "totonou", ignore=shutil.ignore_patterns("locale", "static", "templates")
    )
    for relative, line in (inject or {}).items():
        path = src / "totonou" / relative
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )


def test_the_tree_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("relative", "line", "contract"),
    [
        ("customers/models.py", "from totonou.web.views import customers  # noqa", "Layers point one way"),
        ("deals/services.py", "import totonou.web.urls  # noqa", "Domain apps import no web interface"),
        ("notifications/models.py", "from totonou.users import models  # noqa", "Infrastructure imports no"),
        ("core/services.py", "import totonou.activities.models  # noqa", "Infrastructure imports no"),
        ("search/services.py", "import totonou.customers.models  # noqa", "Infrastructure imports no"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, relative: str, line: str, contract: str
) -> None:
    result = _lint(tmp_path, inject={relative: line})
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
