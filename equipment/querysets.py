"""Chainable reads of equipment: visibility through the clients' access rule, due dates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from crm.querysets import client_scope

if TYPE_CHECKING:
    from crm.models import User


# Above this many clients an engineer's scope stays a subquery instead of a list of ids.
SCOPE_IDS_LIMIT = 5000


class EquipmentQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> EquipmentQuerySet:
        """Equipment of the clients `user` may see, filtered on the equipment's own columns.

        Each unit keeps a copy of its client's region and responsible manager (see
        equipment.services.client_copies), so the clients' access rule applies here without a
        join: a head's region or a manager's own clients are one indexed column that the journal's
        composite indexes lead with, whatever the filters and the sort.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        scope = client_scope(user, resolve=True)
        if scope is None:
            return self
        if scope.client_ids:
            # An engineer's clients are few: fetch them once (one query) and filter on client_id,
            # whose index also holds the journal's filter columns.
            first, *rest = scope.client_ids
            ids = list(first.union(*rest).values_list("client_id", flat=True)[: SCOPE_IDS_LIMIT + 1])
            if len(ids) <= SCOPE_IDS_LIMIT:
                scope = dataclasses.replace(scope, client_ids=(ids,))
        return self.filter(scope.q(pk="client_id", region="client_region_id", responsible="client_responsible_id"))

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
