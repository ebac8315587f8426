"""Tender import benchmark: 1,000 / 10,000 / 100,000-row files, end to end, against reading alone.

Runs in its own PostgreSQL database `crm_bench_tenders` (created and migrated here, emptied
before each run). Each import runs as `manage.py import_tenders` in a child process, so its
wall time and peak memory are the real thing (parse, match, write, equipment).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench PYTEST_ARGS="-k tender"

Targets: 100,000 rows under 10 s, peak memory under 300 MB, time per row flat.
BENCH_TENDER_ROWS ("1000,10000,100000") picks the sizes; BENCH_STRICT=1 fails on a missed target.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.bench.conftest import (
    _create_database_if_missing,
    save_results,
    server_dsn,
    strict,
    use_database,
)

pytestmark = pytest.mark.bench

DATABASE = "crm_bench_tenders"
FILES = Path(settings.BASE_DIR) / "var" / "bench"
ITEMS_PER_TENDER = 4
TARGET_SECONDS_100K = 10.0
TARGET_PEAK_MB = 300.0


def sizes() -> list[int]:
    return [int(s) for s in os.environ.get("BENCH_TENDER_ROWS", "1000,10000,100000").split(",") if s.strip()]


def bench_file(rows: int) -> Path:
    from integrations.demo_tenders import build_tender_rows, write_tender_workbook

    path = FILES / f"tenders_{rows}.xlsx"
    if not path.exists():
        FILES.mkdir(parents=True, exist_ok=True)
        write_tender_workbook(path, rows=build_tender_rows(tenders=rows // ITEMS_PER_TENDER, seed=rows))
    return path


def read_only_seconds(path: Path) -> float:
    """Time to merely read the file through the parsers (no database)."""
    from integrations.parsers.tenders import iter_tender_file

    started = time.monotonic()
    for _event in iter_tender_file(path, filename=path.name, max_bytes=settings.IMPORT_MAX_BYTES):
        pass
    return time.monotonic() - started


def empty_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE integrations_tenderbid, integrations_tenderitem, "
            "integrations_tender, integrations_importrowerror, integrations_importjob, equipment_equipment, "
            "crm_client RESTART IDENTITY CASCADE"
        )


def run_import(path: Path) -> tuple[float, str]:
    dsn = server_dsn(DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{dsn['user']}@{dsn['host']}:{dsn.get('port') or 5432}/{DATABASE}",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "import_tenders", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.monotonic() - started, done.stdout.strip()


@pytest.fixture(scope="module")
def tender_db():
    original = connection.settings_dict["NAME"]
    _create_database_if_missing(DATABASE)
    use_database(DATABASE)
    call_command("migrate", verbosity=0, interactive=False)
    from integrations.demo_tenders import demo_rules_ensure

    demo_rules_ensure()
    yield
    use_database(original)


def test_tender_import_throughput(tender_db):
    results = {}
    for rows in sizes():
        path = bench_file(rows)
        read = read_only_seconds(path)
        empty_tables()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        wall, output = run_import(path)
        seconds = float(output.split(" read in ")[1].split(" s.")[0])  # the import itself, without start-up
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        _wall, again_output = run_import(path)
        again = float(again_output.split(" read in ")[1].split(" s.")[0])
        results[rows] = {
            "read_only_s": round(read, 2),
            "import_s": round(seconds, 2),
            "process_wall_s": round(wall, 2),
            "reimport_s": round(again, 2),
            "us_per_row": round(seconds / rows * 1e6),
            "peak_mb_so_far": round(peak_mb),
        }
        print(
            f"\n{rows:>7} rows: read only {read:.2f} s, import {seconds:.2f} s, re-import {again:.2f} s, "
            f"{seconds / rows * 1e6:.0f} µs/row, peak RSS of the import processes so far {peak_mb:.0f} MB"
        )
        print(f"         {output}")
    save_results("tender_import", "rows", {str(k): v for k, v in results.items()})
    largest = max(results)
    if strict() and largest >= 100_000:
        assert results[largest]["import_s"] < TARGET_SECONDS_100K
        assert results[largest]["peak_mb_so_far"] < TARGET_PEAK_MB
