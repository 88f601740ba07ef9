"""Throughput through the real production server: gunicorn with 2 workers on 127.0.0.1 under wrk.

Measures the feed page (signed-in session), activity creation through the API (bearer token), and a
minimal Django page (``/healthz``) as the ceiling; reports each as a ratio to that ceiling. Every load
goes to 127.0.0.1 only and stops by itself after ``duration`` seconds.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "bench" / ".cache"

CREATE_LUA = """
counter = 0
request = function()
  counter = counter + 1
  local minute = counter % 60
  local hour = 8 + math.floor(counter / 60) % 10
  local body = string.format('{"type": "visit", "customer": __CUSTOMER__, "subject": "wrk", '
    .. '"starts_at": "2030-01-01T%02d:%02d:00+09:00", "ends_at": "2030-01-01T%02d:%02d:00+09:00"}',
    hour, minute, hour + 1, minute)
  return wrk.format("POST", "/api/v1/activities", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer __TOKEN__"}, body)
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _credentials(env: dict[str, str]) -> dict[str, Any]:
    """A session cookie for the manager and an API token and customer for a rep, made in the database."""
    code = (
        "import django, json; django.setup()\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
        "from totonou.users.models import User\n"
        "from totonou.customers.models import Customer\n"
        "from totonou.users.services import api_token_create\n"
        "manager = User.objects.filter(role='manager').order_by('pk').first()\n"
        "rep = User.objects.filter(role='rep').order_by('pk').first()\n"
        "s = SessionStore(); s[SESSION_KEY] = str(manager.pk)\n"
        "s[BACKEND_SESSION_KEY] = 'totonou.users.backends.ModelBackend'\n"
        "s[HASH_SESSION_KEY] = manager.get_session_auth_hash(); s.create()\n"
        "customer = Customer.objects.filter(owner=rep).order_by('pk').first()\n"
        "print(json.dumps({'session': s.session_key, 'token': api_token_create(user=rep)[1],"
        " 'customer': customer.pk}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    import json

    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _no_redirects() -> urllib.request.OpenerDirector:
    """An opener that returns a redirect as it is instead of following it."""

    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(Keep)


def _parse_wrk(output: str) -> dict[str, Any]:
    def latency(label: str) -> float | None:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_second": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


#: How long wrk waits for an answer before it counts a socket timeout (its default is 2 s). A request the
#: server answers late is measured in the latencies, not an error: on a loaded 2-core machine (the test
#: suites side by side) the tiny feed page's p99 reached 1.9 s and one request passed 2 s. A server that
#: hangs still shows as a timeout.
WRK_TIMEOUT = "--timeout=10s"


def run(database_url: str, duration: int = 10, connections: int = 8) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"absent": "wrk is not installed (apt-get install wrk)"}
    var_dir = Path(tempfile.mkdtemp(prefix="totonou-bench-"))
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "TOTONOU_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "127.0.0.1",
            "TOTONOU_SSL_REDIRECT": "0",
            "TOTONOU_VAR_DIR": str(var_dir),
            "TOTONOU_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "totonou.config.settings",
        }
    )
    # Production serves hashed static files from the manifest that collectstatic writes.
    subprocess.run(
        [sys.executable, "-m", "totonou", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    creds = _credentials(env)
    port = _free_port()
    server_log = LOG_DIR / "gunicorn.log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [
            gunicorn,
            "totonou.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=server_log.open("w"),  # a file, never a pipe nobody reads: a full pipe blocks the workers
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - our own local server
                break
            except OSError:
                time.sleep(0.1)
        # The feed must answer as a signed-in page (200), not the sign-in redirect: a 302 is cheap
        # and wrk counts it as a success. The session names the backend that signed the user in.
        feed = urllib.request.Request(  # noqa: S310 - our own local server
            f"{base}/feed/", headers={"Cookie": f"sessionid={creds['session']}"}
        )
        try:
            with _no_redirects().open(feed, timeout=30) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:  # a redirect, not followed
            status = error.code
        if status != 200:
            raise SystemExit(f"the feed answered {status} to the benchmark's session")
        lua = var_dir / "create.lua"
        lua.write_text(
            CREATE_LUA.replace("__CUSTOMER__", str(creds["customer"])).replace("__TOKEN__", creds["token"])
        )
        cookie = f"sessionid={creds['session']}"
        loads = {
            "ceiling_healthz": [
                "wrk",
                f"-c{connections}",
                "-t2",
                f"-d{duration}s",
                "--latency",
                WRK_TIMEOUT,
                f"{base}/healthz",
            ],
            "feed_page": [
                "wrk",
                f"-c{connections}",
                "-t2",
                f"-d{duration}s",
                "--latency",
                WRK_TIMEOUT,
                "-H",
                f"Cookie: {cookie}",
                f"{base}/feed/",
            ],
            "api_activity_create": [
                "wrk",
                f"-c{connections}",
                "-t2",
                f"-d{duration}s",
                "--latency",
                WRK_TIMEOUT,
                "-s",
                str(lua),
                base,
            ],
        }
        results: dict[str, Any] = {}
        for name, command in loads.items():
            output = subprocess.run(
                command, capture_output=True, text=True, check=True, timeout=duration + 30
            )
            results[name] = _parse_wrk(output.stdout)
        ceiling = results["ceiling_healthz"]["requests_per_second"] or 1.0
        for item in results.values():
            item["ratio_to_ceiling"] = round(item["requests_per_second"] / ceiling, 3)
        return results
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(var_dir, ignore_errors=True)
