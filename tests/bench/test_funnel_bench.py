"""Funnel benchmark: the board and the reports at 500 and at 50,000 open deals (1,000,000 stage changes).

Runs in its own PostgreSQL databases, `crm_bench_funnel_500` and `crm_bench_funnel` (created, migrated and
filled here, then kept for later runs). Deals and their history come from the demo generator
(funnel.demo.deals_generate, COPY on PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm make bench PYTEST_ARGS="-k funnel"

Targets: the board p95 < 150 ms and <= 15 queries, the same count at both sizes; each report < 1 s.
BENCH_STRICT=1 fails on a missed timing target (query counts always fail).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import statistics
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.demo.writer import BulkWriter
from crm.models import Client, Region, User
from funnel.demo import deals_generate, scenarios_create
from funnel.models import Deal, LossReason, Scenario, StageChange
from tests.bench.conftest import _create_database_if_missing, save_results, strict, use_database

pytestmark = pytest.mark.bench

DATABASE = "crm_bench_funnel"
REQUESTS = int(os.environ.get("BENCH_REQUESTS") or 30)
CLIENTS = 60_000
REGIONS = 10
MANAGERS = 200
# Step 1: ~500 open deals. Step 2: ~50,000 open deals and ~1,000,000 stage changes in all.
# Each step has its own database (kept for later runs): the small one is never grown.
STEPS = [("500 open", 1_430, 0.35, "crm_bench_funnel_500"), ("50,000 open", 273_000, 0.1725, DATABASE)]
TARGET_BOARD_P95_MS = 150.0
TARGET_BOARD_QUERIES = 15
TARGET_REPORT_MS = 1000.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _seed_people() -> None:
    if User.objects.filter(username="fb-admin").exists():
        return
    password = make_password("pass")
    regions = Region.objects.bulk_create([Region(name=f"Funnel bench region {i}") for i in range(REGIONS)])
    users = [User(username="fb-admin", role="admin", region=regions[0], password=password)]
    users += [User(username=f"fb-head-{i}", role="head", region=r, password=password) for i, r in enumerate(regions)]
    users += [
        User(username=f"fb-manager-{i}", role="manager", region=regions[i % REGIONS], password=password)
        for i in range(MANAGERS)
    ]
    User.objects.bulk_create(users, batch_size=1000)
    managers = list(User.objects.filter(role="manager", username__startswith="fb-").order_by("pk"))
    Client.objects.bulk_create(
        [
            Client(
                name=f"ООО «Бенч {i}»",
                name_key=f"бенч {i}",
                kind="customer",
                responsible=managers[i % MANAGERS],
                region_id=managers[i % MANAGERS].region_id,
            )
            for i in range(CLIENTS)
        ],
        batch_size=5000,
    )


def _grow(target_total: int, open_share: float) -> None:
    have = Deal.objects.count()
    if have >= target_total:
        return
    scenarios = scenarios_create()
    owners = list(Client.objects.filter(name__startswith="ООО «Бенч").values_list("pk", "responsible_id"))
    reasons = list(LossReason.objects.values_list("pk", flat=True))
    deals_generate(
        writer=BulkWriter(),
        rng=random.Random(have + 1),
        now=timezone.now(),
        scenarios=scenarios,
        owners=owners,
        count=target_total - have,
        open_share=open_share,
        reasons=reasons,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE funnel_deal")
        cursor.execute("VACUUM ANALYZE funnel_stagechange")


@pytest.fixture(scope="module")
def bench_db(original_database_name):
    def switch(name: str) -> None:
        _create_database_if_missing(name)
        use_database(name)
        call_command("migrate", verbosity=0, interactive=False)
        _seed_people()

    yield switch
    use_database(original_database_name)


def _measure(http: HttpClient, url: str, requests: int = REQUESTS) -> dict:
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url)
    assert response.status_code == 200, url
    queries = len(ctx.captured_queries)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        http.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "queries": queries,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
    }


@pytest.mark.parametrize("step", STEPS, ids=[s[0] for s in STEPS])
def test_funnel_at_scale(bench_db, step, settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    label, total, open_share, database = step
    bench_db(database)
    started = time.monotonic()
    _grow(total, open_share)
    open_deals = Deal.objects.filter(status="open").count()
    history = StageChange.objects.count()
    print(
        f"\n== {label}: {open_deals:,} open of {Deal.objects.count():,} deals, {history:,} stage changes "
        f"(ready in {time.monotonic() - started:.0f} s)"
    )
    wholesale = Scenario.objects.get(name="Оптовая продажа")
    results: dict = {"open_deals": open_deals, "stage_changes": history, "board": {}, "reports": {}}
    failures = []
    year_ago = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    for username in ("fb-admin", "fb-head-2", "fb-manager-7"):
        http = HttpClient()
        http.force_login(User.objects.get(username=username))
        for name, url in [
            ("board", f"/funnel/?scenario={wholesale.pk}"),
            ("board, red", f"/funnel/?scenario={wholesale.pk}&light=red"),
            ("board, source", f"/funnel/?scenario={wholesale.pk}&source=tender"),
            ("deal list", "/funnel/deals/"),
        ]:
            measured = _measure(http, url)
            results["board"][f"{username} / {name}"] = measured
            print(f"board   {username:14} {name:16} {measured}")
            if name.startswith("board") and measured["queries"] > TARGET_BOARD_QUERIES:
                failures.append(f"{username} {name}: {measured['queries']} queries")
            if name.startswith("board") and measured["p95_ms"] > TARGET_BOARD_P95_MS and strict():
                failures.append(f"{username} {name}: p95 {measured['p95_ms']} ms")
        if username == "fb-manager-7":
            continue
        for name in ("funnel", "lost", "time-in-stage", "stuck", "forecast"):
            url = f"/funnel/reports/{name}/?scenario={wholesale.pk}&date_from={year_ago}"
            measured = _measure(http, url, requests=5)
            results["reports"][f"{username} / {name}"] = measured
            print(f"report  {username:14} {name:16} {measured}")
            if measured["max_ms"] > TARGET_REPORT_MS and strict():
                failures.append(f"{username} report {name}: {measured['max_ms']} ms")
    save_results("funnel", label, results)
    assert not failures, failures
