"""Seeded data sets, cached between runs: rebuilt when the generator changes, upgraded when the schema does.

The cache is a SQLite file under ``bench/.cache/`` (``BENCH_CACHE`` moves it, so several checkouts can share
one) or a PostgreSQL database ``totonou_bench_<size>``; each run works on a fresh copy (file copy /
``CREATE DATABASE … TEMPLATE``), so writes measured by one run never leak into the next.

A new migration (an index, a column) is applied to the cached copy with ``migrate`` and the statistics
rebuilt, as a production upgrade would, instead of seeding again (seeding the large size takes 7–30
minutes); when the migrations cannot be applied (a branch with another history) the data set is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("BENCH_CACHE") or ROOT / "bench" / ".cache")
TOTONOU = [sys.executable, "-m", "totonou"]


def fingerprint() -> str:
    """A hash of what shapes the data: the generator. A change rebuilds the data set."""
    return _digest("demo/**/*.py")


def schema_fingerprint() -> str:
    """A hash of every migration. A change upgrades the cached data set (``migrate``, then statistics)."""
    return _digest("*/migrations/*.py")


def _digest(pattern: str) -> str:
    digest = hashlib.sha256()
    source = ROOT / "src" / "totonou"
    for path in sorted(source.glob(pattern)):
        digest.update(str(path.relative_to(source)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Database:
    vendor: str  # "sqlite" | "postgresql"
    url: str  # the working copy's DATABASE_URL
    seconds_to_build: float | None  # None when the cache was reused


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(args)}\n")
        out.flush()
        subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, check=True, cwd=ROOT)


def _env(url: str, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_URL": url, "TOTONOU_VAR_DIR": str(var_dir), "TOTONOU_ENV": "local"})
    return env


def _build(url: str, size: str, var_dir: Path, log: Path) -> float:
    started = time.perf_counter()
    env = _env(url, var_dir)
    _run([*TOTONOU, "migrate", "--noinput", "-v", "0"], env, log)
    _run([*TOTONOU, "seed", "--size", size, "--locale", "ja", "--seed", "7"], env, log)
    return time.perf_counter() - started


def _upgrade(url: str, log: Path) -> bool:
    """Apply the migrations the cached data set lacks; False when its history does not allow it.

    A SQLite cache that is a hard link to another checkout's (to save disk: the large file is 4.5 GB) is
    first made a file of its own, so the other checkout's copy never takes this one's migrations.
    """
    if url.startswith("sqlite:///"):
        cached = Path(url.removeprefix("sqlite:///"))
        if cached.exists() and cached.stat().st_nlink > 1:
            private = cached.with_suffix(".private")
            shutil.copyfile(cached, private)
            private.replace(cached)
    try:
        _run([*TOTONOU, "migrate", "--noinput", "-v", "0"], _env(url, CACHE), log)
    except subprocess.CalledProcessError:
        return False
    return True


def _stamped(stamp: Path, value: str) -> bool:
    return stamp.exists() and stamp.read_text() == value


def prepare_sqlite(size: str, log: Path) -> Database:
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"{size}.sqlite3"
    stamp = CACHE / f"{size}.sqlite3.fingerprint"
    schema = CACHE / f"{size}.sqlite3.schema"
    built: float | None = None
    url = f"sqlite:///{cached}"
    fresh = cached.exists() and _stamped(stamp, fingerprint())
    if fresh and not _stamped(schema, schema_fingerprint()):
        fresh = _upgrade(url, log)
        if fresh:
            _checkpoint(cached)
            schema.write_text(schema_fingerprint())
    if not fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cached}{suffix}").unlink(missing_ok=True)
        built = _build(url, size, CACHE, log)
        _checkpoint(cached)
        stamp.write_text(fingerprint())
        schema.write_text(schema_fingerprint())
    work = CACHE / f"{size}-work.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(cached, work)
    return Database("sqlite", f"sqlite:///{work}", built)


def _checkpoint(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("ANALYZE")


def postgres_reachable(url: str) -> bool:
    import socket

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=2):
            return True
    except OSError:
        return False


def _psql(server_url: str, sql: str, params: tuple[str, ...] = ()) -> str:
    """Run one statement; database names here come from ``--size`` choices, never from input."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        cursor = connection.execute(sql.encode(), params or None)
        return str(cursor.fetchone()[0]) if cursor.description else ""


def prepare_postgresql(server: str, size: str, log: Path) -> Database:
    """``server`` is a URL of the PostgreSQL server (its database part is ignored)."""
    parsed = urlparse(server)
    admin_url = parsed._replace(path="/postgres").geturl()
    cached_name, work_name = f"totonou_bench_{size}", f"totonou_bench_{size}_work"
    cached_url = parsed._replace(path=f"/{cached_name}").geturl()
    CACHE.mkdir(parents=True, exist_ok=True)
    stamp = CACHE / f"pg-{size}.fingerprint"
    schema = CACHE / f"pg-{size}.schema"
    exists = _psql(admin_url, "SELECT count(*) FROM pg_database WHERE datname = %s", (cached_name,)) == "1"
    built: float | None = None
    fresh = exists and _stamped(stamp, fingerprint())
    if fresh and not _stamped(schema, schema_fingerprint()):
        fresh = _upgrade(cached_url, log)
        if fresh:
            _psql(cached_url, "VACUUM ANALYZE")
            schema.write_text(schema_fingerprint())
    if not fresh:
        _psql(admin_url, f"DROP DATABASE IF EXISTS {cached_name} WITH (FORCE)")
        _psql(admin_url, f"CREATE DATABASE {cached_name}")
        built = _build(cached_url, size, CACHE, log)
        _psql(cached_url, "VACUUM ANALYZE")
        stamp.write_text(fingerprint())
        schema.write_text(schema_fingerprint())
    _psql(admin_url, f"DROP DATABASE IF EXISTS {work_name} WITH (FORCE)")
    _psql(admin_url, f"CREATE DATABASE {work_name} TEMPLATE {cached_name}")
    # The copy went through the write-ahead log (PostgreSQL 15's WAL_LOG strategy): flush it now, or the
    # checkpoints it calls for write gigabytes while the first scenarios are measured.
    _psql(admin_url, "CHECKPOINT")
    return Database("postgresql", parsed._replace(path=f"/{work_name}").geturl(), built)
