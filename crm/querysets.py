"""Chainable reads of the core models. `ClientQuerySet.visible_to` is the one access rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    from crm.models import Client, User

# Later apps widen an engineer's scope (e.g. clients whose equipment they service) by
# registering a function that returns a queryset of client ids for the user.
_engineer_scopes: list[Callable[[User], models.QuerySet]] = []


def register_engineer_scope(scope: Callable[[User], models.QuerySet]) -> None:
    """Let a later app add the clients an engineer may see (called from AppConfig.ready)."""
    if scope not in _engineer_scopes:
        _engineer_scopes.append(scope)


@dataclass(frozen=True)
class ClientScope:
    """The clients a user may see, as a union of arms: own clients, clients of regions, listed clients.

    Other models that keep copies of a client's region and responsible (equipment) filter on
    their own columns with :meth:`q`, so the rule stays here while their queries avoid a join.
    """

    responsible_id: int | None = None
    region_ids: tuple[int, ...] = ()
    # A subquery of more region ids (a sales head's managed regions), when not resolved to a list.
    more_region_ids: models.QuerySet | None = None
    # Subqueries (or lists) of client ids: an engineer's clients of their tasks and of each registered scope.
    client_ids: tuple[models.QuerySet | list[int], ...] = ()

    def q(self, *, pk: str = "pk", region: str = "region_id", responsible: str = "responsible_id") -> Q:
        """Return the filter over the given columns: client id, client's region, client's responsible."""
        arms = []
        if self.responsible_id is not None:
            arms.append(Q(**{responsible: self.responsible_id}))
        if len(self.region_ids) == 1:
            arms.append(Q(**{region: self.region_ids[0]}))
        elif self.region_ids:
            arms.append(Q(**{f"{region}__in": self.region_ids}))
        if self.more_region_ids is not None:
            arms.append(Q(**{f"{region}__in": self.more_region_ids}))
        # A list of ids known in Python travels as one array parameter (crm.db.AnyOf).
        arms.extend(Q(**{f"{pk}__{'any_of' if isinstance(ids, list) else 'in'}": ids}) for ids in self.client_ids)
        if not arms:
            return Q(**{f"{pk}__in": []})
        q = arms[0]
        for arm in arms[1:]:
            q |= arm
        return q


def client_scope(user: User, *, resolve: bool = False) -> ClientScope | None:
    """Return the clients `user` may see as a :class:`ClientScope`, or None when they see all.

    With `resolve`, a sales head's regions come as a list of ids (one query) and their own-clients
    arm is left out when every client they own is in those regions (one more query): a model with
    a copy of the client's region then filters on that one indexed column, without an OR.
    """
    if user.is_admin:
        return None
    role = user.role
    if role == "head":
        managed = user.managed_regions.through.objects.filter(user_id=user.pk)
        own = (user.region_id,) if user.region_id else ()
        if not resolve:
            return ClientScope(responsible_id=user.pk, region_ids=own, more_region_ids=managed.values("region_id"))
        from crm.models import Client

        regions = tuple(sorted({*own, *managed.values_list("region_id", flat=True)}))
        owns_elsewhere = Client.objects.filter(responsible_id=user.pk).exclude(region_id__in=regions).exists()
        return ClientScope(responsible_id=user.pk if owns_elsewhere else None, region_ids=regions)
    if role == "engineer":
        from crm.models import Task

        tasks = Task.objects.filter(assignee_id=user.pk, client__isnull=False).values("client_id")
        return ClientScope(client_ids=(tasks, *(scope(user) for scope in _engineer_scopes)))
    return ClientScope(responsible_id=user.pk)


def client_scope_q(user: User, prefix: str = "") -> Q | None:
    """Return the filter of the clients `user` may see, or None when they see all.

    `prefix` lets other models filter through their client relation, e.g. "client__".
    """
    scope = client_scope(user)
    if scope is None:
        return None
    return scope.q(pk=f"{prefix}pk", region=f"{prefix}region_id", responsible=f"{prefix}responsible_id")


def task_assignees_q(client: Client) -> Q:
    """Return the filter of the users who may be given a task on `client`: the access rule read the other way.

    The client's responsible, the sales heads of its region (own or overseen) and the
    administrators see it; any engineer may be sent to it, since a task assigned to an
    engineer brings its client into their scope (see :func:`client_scope`).
    """
    from crm.models import Role, User

    q = Q(is_superuser=True) | Q(role__in=[Role.ADMIN, Role.ENGINEER])
    if client.responsible_id is not None:
        q |= Q(pk=client.responsible_id)
    if client.region_id is not None:
        overseeing = User.managed_regions.through.objects.filter(region_id=client.region_id).values("user_id")
        q |= Q(role=Role.HEAD) & (Q(region_id=client.region_id) | Q(pk__in=overseeing))
    return q


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
        """Tasks `user` may open and act on: those on clients they see, and their own tasks without a client.

        A task on a client follows the client: once the client is handed to another manager,
        its tasks leave the previous manager's reach even where they are still author or
        assignee (`client_transfer` moves the open ones to the new manager).
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        # The scope over the task's client columns: one join, no subquery over the clients table.
        scope = client_scope_q(user, prefix="client__")
        if scope is None:
            return self
        own = Q(client__isnull=True) & (Q(assignee_id=user.pk) | Q(author_id=user.pk))
        return self.filter(scope | own)

    def due_for_reminder(self, now: datetime) -> TaskQuerySet:
        return self.filter(status="open", remind_at__isnull=False, remind_at__lte=now, reminded_at__isnull=True)


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)
