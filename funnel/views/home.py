"""A manager's dashboard: my deals by stage, my tasks and calls today, my shipments against my plan."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import Interaction, SalesDocument, Task
from funnel.models import Deal, DealStatus, SalesPlan
from funnel.querysets import local_day_bounds


@login_required
def manager_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    start, end = local_day_bounds(user)
    month_start = start.date().replace(day=1)
    deals_by_stage = list(
        Deal.objects.filter(responsible=user, status=DealStatus.OPEN, is_archived=False)
        .order_by("scenario__name", "stage__position")
        .values("scenario__name", "stage__name")
        .annotate(n=Count("pk"), s=Sum("amount"))
    )
    tasks_today = list(
        Task.objects.filter(assignee=user, status="open", due_at__lt=end)
        .select_related("client")
        .order_by("due_at")[:50]
    )
    calls_today = Interaction.objects.filter(
        author=user, kind__in=["call_in", "call_out"], occurred_at__gte=start, occurred_at__lt=end
    ).count()
    shipped = SalesDocument.objects.effective().filter(
        manager=user, kind="shipment", date__gte=month_start, date__lte=start.date()
    ).aggregate(s=Sum("total"))["s"] or Decimal(0)
    plan = SalesPlan.objects.filter(user=user, month=month_start).values_list("amount", flat=True).first()
    percent = round(100 * shipped / plan) if plan else None
    return render(
        request,
        "funnel/home.html",
        {
            "deals_by_stage": deals_by_stage,
            "tasks_today": tasks_today,
            "calls_today": calls_today,
            "shipped": shipped,
            "plan": plan,
            "percent": percent,
            "now": start,
        },
    )
