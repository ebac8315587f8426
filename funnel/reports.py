"""The sales head's reports: set-based queries over deals and the stage history."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.models import User
from funnel.models import Deal, DealStatus, Scenario, Stage, StageChange, StageOutcome


@dataclass
class ReportFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    scenario: Scenario | None = None
    responsible: User | None = None
    region: object | None = None
    # The client slice of the indicators; the view fetches it through crm.access.get_client_for.
    client: object | None = None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz) if self.date_from else None
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if self.date_to else None
        return start, end


def _deals(user: User, f: ReportFilter):
    qs = Deal.objects.visible_to(user).filter(is_archived=False)
    if f.scenario:
        qs = qs.filter(scenario=f.scenario)
    if f.responsible:
        qs = qs.filter(responsible=f.responsible)
    if f.region:
        qs = qs.filter(client__region=f.region)
    return qs


def _period(qs, field: str, f: ReportFilter):
    start, end = f.bounds()
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


def _stages(f: ReportFilter) -> list[Stage]:
    if f.scenario is None:
        return []
    return list(f.scenario.stages.filter(is_archived=False).order_by("position", "pk"))


def funnel_report(user: User, f: ReportFilter) -> list[dict]:
    """Deals created in the period that entered each stage, their amounts, and conversion to the next stage.

    One query: the distinct (deal, stage) entries of the scenario's stages joined to the filtered deals,
    so a deal that came back to a stage counts once.
    """
    stages = _stages(f)
    if not stages:
        return []
    deals_sql, deals_params = (
        _period(_deals(user, f), "created_at", f)
        .order_by()
        .values(report_deal_id=F("pk"), report_amount=F("amount"))
        .query.sql_with_params()
    )
    marks = ", ".join(["%s"] * len(stages))
    query = (
        "SELECT e.to_stage_id, COUNT(*), SUM(d.report_amount) "  # noqa: S608 (SQL built by the ORM, values as parameters)
        # Grouped in the order of the (to_stage, deal) index: a streaming aggregate, no hash spilling to disk.
        "FROM (SELECT to_stage_id, deal_id FROM funnel_stagechange "
        f"WHERE to_stage_id IN ({marks}) GROUP BY to_stage_id, deal_id) e "
        f"JOIN ({deals_sql}) d ON d.report_deal_id = e.deal_id GROUP BY e.to_stage_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*[s.pk for s in stages], *deals_params])
        found = {sid: (n, Decimal(total or 0)) for sid, n, total in cursor.fetchall()}
    result = []
    open_stages = [s for s in stages if s.outcome == StageOutcome.OPEN]
    for stage in stages:
        count, amount = found.get(stage.pk, (0, Decimal(0)))
        result.append({"stage": stage, "count": count, "amount": amount, "conversion": None})
    # Conversion between consecutive stages in progress, and from the first stage to won.
    by_pk = {r["stage"].pk: r for r in result}
    for current, nxt in itertools.pairwise(open_stages):
        c = by_pk[current.pk]["count"]
        by_pk[current.pk]["conversion"] = round(100 * by_pk[nxt.pk]["count"] / c, 1) if c else None
    won = [r for r in result if r["stage"].outcome == StageOutcome.WON]
    if open_stages and won:
        c = by_pk[open_stages[-1].pk]["count"]
        by_pk[open_stages[-1].pk]["conversion"] = round(100 * sum(w["count"] for w in won) / c, 1) if c else None
    return result


def lost_report(user: User, f: ReportFilter) -> dict:
    """Lost deals closed in the period by the stage they were lost at and the reason: one aggregate query."""
    qs = _period(_deals(user, f).filter(status=DealStatus.LOST), "closed_at", f)
    rows = list(
        qs.order_by()
        .values("lost_from_stage_id", "lost_from_stage__name", "loss_reason_id", "loss_reason__name")
        .annotate(n=Count("pk"), s=Sum("amount"))
    )
    stages = {}
    reasons = {}
    cells = {}
    for r in rows:
        stages[r["lost_from_stage_id"]] = r["lost_from_stage__name"] or "—"
        reasons[r["loss_reason_id"]] = r["loss_reason__name"]
        cells[(r["lost_from_stage_id"], r["loss_reason_id"])] = {"count": r["n"], "amount": r["s"] or Decimal(0)}
    order = {s.pk: i for i, s in enumerate(_stages(f))}
    stage_list = sorted(stages.items(), key=lambda kv: (order.get(kv[0], 999), kv[1]))
    reason_list = sorted(reasons.items(), key=lambda kv: kv[1] or "")
    table = [
        {
            "stage_id": sid,
            "stage": sname,
            "cells": [
                {"reason_id": rid, **cells.get((sid, rid), {"count": 0, "amount": Decimal(0)})}
                for rid, _ in reason_list
            ],
            "total": sum(cells.get((sid, rid), {"count": 0})["count"] for rid, _ in reason_list),
        }
        for sid, sname in stage_list
    ]
    by_reason = [
        {"reason_id": rid, "reason": rname, "count": sum(c["count"] for (s, r), c in cells.items() if r == rid)}
        for rid, rname in reason_list
    ]
    return {"reasons": reason_list, "rows": table, "by_reason": by_reason, "total": sum(r["n"] for r in rows)}


def lost_deals(user: User, f: ReportFilter, *, stage_id: int | None, reason_id: int | None):
    """The deals behind one cell of the lost-deals report."""
    qs = _period(_deals(user, f).filter(status=DealStatus.LOST), "closed_at", f)
    if stage_id:
        qs = qs.filter(lost_from_stage_id=stage_id)
    if reason_id:
        qs = qs.filter(loss_reason_id=reason_id)
    return qs.select_related("client", "responsible", "loss_reason", "lost_from_stage").order_by("-closed_at")


def time_in_stage_report(user: User, f: ReportFilter, *, now: dt.datetime | None = None) -> list[dict]:
    """Average and median days deals spent in each stage in progress, for stage entries in the period.

    The time of an entry runs to the deal's next entry (`left_at`, written by each move and backfilled
    with LEAD over entered_at by migration 0004) or to now.
    """
    stages = [s for s in _stages(f) if s.outcome == StageOutcome.OPEN]
    if not stages:
        return []
    now = now or timezone.now()
    start, end = f.bounds()
    entries = StageChange.objects.filter(to_stage__in=stages)
    if f.responsible or f.region or not user.is_admin:
        # The access rule and the slices go through the deal; the scenario is already in the stages.
        entries = entries.filter(deal__in=_deals(user, f).values("pk"))
    if start:
        entries = entries.filter(entered_at__gte=start)
    if end:
        entries = entries.filter(entered_at__lt=end)
    stats: dict[int, dict] = {}
    if connection.vendor == "postgresql":
        # No ORDER BY in the inner query (the model's ordering would sort every entry for nothing), so the
        # stage/time index feeds the grouping in order. Seconds as float8 (date_part), not numeric (EXTRACT):
        # the median sorts hundreds of thousands of them per stage.
        sql, params = entries.order_by().values("to_stage_id", "entered_at", "left_at").query.sql_with_params()
        dur = "date_part('epoch', COALESCE(t.left_at, %s) - t.entered_at)"
        query = (
            f"SELECT t.to_stage_id, COUNT(*), AVG({dur}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {dur}) "  # noqa: S608
            f"FROM ({sql}) t GROUP BY t.to_stage_id"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # The medians sort in memory rather than on disk (the default work_mem is 4 MB).
            cursor.execute("SET LOCAL work_mem = '32MB'")
            cursor.execute(query, [now, now, *params])
            for sid, n, avg, med in cursor.fetchall():
                stats[sid] = {"count": n, "avg": float(avg or 0) / 86400, "median": float(med or 0) / 86400}
    else:
        values: dict[int, list[float]] = {}
        for sid, entered, left in entries.values_list("to_stage_id", "entered_at", "left_at"):
            values.setdefault(sid, []).append(((left or now) - entered).total_seconds() / 86400)
        for sid, vals in values.items():
            stats[sid] = {"count": len(vals), "avg": sum(vals) / len(vals), "median": statistics.median(vals)}
    return [
        {"stage": s, **stats.get(s.pk, {"count": 0, "avg": None, "median": None}), "target": s.target_days}
        for s in stages
    ]


def stuck_deals(user: User, f: ReportFilter, *, now: dt.datetime | None = None):
    """Open deals past their stage's target, the longest overdue first."""
    now = now or timezone.now()
    return (
        _deals(user, f)
        .filter(status=DealStatus.OPEN, stage_deadline_at__lt=now)
        .select_related("client", "stage", "responsible")
        .order_by("stage_deadline_at")
    )


def forecast_report(user: User, f: ReportFilter) -> list[dict]:
    """Open deals by expected close month: their amount and the amount weighted by the stage's probability."""
    qs = _deals(user, f).filter(status=DealStatus.OPEN, expected_close_date__isnull=False)
    if f.date_from:
        qs = qs.filter(expected_close_date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(expected_close_date__lte=f.date_to)
    weighted = ExpressionWrapper(
        F("amount") * F("stage__probability") / Value(Decimal(100)),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    rows = (
        qs.order_by()
        .annotate(month=TruncMonth("expected_close_date"))
        .values("month")
        .annotate(n=Count("pk"), total=Sum("amount"), weighted_total=Sum(weighted))
        .order_by("month")
    )
    return [
        {
            "month": r["month"],
            "count": r["n"],
            "amount": r["total"] or Decimal(0),
            "weighted": (r["weighted_total"] or Decimal(0)).quantize(Decimal("0.01")),
        }
        for r in rows
    ]


CALL_KINDS = ("call_in", "call_out")


def indicators_report(user: User, f: ReportFilter, *, now: dt.datetime | None = None) -> dict:
    """Leading indicators per manager for the period: calls (per day and per week), new deals, new clients,
    invoices issued, and clients without an interaction for 30 days. Five aggregate queries."""
    from crm.models import Client, Interaction, SalesDocument

    now = now or timezone.now()
    start, end = f.bounds()
    start = start or now - dt.timedelta(days=30)
    end = end or now
    days = max(1, (end - start).days)

    def narrow(qs, person: str, region: str, client: str = "client_id"):
        if f.responsible:
            qs = qs.filter(**{person: f.responsible})
        if f.region:
            qs = qs.filter(**{region: f.region})
        if f.client is not None:
            qs = qs.filter(**{client: f.client.pk})
        return qs

    calls = narrow(
        Interaction.objects.visible_to(user).filter(kind__in=CALL_KINDS, occurred_at__gte=start, occurred_at__lt=end),
        "author",
        "client__region",
    )
    deals = narrow(
        Deal.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end), "responsible", "client__region"
    )
    if f.scenario:
        deals = deals.filter(scenario=f.scenario)
    clients = narrow(
        Client.objects.visible_to(user).filter(created_at__gte=start, created_at__lt=end),
        "responsible",
        "region",
        "pk",
    )
    forgotten = narrow(Client.objects.visible_to(user).forgotten(days=30, now=now), "responsible", "region", "pk")
    invoices = narrow(
        SalesDocument.objects.visible_to(user)
        .effective()
        .filter(kind="invoice", date__gte=start.date(), date__lt=end.date() + dt.timedelta(days=1)),
        "manager",
        "client__region",
    )
    rows: dict[int | None, dict] = {}

    def put(pairs, key):
        for person, value in pairs:
            rows.setdefault(person, {})[key] = value

    put(calls.order_by().values("author_id").annotate(n=Count("pk")).values_list("author_id", "n"), "calls")
    put(deals.order_by().values("responsible_id").annotate(n=Count("pk")).values_list("responsible_id", "n"), "deals")
    put(
        clients.order_by().values("responsible_id").annotate(n=Count("pk")).values_list("responsible_id", "n"),
        "clients",
    )
    put(
        forgotten.order_by().values("responsible_id").annotate(n=Count("pk")).values_list("responsible_id", "n"),
        "forgotten",
    )
    inv = invoices.order_by().values("manager_id").annotate(n=Count("pk"), s=Sum("total"))
    put(((r["manager_id"], r["n"]) for r in inv), "invoices")
    put(((r["manager_id"], r["s"]) for r in inv), "invoiced")
    people = {u.pk: u for u in User.objects.filter(pk__in=[k for k in rows if k])}
    table = []
    for pk, values in rows.items():
        calls_n = values.get("calls", 0)
        table.append(
            {
                "user": people.get(pk),
                "calls": calls_n,
                "calls_per_day": round(calls_n / days, 1),
                "calls_per_week": round(calls_n * 7 / days, 1),
                "deals": values.get("deals", 0),
                "clients": values.get("clients", 0),
                "forgotten": values.get("forgotten", 0),
                "invoices": values.get("invoices", 0),
                "invoiced": values.get("invoiced") or Decimal(0),
            }
        )
    table.sort(key=lambda r: (r["user"] is None, str(r["user"] or "")))
    return {"rows": table, "days": days, "start": start, "end": end}
