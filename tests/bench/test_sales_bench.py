"""Sales benchmark: a 100,000-line file end to end, and the sales analysis over 2,000,000 lines.

Runs in its own PostgreSQL database `crm_bench_sales`, or the one BENCH_SALES_DATABASE names
(created and migrated here; its sales tables are emptied before each run). The import runs as
`manage.py import_sales` in a child process, so wall time and peak memory (ru_maxrss of the
child) are the real thing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench PYTEST_ARGS="-k sales"

Targets: 100,000 lines under 10 s with peak memory under 300 MB; the analysis over a year of
2,000,000 lines under 1 s. BENCH_STRICT=1 fails on a missed target.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.bench.conftest import _create_database_if_missing, save_results, server_dsn, strict, use_database
from tests.factories import _inn10
from tests.integrations.sales_files import HEADER

pytestmark = pytest.mark.bench

DATABASE = os.environ.get("BENCH_SALES_DATABASE") or "crm_bench_sales"
FILES = Path(settings.BASE_DIR) / "var" / "bench"
LINES = int(os.environ.get("BENCH_SALES_LINES") or 100_000)
ANALYSIS_LINES = int(os.environ.get("BENCH_SALES_ANALYSIS_LINES") or 2_000_000)
LINES_PER_DOCUMENT = 5
CLIENTS = 2_000
PRODUCTS = 500


def bench_file(lines: int) -> Path:
    """Write (once) an xlsx of `lines` shipment lines: 5 lines a document, 2,000 clients, 500 products."""
    import openpyxl

    path = FILES / f"sales_{lines}.xlsx"
    if path.exists():
        return path
    FILES.mkdir(parents=True, exist_ok=True)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Продажи")
    sheet.append(HEADER)
    start = dt.date(2025, 1, 1)
    for n in range(lines):
        doc = n // LINES_PER_DOCUMENT
        client = doc % CLIENTS
        product = (n * 7) % PRODUCTS
        quantity = 1 + n % 3
        price = 1000 + product * 10
        sheet.append(
            [
                "отгрузка",
                f"B-{doc}",
                "1",
                str(doc),
                (start + dt.timedelta(days=doc % 365)).strftime("%d.%m.%Y"),
                "да",
                _inn10(client + 1),
                f"ООО «Клиент {client}»",
                "",
                "",
                f"P-{product}",
                f"Товар {product}",
                "оборудование" if product % 5 == 0 else "расходный материал",
                quantity,
                price,
                quantity * price,
                f"SN{n}" if product % 5 == 0 and quantity == 1 else "",
            ]
        )
    workbook.save(path)
    return path


def empty_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE crm_salesdocumentline, crm_salesdocument, crm_product, integrations_importrowerror, "
            "integrations_importjob, crm_client RESTART IDENTITY CASCADE"
        )


# The import without the other apps' receivers of sales_document_posted: parse, validate, write.
_QUIET_IMPORT = """
import sys, django
django.setup()
from crm.signals import sales_document_posted, sales_documents_posted
for signal in (sales_document_posted, sales_documents_posted):
    signal.receivers.clear()
    signal.sender_receivers_cache.clear()
from integrations.services.sales_import import sales_file_import
job = sales_file_import(path=sys.argv[1])
assert job.status == "done", job.message
print(job.summary)
"""


def run_import(path: Path, *, receivers: bool = True) -> tuple[float, int, str]:
    """Import `path` in a child process; return its wall time, peak RSS (MB) and output."""
    dsn = server_dsn(DATABASE)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings",
        "DATABASE_URL": f"postgres://{dsn['user']}@{dsn['host']}:{dsn.get('port') or 5432}/{DATABASE}",
    }
    command = ["manage.py", "import_sales", str(path)] if receivers else ["-c", _QUIET_IMPORT, str(path)]
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, *command], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    output = (child.stdout.read() + child.stderr.read()).decode().strip()
    assert os.waitstatus_to_exitcode(status) == 0, output
    return seconds, round(usage.ru_maxrss / 1024), output


@pytest.fixture(scope="module")
def sales_db():
    original = connection.settings_dict["NAME"]
    _create_database_if_missing(DATABASE)
    use_database(DATABASE)
    call_command("migrate", verbosity=0, interactive=False)
    yield
    use_database(original)


def test_sales_import_100k_lines(sales_db):  # runs first: it empties the tables
    from integrations.parsers.sales import detect_and_parse

    path = bench_file(LINES)
    started = time.monotonic()
    result = detect_and_parse(path, filename=path.name, max_bytes=settings.IMPORT_MAX_BYTES)
    parse = time.monotonic() - started
    assert not result.errors, result.errors[:3]
    del result
    empty_tables()
    seconds, peak_mb, output = run_import(path, receivers=False)
    again, again_mb, again_output = run_import(path, receivers=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM crm_salesdocumentline")
        (written,) = cursor.fetchone()
    data = {
        "lines": LINES,
        "parse_s": round(parse, 2),
        "import_s": round(seconds, 2),
        "peak_mb": peak_mb,
        "reimport_s": round(again, 2),
        "reimport_peak_mb": again_mb,
    }
    print(
        f"\n{LINES:,} lines: parse only {parse:.2f} s; import end to end {seconds:.2f} s, peak RSS {peak_mb} MB "
        f"(child process, incl. Django start); re-import {again:.2f} s, {again_mb} MB\n  {output}\n  {again_output}"
    )
    if os.environ.get("BENCH_SALES_RECEIVERS") == "1":
        empty_tables()
        full, full_mb, full_output = run_import(path)
        data.update(with_receivers_s=round(full, 2), with_receivers_peak_mb=full_mb)
        print(f"  with the equipment/funnel receivers: {full:.2f} s, {full_mb} MB\n  {full_output}")
    save_results("sales_import", str(LINES), data)
    assert written == LINES
    if strict():
        assert seconds < 10 and peak_mb < 300


def fill_analysis_lines(total: int) -> None:
    """Insert `total` lines (5 a document) over two years with generate_series: seconds, not minutes."""
    from crm.models import Client, Product

    documents = total // LINES_PER_DOCUMENT
    Client.objects.bulk_create(
        [Client(kind="customer", name=f"Клиент {n}", name_key=f"клиент {n}") for n in range(CLIENTS)], batch_size=1000
    )
    Product.objects.bulk_create(
        [
            Product(
                sku=f"P-{n}",
                name=f"Товар {n}",
                kind="equipment" if n % 5 == 0 else "consumable",
                equipment_type_name=f"Тип {n % 7}" if n % 5 == 0 else "",
            )
            for n in range(PRODUCTS)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM crm_client")
        (first_client,) = cursor.fetchone()
        cursor.execute("SELECT min(id) FROM crm_product")
        (first_product,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO crm_salesdocument (kind, number, date, client_id, manager_name, total, posted, is_deleted, "
            "external_id, version, source, created_at, updated_at) "
            "SELECT 'shipment', g::text, date '2025-01-01' + (g %% 730), %s + g %% %s, '', 0, true, false, "
            "'A-' || g, '1', 'file', now(), now() FROM generate_series(1, %s) g",
            [first_client, CLIENTS, documents],
        )
        cursor.execute(
            "INSERT INTO crm_salesdocumentline (document_id, line_no, product_id, quantity, price, amount, cost, "
            "serial_numbers, kind, date, client_id, is_effective) "
            "SELECT d.id, l, %s + (d.id * 7 + l) %% %s, 1 + l %% 3, 1000, 1000 * (1 + l %% 3), 700 * (1 + l %% 3), "
            "'[]', 'shipment', d.date, d.client_id, true "
            "FROM crm_salesdocument d CROSS JOIN generate_series(1, %s) l",
            [first_product, PRODUCTS, LINES_PER_DOCUMENT],
        )
        cursor.execute("VACUUM ANALYZE")


def test_sales_analysis_over_2m_lines(sales_db):
    from crm.models import User
    from crm.selectors.sales import SalesFilter, sales_analysis

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM crm_salesdocumentline WHERE document_id IN (SELECT id FROM crm_salesdocument "
            "WHERE external_id LIKE 'A-%%')"
        )
        (ready,) = cursor.fetchone()
    if ready != ANALYSIS_LINES:  # filled once, kept for later runs (the import test empties it)
        empty_tables()
        started = time.monotonic()
        fill_analysis_lines(ANALYSIS_LINES)
        print(f"\nFilled {ANALYSIS_LINES:,} lines in {time.monotonic() - started:.0f} s.")
    admin = User(username="bench-admin", role="admin", is_superuser=True, is_active=True)
    flt = SalesFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))
    timings = {}
    for first, second in [
        ("product_kind", "period"),
        ("equipment_type", None),
        ("product", None),
        ("client", None),
        ("product", "client"),
    ]:
        sales_analysis(user=admin, flt=flt, first=first, second=second)  # warm
        started = time.monotonic()
        analysis = sales_analysis(user=admin, flt=flt, first=first, second=second)
        seconds = time.monotonic() - started
        timings[f"{first}/{second or '-'}"] = round(seconds, 3)
        print(f"  analysis over a year by {first} / {second or '—'}: {seconds:.3f} s, {len(analysis.rows)} groups")
    save_results("sales_analysis", str(ANALYSIS_LINES), timings)
    if strict():
        assert max(timings.values()) < 1.0
