"""Server time and queries of the main pages at 1,000 and 100,000 clients.

Each page is requested in-process with django.test.Client (no network): once with the
queries captured, a few times to warm up, then up to BENCH_REQUESTS times (or for
BENCH_PAGE_SECONDS) for the median and the 95th percentile. A page that does not exist yet
is reported as "not available" instead of failing.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from dataclasses import asdict, dataclass, field

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch

from crm.models import Client, Contact, User
from tests.bench.conftest import (
    TARGET_P95_MS,
    TARGET_QUERIES,
    env_int,
    save_results,
    strict,
)

pytestmark = pytest.mark.bench

USERNAMES = ("head", "manager")
COMMON_WORD = "мед"  # in about one company name of thirteen ("Медтехника", "Медпром", "Диагностмед")


@dataclass
class PageResult:
    page: str
    url: str
    status: int | None = None
    queries: int | None = None  # on a warm request (caches filled), the number the target is about
    cold_queries: int | None = None  # on the first request, with the caches it fills
    sql_ms: float | None = None  # time spent in the database on the warm request
    requests: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    note: str = ""
    slowest_queries: list[dict] = field(default_factory=list)  # of the warm request: ms and SQL

    @property
    def available(self) -> bool:
        return self.status == 200

    @property
    def time_ok(self) -> bool:
        return self.p95_ms is not None and self.p95_ms <= TARGET_P95_MS

    @property
    def queries_ok(self) -> bool:
        return self.queries is not None and self.queries <= TARGET_QUERIES


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def pages_for(user: User) -> list[tuple[str, str]]:
    visible = Client.objects.visible_to(user)
    # The card of the busiest client in scope: the most interactions to show.
    busiest = (
        visible.exclude(status="archived")
        .annotate(n=Count("interactions"))
        .order_by("-n", "pk")
        .values_list("pk", "inn")
        .first()
    )
    inn_prefix = busiest[1][:6] if busiest else "7701"
    contact = Contact.objects.filter(client__in=visible).order_by("pk").values_list("last_name", flat=True).first()
    pages = [
        ("list", "/clients/"),
        ("list filtered", "/clients/?kind=customer&status=active"),
        ("list sorted", "/clients/?sort=-last_interaction_at"),
        ("list search word", f"/clients/?q={COMMON_WORD}"),
        ("list search INN", f"/clients/?q={inn_prefix}"),
        ("client card", f"/clients/{busiest[0]}/" if busiest else "/clients/0/"),
        ("search word", f"/search/?q={COMMON_WORD}"),
        ("search person", f"/search/?q={contact or 'Иванов'}"),
        ("forgotten", "/clients/forgotten/"),
        ("tasks", "/tasks/"),
    ]
    return pages


def measure(http: HttpClient, name: str, url: str) -> PageResult:
    result = PageResult(page=name, url=url)
    try:
        with CaptureQueriesContext(connection) as captured:
            response = http.get(url)
    except NoReverseMatch as exc:
        result.note = f"not available ({exc.__class__.__name__})"
        return result
    except Exception as exc:  # a page in progress may crash; report it, measure the rest
        result.note = f"not available ({exc.__class__.__name__}: {str(exc)[:80]})"
        return result
    result.status = response.status_code
    result.cold_queries = len(captured)
    if response.status_code != 200:
        result.note = "not available" if response.status_code == 404 else f"HTTP {response.status_code}"
        return result
    for _ in range(3):
        http.get(url)
    with CaptureQueriesContext(connection) as captured:
        http.get(url)
    result.queries = len(captured)
    result.sql_ms = round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1)
    slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    result.slowest_queries = [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:2000]} for q in slowest]
    timings: list[float] = []
    budget = env_int("BENCH_PAGE_SECONDS", 20)
    wanted = env_int("BENCH_REQUESTS", 50)
    deadline = time.perf_counter() + budget
    while len(timings) < wanted and (len(timings) < 5 or time.perf_counter() < deadline):
        started = time.perf_counter()
        http.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    result.requests = len(timings)
    result.median_ms = round(statistics.median(timings), 1)
    result.p95_ms = round(percentile(timings, 0.95), 1)
    return result


def print_table(size: str, rows: list[tuple[str, PageResult]]) -> None:
    print(f"\n== Pages at {size} clients (targets: p95 <= {TARGET_P95_MS:.0f} ms, <= {TARGET_QUERIES} queries) ==")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"(load average {load} on {os.cpu_count()} CPUs: timings include whatever else runs on this machine)")
    print(
        f"{'user':<8} {'page':<17} {'queries':>7} {'cold':>4} {'sql':>8} {'n':>4} {'median':>8} {'p95':>8}  "
        "time qrs  url"
    )
    for username, r in rows:
        if not r.available:
            print(
                f"{username:<8} {r.page:<17} {'-':>7} {'-':>4} {'-':>8} {'-':>4} {'-':>8} {'-':>8}  {r.note}  {r.url}"
            )
            continue
        print(
            f"{username:<8} {r.page:<17} {r.queries:>7} {r.cold_queries:>4} {r.sql_ms:>6.1f}ms {r.requests:>4} "
            f"{r.median_ms:>6.1f}ms {r.p95_ms:>6.1f}ms  "
            f"{'PASS' if r.time_ok else 'FAIL':<4} {'PASS' if r.queries_ok else 'FAIL':<4} {r.url}"
        )
    slow = [(u, r) for u, r in rows if r.available and not r.time_ok and r.slowest_queries]
    if slow:
        print("Slowest query of each page over the time target (all of them in var/bench/results.json):")
        for username, r in slow:
            q = r.slowest_queries[0]
            print(f"  {username:<8} {r.page:<17} {q['ms']:>7.1f}ms  {' '.join(q['sql'].split())[:150]}")


def test_pages_are_fast_and_run_few_queries(bench_size):
    rows: list[tuple[str, PageResult]] = []
    for username in USERNAMES:
        user = User.objects.get(username=username)
        http = HttpClient()
        http.force_login(user)
        for name, url in pages_for(user):
            rows.append((username, measure(http, name, url)))
    print_table(bench_size, rows)
    save_results(
        "pages",
        bench_size,
        {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "clients": Client.objects.count(),
            "pages": [{"user": u, **asdict(r)} for u, r in rows],
        },
    )

    too_many = [f"{u} {r.page}: {r.queries} queries" for u, r in rows if r.available and not r.queries_ok]
    assert not too_many, f"pages over {TARGET_QUERIES} queries: {too_many}"
    if strict():
        slow = [f"{u} {r.page}: p95 {r.p95_ms} ms" for u, r in rows if r.available and not r.time_ok]
        missing = [f"{u} {r.page}: {r.note}" for u, r in rows if not r.available]
        assert not slow, f"pages over {TARGET_P95_MS} ms at p95: {slow}"
        assert not missing, f"pages not available: {missing}"
