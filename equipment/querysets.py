"""Chainable reads of equipment: visibility through the clients' access rule, due dates."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from crm.querysets import client_scope_q

if TYPE_CHECKING:
    from crm.models import User


# Above this many clients a manager's or engineer's scope stays a join instead of a list of ids.
SCOPE_IDS_LIMIT = 5000


class EquipmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EquipmentQuerySet:
        """Equipment of the clients `user` may see (one query, no subquery on clients for managers)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_engineer or user.is_manager:
            # Through a join on clients (or, for engineers, a union of subqueries) the planner cannot
            # tell how few rows are in scope: with ORDER BY ... LIMIT it walks a date or id index over
            # the whole table. A manager's or engineer's client ids are few: fetch them once (one
            # indexed query) and filter on the indexed client_id, which it estimates right.
            from crm.models import Client

            ids = list(Client.objects.visible_to(user).values_list("pk", flat=True)[: SCOPE_IDS_LIMIT + 1])
            if len(ids) <= SCOPE_IDS_LIMIT:
                return self.filter(client_id__in=ids)
        q = client_scope_q(user, prefix="client__")
        return self if q is None else self.filter(q)

    def active(self) -> EquipmentQuerySet:
        return self.filter(is_archived=False)

    def working(self) -> EquipmentQuerySet:
        from equipment.models import WORKING_STATUSES

        return self.filter(is_archived=False, status__in=WORKING_STATUSES)

    def maintenance_due(self, *, within: int, today: dt.date) -> EquipmentQuerySet:
        """Planned maintenance overdue or due within `within` days."""
        return self.filter(next_maintenance_on__lte=today + dt.timedelta(days=within))

    def maintenance_overdue(self, *, today: dt.date) -> EquipmentQuerySet:
        return self.filter(next_maintenance_on__lt=today)

    def warranty_ending(self, *, within: int, today: dt.date) -> EquipmentQuerySet:
        """Warranty still running and ending within `within` days."""
        return self.filter(warranty_until__gte=today, warranty_until__lte=today + dt.timedelta(days=within))

    def ours(self) -> EquipmentQuerySet:
        from equipment.models import EquipmentSource

        return self.filter(Q(source=EquipmentSource.SHIPMENT) | Q(product__isnull=False))
