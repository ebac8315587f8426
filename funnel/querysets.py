"""Chainable reads of deals and the stage history."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone

from crm.querysets import client_scope_q

if TYPE_CHECKING:
    from crm.models import User


class Light(models.TextChoices):
    RED = "red", "red"
    YELLOW = "yellow", "yellow"
    GREEN = "green", "green"


def local_day_bounds(user: User | None, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Return the start of today and of tomorrow in `user`'s time zone, as aware datetimes."""
    now = now or timezone.now()
    try:
        tz = zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or timezone.get_default_timezone_name())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = timezone.get_default_timezone()
    today = now.astimezone(tz).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


class DealQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DealQuerySet:
        """Deals of the clients `user` may see (the one access rule, through the client)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        q = client_scope_q(user, prefix="client__")
        return self if q is None else self.filter(q)

    def open(self) -> DealQuerySet:
        return self.filter(status="open")

    def active(self) -> DealQuerySet:
        return self.filter(is_archived=False)

    def with_light(self, *, user: User | None = None, now: dt.datetime | None = None) -> DealQuerySet:
        """Annotate `light`: red, yellow or green, in `user`'s time zone, without a query per deal.

        Red: an overdue open task of the deal, or the stage's target has run out. Yellow: a task
        due today, or today is the last day of the stage's target. Green otherwise. Closed deals are green.
        """
        now = now or timezone.now()
        _start, end = local_day_bounds(user, now)
        # Uncorrelated subqueries (IN, hashed once by PostgreSQL), not EXISTS per deal.
        overdue = _deal_task_ids(due_at__lt=now)
        due_today = _deal_task_ids(due_at__lt=end)
        return self.annotate(
            light=Case(
                When(~Q(status="open"), then=Value(Light.GREEN)),
                When(Q(stage_deadline_at__lt=now) | Q(pk__in=overdue), then=Value(Light.RED)),
                When(Q(stage_deadline_at__lt=end) | Q(pk__in=due_today), then=Value(Light.YELLOW)),
                default=Value(Light.GREEN),
                output_field=CharField(),
            )
        )

    def with_light_filter(self, light: str, *, user: User | None = None, now=None) -> DealQuerySet:
        """Deals of one light, filtered by a plain condition (index-friendly), not by the annotation."""
        return self.filter(light_q(light, user=user, now=now)) if light in Light.values else self


def _deal_task_ids(**filters):
    from crm.models import Task

    return (
        Task.objects.filter(
            content_type__app_label="funnel", content_type__model="deal", status="open", object_id__isnull=False
        )
        .filter(**filters)
        .values("object_id")
    )


def light_q(light: str, *, user: User | None = None, now: dt.datetime | None = None) -> Q:
    """The condition of one light, the same rules as `DealQuerySet.with_light`."""
    now = now or timezone.now()
    _start, end = local_day_bounds(user, now)
    is_open = Q(status="open")
    red = Q(stage_deadline_at__lt=now) | Q(pk__in=_deal_task_ids(due_at__lt=now))
    yellow = Q(stage_deadline_at__lt=end) | Q(pk__in=_deal_task_ids(due_at__lt=end))
    if light == Light.RED:
        return is_open & red
    if light == Light.YELLOW:
        return is_open & ~red & yellow
    return ~is_open | (~red & ~yellow)


class StageChangeQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> StageChangeQuerySet:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        q = client_scope_q(user, prefix="deal__client__")
        return self if q is None else self.filter(q)
