"""Chainable reads of the core models. `ClientQuerySet.visible_to` is the one access rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from crm.models import User

# Later apps widen an engineer's scope (e.g. clients whose equipment they service) by
# registering a function that returns a queryset of client ids for the user.
_engineer_scopes: list[Callable[[User], models.QuerySet]] = []


def register_engineer_scope(scope: Callable[[User], models.QuerySet]) -> None:
    """Let a later app add the clients an engineer may see (called from AppConfig.ready)."""
    if scope not in _engineer_scopes:
        _engineer_scopes.append(scope)


def client_scope_q(user: User, prefix: str = "") -> Q | None:
    """Return the filter of the clients `user` may see, or None when they see all.

    `prefix` lets other models filter through their client relation, e.g. "client__".
    """
    if user.is_admin:
        return None
    role = user.role
    if role == "head":
        q = Q(**{f"{prefix}responsible_id": user.pk})
        if user.region_id:
            q |= Q(**{f"{prefix}region_id": user.region_id})
        q |= Q(
            **{f"{prefix}region__in": user.managed_regions.through.objects.filter(user_id=user.pk).values("region_id")}
        )
        return q
    if role == "engineer":
        from crm.models import Task

        q = Q(**{f"{prefix}pk__in": Task.objects.filter(assignee_id=user.pk, client__isnull=False).values("client_id")})
        for scope in _engineer_scopes:
            q |= Q(**{f"{prefix}pk__in": scope(user)})
        return q
    return Q(**{f"{prefix}responsible_id": user.pk})


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ClientQuerySet:
        """Clients `user` may see: own (manager), region (head), serviced (engineer), all (admin)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        q = client_scope_q(user)
        return self if q is None else self.filter(q)

    def not_archived(self) -> ClientQuerySet:
        return self.exclude(status="archived")

    def forgotten(self, *, days: int = 90, now: datetime | None = None) -> ClientQuerySet:
        """Clients nobody has interacted with for `days` days (or ever)."""
        since = (now or timezone.now()) - timedelta(days=days)
        return self.not_archived().filter(Q(last_interaction_at__lt=since) | Q(last_interaction_at__isnull=True))

    def editable_by(self, user: User) -> ClientQuerySet:
        """Clients whose card `user` may change (engineers only read them)."""
        if user.is_engineer:
            return self.none()
        return self.visible_to(user)


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ContactQuerySet:
        from crm.models import Client

        return self.filter(client__in=Client.objects.visible_to(user))

    def active(self) -> ContactQuerySet:
        return self.filter(is_archived=False)


class InteractionQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> InteractionQuerySet:
        from crm.models import Client

        return self.filter(client__in=Client.objects.visible_to(user))


class TaskQuerySet(models.QuerySet):
    def open(self) -> TaskQuerySet:
        return self.filter(status="open")

    def visible_to(self, user: User) -> TaskQuerySet:
        """Tasks assigned to or set by `user`, and tasks on clients they may see."""
        if user.is_admin:
            return self
        from crm.models import Client

        return self.filter(
            Q(assignee_id=user.pk) | Q(author_id=user.pk) | Q(client__in=Client.objects.visible_to(user))
        )

    def due_for_reminder(self, now: datetime) -> TaskQuerySet:
        return self.filter(status="open", remind_at__isnull=False, remind_at__lte=now, reminded_at__isnull=True)


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)
