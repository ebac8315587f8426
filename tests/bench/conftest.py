"""Benchmarks on realistic volumes: PostgreSQL databases of 1,000 and 100,000 demo clients.

They run in their own databases (`crm_bench_1k`, `crm_bench_100k` on the server of
DATABASE_URL), not in pytest's throw-away test database: each is created, migrated and
filled with `seed_demo` the first time and reused afterwards, so a re-run takes minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench

Environment: BENCH_SIZES ("1k,100k"), BENCH_REQUESTS (timed requests per page, 50),
BENCH_PAGE_SECONDS (time budget per page, 20), BENCH_SECONDS (throughput run, 10),
BENCH_STRICT=1 (fail when a timing target is missed, not only a query-count target),
BENCH_SKIP_APPS ("integrations": app demo seeders left out when a database is filled; the sales
demo sends one signal per document, hours at 100,000 clients).
"""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

SIZES = {"1k": 1_000, "100k": 100_000}
SEED = 1
TARGET_P95_MS = 40.0
TARGET_QUERIES = 12
TARGET_RPS = 60.0
RESULTS_PATH = Path(settings.BASE_DIR) / "var" / "bench" / "results.json"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def strict() -> bool:
    return os.environ.get("BENCH_STRICT", "") == "1"


def bench_sizes() -> list[str]:
    wanted = [s.strip() for s in os.environ.get("BENCH_SIZES", "1k,100k").split(",") if s.strip()]
    unknown = set(wanted) - set(SIZES)
    if unknown:
        raise pytest.UsageError(f"BENCH_SIZES: unknown size(s) {sorted(unknown)}; known: {sorted(SIZES)}")
    return wanted


def database_name(size: str) -> str:
    return f"crm_bench_{size}"


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    if _is_postgres():
        return
    skip = pytest.mark.skip(
        reason="benchmarks need PostgreSQL: run `DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench` "
        "(they use their own databases crm_bench_1k and crm_bench_100k on that server)"
    )
    for item in items:
        if "tests/bench" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup():
    """Use the bench databases as they are: no test database is created or destroyed."""


@pytest.fixture(scope="session", autouse=True)
def _server_template_rendering(django_test_environment):
    """Render templates as a server does, not as the test runner's instrumented renderer; freeze the heap.

    The test environment wraps every template render (each {% include %} too) to send a
    signal and copy the whole context, so `response.context` can be inspected; on a page of
    50 rows with a few includes per row that doubles the rendering time. No benchmark
    inspects the context, so they measure the renderer the server runs.
    """
    from django.template import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    saved = getattr(_TestState, "saved_data", None)
    if saved is not None:
        Template._render = saved.template_render
    # As crm/wsgi.py does in each server process: what is loaded by now is not walked again by
    # every full garbage collection (here that also spares the requests the test runner's own heap).
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
    Template._render = instrumented


@pytest.fixture(scope="session", autouse=True)
def _bench_db_access(django_db_blocker):
    with django_db_blocker.unblock():
        yield


def server_dsn(dbname: str) -> dict:
    db = settings.DATABASES["default"]
    dsn = {"dbname": dbname, "user": db.get("USER") or "postgres", "host": db.get("HOST") or "127.0.0.1"}
    if db.get("PORT"):
        dsn["port"] = db["PORT"]
    if db.get("PASSWORD"):
        dsn["password"] = db["PASSWORD"]
    return dsn


def database_url(size: str) -> str:
    dsn = server_dsn(database_name(size))
    auth = dsn["user"] + (f":{dsn['password']}" if "password" in dsn else "")
    return f"postgres://{auth}@{dsn['host']}:{dsn.get('port') or 5432}/{dsn['dbname']}"


def _create_database_if_missing(name: str) -> None:
    conn = psycopg2.connect(**server_dsn("postgres"))
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def use_database(name: str) -> None:
    """Point the default connection at another database of the same server."""
    for conn in connections.all():
        conn.close()
    connection.settings_dict["NAME"] = name


def prepare_database(size: str) -> None:
    """Create, migrate and (once) fill the bench database of `size`, then make it the default."""
    from crm.demo.seed import demo_exists, seed_demo

    name = database_name(size)
    _create_database_if_missing(name)
    use_database(name)
    call_command("migrate", verbosity=0, interactive=False)
    if not demo_exists():
        print(f"\nFilling {name} with {SIZES[size]:,} demo clients (once; it is kept for later runs)...")
        started = time.monotonic()
        skip = {label.strip() for label in os.environ.get("BENCH_SKIP_APPS", "integrations").split(",")}
        seed_demo(clients=SIZES[size], seed=SEED, skip_apps=skip - {""}, log=print)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"{name} ready in {time.monotonic() - started:.0f} s.")
    if fill_audit_log():
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE auditlog_logentry")


def fill_audit_log() -> bool:
    """Give the database the audit log a CRM in use has: changes of clients, contacts and their details.

    The demo data is bulk-inserted without audit entries; a card reads the history of its client,
    and a query that is fast on an empty log may walk a million entries on a real one.
    Per client three entries, per contact two, per contact detail one, over two years.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from crm.models import Client, Contact, ContactPoint

    if LogEntry.objects.filter(object_repr="demo").exists():
        return False
    types = ContentType.objects.get_for_models(Client, Contact, ContactPoint)
    with connection.cursor() as cursor:
        for model, per_row in ((Client, 3), (Contact, 2), (ContactPoint, 1)):
            cursor.execute(
                f"""
                INSERT INTO auditlog_logentry (object_pk, object_id, object_repr, action, changes, timestamp,
                    content_type_id, changes_text)
                SELECT t.id::text, t.id, 'demo', 1, '{{"notes": ["", "demo"]}}'::jsonb,
                    now() - ((t.id * 7919 + n * 104729) %% 63072000) * interval '1 second', %s, ''
                FROM {model._meta.db_table} t, generate_series(1, %s) n
                """,
                [types[model].pk, per_row],
            )
    return True


@pytest.fixture(scope="session")
def original_database_name():
    return connection.settings_dict["NAME"]


@pytest.fixture(params=bench_sizes(), scope="session")
def bench_database(request, original_database_name):
    """Prepare the database of each size once per session."""
    prepare_database(request.param)
    yield request.param
    use_database(original_database_name)


@pytest.fixture
def bench_size(bench_database) -> str:
    """Point the connection at the bench database of this size (other benchmarks switch it too)."""
    use_database(database_name(bench_database))
    return bench_database


def save_results(section: str, size: str, data: dict) -> None:
    """Merge `data` into var/bench/results.json under results[section][size]."""
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    try:
        results = json.loads(RESULTS_PATH.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        results = {}
    # Other work on the machine skews timings: keep the load next to the numbers.
    results.setdefault(section, {})[size] = {**data, "load_average": [round(x, 2) for x in os.getloadavg()]}
    RESULTS_PATH.write_text(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True))
