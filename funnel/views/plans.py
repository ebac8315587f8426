"""The sales head sets the managers' monthly plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import User
from funnel.models import SalesPlan
from funnel.services.plans import sales_plan_set


def _month(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
@permission_required("funnel.edit_scenario", raise_exception=True)
def plans(request: HttpRequest) -> HttpResponse:
    month = _month(request.GET.get("month") or request.POST.get("month"))
    people = User.objects.filter(is_active=True, role="manager").order_by("last_name", "username")
    if not request.user.is_admin:
        people = people.filter(region_id=request.user.region_id) if request.user.region_id else people.none()
    people = list(people)
    if request.method == "POST":
        errors = []
        for person in people:
            raw = (request.POST.get(f"plan-{person.pk}") or "").replace(" ", "").replace(",", ".")
            try:
                amount = Decimal(raw) if raw else None
                if amount is not None and amount < 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(person)
                continue
        if errors:
            messages.error(
                request,
                _("Plans must be non-negative numbers: %(names)s.") % {"names": ", ".join(str(p) for p in errors)},
            )
        else:
            for person in people:
                raw = (request.POST.get(f"plan-{person.pk}") or "").replace(" ", "").replace(",", ".")
                sales_plan_set(user=person, month=month, amount=Decimal(raw) if raw else None, by=request.user)
            messages.success(request, _("The plans are saved."))
            return redirect(f"{request.path}?month={month:%Y-%m}")
    current = dict(SalesPlan.objects.filter(month=month, user__in=people).values_list("user_id", "amount"))
    rows = [{"user": p, "amount": current.get(p.pk)} for p in people]
    return render(request, "funnel/plans.html", {"rows": rows, "month": month})
