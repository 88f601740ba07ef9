"""Settings come from the environment; production refuses to start without its secrets."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.ALLOWED_HOSTS)"
)


def run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    unset = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "TIME_ZONE",
        "LANGUAGE_CODE",
        "TOTONOU_ENV",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    base = {key: value for key, value in os.environ.items() if key not in unset}
    base.update({"DJANGO_SETTINGS_MODULE": "totonou.config.settings", "TOTONOU_VAR_DIR": str(tmp_path)})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=base, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
    ],
    ids=["no-secret", "short-secret", "no-hosts"],
)
def test_production_refuses_to_start_without_secrets(tmp_path, env, message):
    result = run(SETUP, tmp_path, TOTONOU_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_starts_with_secrets_and_passes_check_deploy(tmp_path):
    env = {
        "TOTONOU_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "sfa.example.com",
    }
    started = run(SETUP, tmp_path, **env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "False ['sfa.example.com']"
    check = run(
        "from totonou.__main__ import main; import sys; "
        "sys.argv = ['totonou', 'check', '--deploy', '--fail-level', 'WARNING']; main()",
        tmp_path,
        **env,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout


def test_local_generates_a_private_secret_key_once(tmp_path):
    first = run("from django.conf import settings; print(settings.SECRET_KEY)", tmp_path, TOTONOU_ENV="local")
    second = run(
        "from django.conf import settings; print(settings.SECRET_KEY)", tmp_path, TOTONOU_ENV="local"
    )
    key_file = tmp_path / "secret_key"
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert key_file.read_text().strip() == first.stdout.strip()
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_unknown_environment_name_is_refused(tmp_path):
    result = run(SETUP, tmp_path, TOTONOU_ENV="staging")
    assert result.returncode != 0
    assert "TOTONOU_ENV" in result.stderr


def test_default_database_is_sqlite_in_var_with_wal_and_immediate_transactions(tmp_path):
    result = run(
        "import django; django.setup(); from django.db import connection; "
        "print(connection.settings_dict['NAME']); "
        "print(connection.settings_dict['OPTIONS']['transaction_mode']); "
        "c = connection.cursor(); print(c.execute('PRAGMA journal_mode').fetchone()[0]); "
        "print(c.execute('PRAGMA busy_timeout').fetchone()[0])",
        tmp_path,
        DATABASE_URL="",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path / "totonou.sqlite3"), "IMMEDIATE", "wal", "30000"]


def test_time_zone_and_language_from_the_environment(tmp_path):
    result = run(
        "from django.conf import settings; print(settings.TIME_ZONE, settings.LANGUAGE_CODE)",
        tmp_path,
        TIME_ZONE="UTC",
        LANGUAGE_CODE="en",
    )
    assert result.stdout.split() == ["UTC", "en"]
    default = run(
        "from django.conf import settings; print(settings.TIME_ZONE, settings.LANGUAGE_CODE)", tmp_path
    )
    assert default.stdout.split() == ["Asia/Tokyo", "ja"]


def test_the_garbage_collector_threshold_comes_from_the_setting(tmp_path):
    """ADR 0040: every process that sets Django up collects the first generation after 50,000 new
    objects (or ``TOTONOU_GC_THRESHOLD``); 0 keeps Python's own threshold."""
    code = "import gc, django; print(gc.get_threshold()[0]); django.setup(); print(gc.get_threshold())"
    default = run(code, tmp_path)
    assert default.returncode == 0, default.stderr
    assert default.stdout.split("\n")[:2] == ["700", "(50000, 10, 10)"]
    chosen = run(code, tmp_path, TOTONOU_GC_THRESHOLD="20000")
    assert chosen.stdout.split("\n")[1] == "(20000, 10, 10)"
    kept = run(code, tmp_path, TOTONOU_GC_THRESHOLD="0")
    assert kept.stdout.split("\n")[1] == "(700, 10, 10)"
