"""Monthly shipment plans of managers, set by the sales head."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from funnel.models import SalesPlan


def can_set_plans(by: User, user: User) -> bool:
    if by.is_admin:
        return True
    return by.is_head and by.region_id is not None and user.region_id == by.region_id


@transaction.atomic
def sales_plan_set(*, user: User, month: dt.date, amount: Decimal | None, by: User) -> SalesPlan | None:
    """Set (or with no amount, clear) a manager's plan for the month."""
    if not can_set_plans(by, user):
        raise PermissionDenied
    if amount is not None and amount < 0:
        raise ValidationError({"amount": _("The plan cannot be negative.")})
    month = month.replace(day=1)
    if amount is None:
        SalesPlan.objects.filter(user=user, month=month).delete()
        return None
    plan, _created = SalesPlan.objects.update_or_create(user=user, month=month, defaults={"amount": amount})
    return plan
