"""Seeded data sets, cached between runs and rebuilt only when the generator or the schema changes.

The cache is a SQLite file under ``bench/.cache/`` or a PostgreSQL database ``totonou_bench_<size>``;
each run works on a fresh copy (file copy / ``CREATE DATABASE … TEMPLATE``), so writes measured by one
run never leak into the next.
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
CACHE = ROOT / "bench" / ".cache"
TOTONOU = [sys.executable, "-m", "totonou"]


def fingerprint() -> str:
    """A hash of everything that shapes the data: the generator and every migration."""
    digest = hashlib.sha256()
    source = ROOT / "src" / "totonou"
    paths = sorted(source.glob("demo/**/*.py")) + sorted(source.glob("*/migrations/*.py"))
    for path in paths:
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


def prepare_sqlite(size: str, log: Path) -> Database:
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"{size}.sqlite3"
    stamp = CACHE / f"{size}.sqlite3.fingerprint"
    built: float | None = None
    if not cached.exists() or not stamp.exists() or stamp.read_text() != fingerprint():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{cached}{suffix}").unlink(missing_ok=True)
        built = _build(f"sqlite:///{cached}", size, CACHE, log)
        _checkpoint(cached)
        stamp.write_text(fingerprint())
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
    exists = _psql(admin_url, "SELECT count(*) FROM pg_database WHERE datname = %s", (cached_name,)) == "1"
    built: float | None = None
    if not exists or not stamp.exists() or stamp.read_text() != fingerprint():
        _psql(admin_url, f"DROP DATABASE IF EXISTS {cached_name} WITH (FORCE)")
        _psql(admin_url, f"CREATE DATABASE {cached_name}")
        built = _build(cached_url, size, CACHE, log)
        _psql(cached_url, "VACUUM ANALYZE")
        stamp.write_text(fingerprint())
    _psql(admin_url, f"DROP DATABASE IF EXISTS {work_name} WITH (FORCE)")
    _psql(admin_url, f"CREATE DATABASE {work_name} TEMPLATE {cached_name}")
    return Database("postgresql", parsed._replace(path=f"/{work_name}").geturl(), built)
