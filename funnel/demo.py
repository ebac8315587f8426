"""Demo data of the funnel: two scenarios with triggers, loss reasons, plans, and a year of deals.

`seed(ctx)` is called by `seed_demo`; `ctx.options["deals"]` sets how many deals (default 600).
The generator `deals_generate` is shared with the benchmark (tests/bench/test_funnel_bench.py).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from crm.models import Client, User
from funnel.models import Deal, LossReason, SalesPlan, Scenario, Stage, StageChange, StageTrigger

LOSS_REASONS = ["Цена", "Выбрали конкурента", "Нет бюджета", "Сроки поставки", "Не отвечает", "Отложили покупку"]
SOURCES = ["call", "email", "website", "telemarketing", "equipment", "tender", "other"]
TOPICS = ["Компрессор", "Станок ЧПУ", "Погрузчик", "Генератор", "Насосная станция", "Сервисный договор", "Запчасти"]

# name, outcome, target days, probability, event, required fields, triggers
WHOLESALE = [
    ("Входящий запрос", "open", 3, 10, "", [], [("Связаться с клиентом и уточнить потребность", 1)]),
    ("Коммерческое предложение", "open", 7, 30, "", ["amount"], [("Отправить КП", 2)]),
    ("Счёт", "open", 5, 50, "invoice_issued", ["amount", "expected_close_date"], [("Проконтролировать оплату", 5)]),
    ("Предоплата 100 %", "open", 10, 80, "fully_paid", [], [("Согласовать дату отгрузки", 2)]),
    ("Отгрузка", "won", None, 100, "shipped", [], []),
    ("Проиграна", "lost", None, 0, "", [], []),
]
SERVICE = [
    ("Заявка на сервис", "open", 2, 20, "", [], [("Назначить выезд инженера", 1)]),
    ("Диагностика", "open", 5, 40, "", [], []),
    ("Договор и счёт", "open", 7, 60, "invoice_issued", ["amount"], [("Проконтролировать подписание", 3)]),
    ("Договор подписан", "won", None, 100, "fully_paid", [], []),
    ("Отказ", "lost", None, 0, "", [], []),
]


def scenarios_create() -> list[tuple[Scenario, list[Stage]]]:
    result = []
    for name, spec in (("Оптовая продажа", WHOLESALE), ("Сервисный контракт", SERVICE)):
        scenario, _ = Scenario.objects.get_or_create(name=name)
        stages = list(scenario.stages.filter(is_archived=False).order_by("position"))
        if not stages:
            for i, (title, outcome, target, prob, event, required, triggers) in enumerate(spec):
                stage = Stage.objects.create(
                    scenario=scenario,
                    name=title,
                    position=i,
                    outcome=outcome,
                    target_days=target,
                    probability=prob,
                    on_event=event,
                    required_fields=required,
                    close_open_tasks=outcome != "open",
                )
                for t_title, days in triggers:
                    StageTrigger.objects.create(stage=stage, title=t_title, due_days=days)
                stages.append(stage)
        result.append((scenario, stages))
    for i, name in enumerate(LOSS_REASONS):
        LossReason.objects.get_or_create(name=name, defaults={"position": i})
    return result


def deals_generate(
    *,
    writer,
    rng: random.Random,
    now: dt.datetime,
    scenarios: list[tuple[Scenario, list[Stage]]],
    owners: list[tuple[int, int]],
    count: int,
    open_share: float = 0.35,
    reasons: list[int],
    batch: int = 20000,
) -> tuple[int, int]:
    """Write `count` deals with their stage history over the past year; return (deals, history rows).

    `owners` are (client id, responsible id) pairs. Open deals sit at every stage in progress, some
    past their target; closed deals are won or lost (with a reason and the stage they were lost at).
    """
    written = changes_written = 0
    while written < count:
        n = min(batch, count - written)
        ids = writer.allocate_ids(Deal, n)
        deals: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for pk in ids:
            scenario, stages = scenarios[0] if rng.random() < 0.7 else scenarios[1]
            open_stages = [s for s in stages if s.outcome == "open"]
            won = next(s for s in stages if s.outcome == "won")
            lost = next(s for s in stages if s.outcome == "lost")
            client_id, responsible_id = owners[rng.randrange(len(owners))]
            roll = rng.random()
            status = "open" if roll < open_share else ("won" if rng.random() < 0.45 else "lost")
            if status == "open":
                path = open_stages[: rng.randrange(len(open_stages)) + 1]
            elif status == "won":
                path = [*open_stages, won]
            else:
                path = [*open_stages[: rng.randrange(len(open_stages)) + 1], lost]
            dwell = [max(0.2, rng.expovariate(1 / ((s.target_days or 3) * 0.9))) for s in path]
            if status == "open":
                # Walk back from now so the current stage started recently (some past their target).
                times = [now - dt.timedelta(days=dwell[-1])]
                for d in reversed(dwell[:-1]):
                    times.insert(0, times[0] - dt.timedelta(days=d))
            else:
                start = now - dt.timedelta(days=rng.uniform(sum(dwell) + 1, 365))
                times = [start]
                for d in dwell[:-1]:
                    times.append(times[-1] + dt.timedelta(days=d))
            amount = Decimal(rng.randrange(20, 5000) * 1000)
            current = path[-1]
            deals.append(
                {
                    "id": pk,
                    "client_id": client_id,
                    "contact_id": None,
                    "scenario_id": scenario.pk,
                    "stage_id": current.pk,
                    "title": f"{rng.choice(TOPICS)} №{pk}",
                    "amount": amount,
                    "expected_close_date": (times[0] + dt.timedelta(days=rng.randrange(20, 120))).date(),
                    "source": rng.choice(SOURCES),
                    "responsible_id": responsible_id,
                    "status": status,
                    "loss_reason_id": rng.choice(reasons) if status == "lost" else None,
                    "loss_comment": "",
                    "comment": "",
                    "lost_from_stage_id": path[-2].pk if status == "lost" else None,
                    "stage_entered_at": times[-1],
                    "stage_deadline_at": times[-1] + dt.timedelta(days=current.target_days)
                    if current.target_days and status == "open"
                    else None,
                    "closed_at": times[-1] if status != "open" else None,
                    "created_by_id": responsible_id,
                    "created_at": times[0],
                    "updated_at": times[-1],
                    "is_archived": False,
                }
            )
            prev = None
            for i, (stage, at) in enumerate(zip(path, times, strict=True)):
                changes.append(
                    {
                        "deal_id": pk,
                        "from_stage_id": prev,
                        "to_stage_id": stage.pk,
                        "by_id": responsible_id,
                        "automatic": False,
                        "event": "",
                        "entered_at": at,
                        "left_at": times[i + 1] if i + 1 < len(times) else None,
                    }
                )
                prev = stage.pk
        writer.insert(Deal, deals)
        writer.insert(StageChange, changes)
        written += n
        changes_written += len(changes)
    return written, changes_written


def seed(ctx) -> None:
    """Create the funnel's demo data unless it is there (idempotent)."""
    with transaction.atomic():
        scenarios = scenarios_create()
        if Deal.objects.exists():
            ctx.log("Funnel: deals are already there.")
            return
        owners = list(
            Client.objects.filter(pk__in=ctx.client_ids, responsible__isnull=False)
            .exclude(responsible__role="engineer")
            .values_list("pk", "responsible_id")
        )
        if not owners:
            return
        reasons = list(LossReason.objects.values_list("pk", flat=True))
        count = ctx.options.get("deals") or 600
        deals, changes = deals_generate(
            writer=ctx.writer,
            rng=ctx.rng,
            now=ctx.now,
            scenarios=scenarios,
            owners=owners,
            count=count,
            reasons=reasons,
        )
        month = ctx.today.replace(day=1)
        managers = User.objects.filter(role__in=["manager", "head"], is_active=True)
        SalesPlan.objects.bulk_create(
            [SalesPlan(user=m, month=month, amount=Decimal(ctx.rng.randrange(3, 15) * 1_000_000)) for m in managers],
            ignore_conflicts=True,
        )
        ctx.log(f"Funnel: {deals} deals with {changes} stage changes in 2 scenarios.")
