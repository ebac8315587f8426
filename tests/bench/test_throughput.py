"""Throughput of the clients list under gunicorn (2 workers) with 4 concurrent connections.

gunicorn serves the 100,000-client database on a free loopback port; a session for the
sales head is created directly in the database, and four threads request /clients/ for
BENCH_SECONDS (bounded in count too). The server is stopped afterwards.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from crm.models import User
from tests.bench.conftest import TARGET_RPS, database_url, env_int, save_results, strict
from tests.bench.test_pages import percentile

pytestmark = pytest.mark.bench

WORKERS = 2
CONNECTIONS = 4
MAX_REQUESTS = 20_000
PATH = "/clients/"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def head_session_key() -> str:
    user = User.objects.get(username="head")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "crm.backends.RoleBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def get(port: int, path: str, cookie: str) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"})
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            get(port, "/accounts/login/", "")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start in time")


@pytest.fixture
def gunicorn_100k(bench_size, tmp_path):
    if bench_size != "100k":
        pytest.skip("throughput is measured on the 100k database only")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url("100k"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_MANIFEST": "0",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "AXES_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "crm.wsgi:application",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def test_clients_list_throughput(bench_size, gunicorn_100k):
    port = gunicorn_100k
    cookie = head_session_key()
    status, _ms = get(port, PATH, cookie)
    if status != 200:
        print(f"\n== Throughput: {PATH} answered HTTP {status}: not available ==")
        save_results("throughput", bench_size, {"path": PATH, "status": status, "note": "not available"})
        if strict():
            pytest.fail(f"{PATH} answered {status}")
        return
    for _ in range(WORKERS * 4):  # warm both workers up
        get(port, PATH, cookie)

    seconds = env_int("BENCH_SECONDS", 10)
    deadline = time.perf_counter() + seconds

    def worker(_n: int) -> list[tuple[int, float]]:
        done = []
        while time.perf_counter() < deadline and len(done) < MAX_REQUESTS // CONNECTIONS:
            done.append(get(port, PATH, cookie))
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        results = [r for chunk in pool.map(worker, range(CONNECTIONS)) for r in chunk]
    elapsed = time.perf_counter() - started
    ok = [ms for status, ms in results if status == 200]
    errors = len(results) - len(ok)
    rps = len(ok) / elapsed
    data = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "path": PATH,
        "user": "head",
        "workers": WORKERS,
        "connections": CONNECTIONS,
        "seconds": round(elapsed, 1),
        "requests": len(results),
        "errors": errors,
        "requests_per_second": round(rps, 1),
        "median_ms": round(percentile(ok, 0.5), 1) if ok else None,
        "p95_ms": round(percentile(ok, 0.95), 1) if ok else None,
        "p99_ms": round(percentile(ok, 0.99), 1) if ok else None,
    }
    save_results("throughput", bench_size, data)
    print(
        f"\n== Throughput of {PATH} as head, gunicorn {WORKERS} workers, {CONNECTIONS} connections, "
        f"{data['seconds']} s ==\n"
        f"{data['requests']} requests, {errors} errors, {data['requests_per_second']} req/s "
        f"(target >= {TARGET_RPS:.0f}: {'PASS' if rps >= TARGET_RPS else 'FAIL'}), "
        f"median {data['median_ms']} ms, p95 {data['p95_ms']} ms, p99 {data['p99_ms']} ms"
    )
    assert errors == 0, f"{errors} requests failed"
    if strict():
        assert rps >= TARGET_RPS
