"""Reads of interactions, tasks and notifications, with their joins.

The traffic light of a due date lives here, in one place: `due_light` for one value and
`due_light_case` for a queryset annotation. Other apps (the sales funnel) reuse both.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.utils import timezone

from crm.models import Attachment, Client, Interaction, Notification, Task, TaskStatus, User

if TYPE_CHECKING:
    from django.db.models import Expression

RED = "red"
YELLOW = "yellow"
GREEN = "green"


def user_tz(user: User | None) -> dt.tzinfo:
    """Return the time zone of `user` (the site's one when unknown)."""
    name = getattr(user, "time_zone", "") or ""
    try:
        return ZoneInfo(name) if name else timezone.get_default_timezone()
    except (ValueError, KeyError):
        return timezone.get_default_timezone()


def day_bounds(*, now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Return the start of today and of tomorrow in `tz`, as aware datetimes."""
    today = timezone.localtime(now, tz).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def due_light(due_at: dt.datetime | None, *, now: dt.datetime, tz: dt.tzinfo) -> str:
    """Return the light of a due time: red when past, yellow later today (in `tz`), green after."""
    if due_at is None:
        return ""
    _start, end = day_bounds(now=now, tz=tz)
    if due_at < now:
        return RED
    if due_at < end:
        return YELLOW
    return GREEN


def due_light_case(field: str = "due_at", *, now: dt.datetime, tz: dt.tzinfo, active: Q | None = None) -> Expression:
    """Return a CASE expression with the light of `field`; "" where `active` (if given) does not hold."""
    _start, end = day_bounds(now=now, tz=tz)
    base = active if active is not None else Q()
    return Case(
        When(base & Q(**{f"{field}__lt": now}), then=Value(RED)),
        When(base & Q(**{f"{field}__lt": end}), then=Value(YELLOW)),
        When(base & Q(**{f"{field}__isnull": False}), then=Value(GREEN)),
        default=Value(""),
        output_field=CharField(),
    )


def task_with_light(qs: QuerySet[Task], *, now: dt.datetime, tz: dt.tzinfo) -> QuerySet[Task]:
    """Annotate `light` on tasks: only open tasks have one."""
    return qs.annotate(light=due_light_case("due_at", now=now, tz=tz, active=Q(status=TaskStatus.OPEN)))


def task_list(
    *,
    user: User,
    status: str = TaskStatus.OPEN,
    assignee: User | None = None,
    anyone: bool = False,
    client_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Task]:
    """Tasks `user` may see for the "My tasks" page, with their light and joins, by due time."""
    now = now or timezone.now()
    qs = Task.objects.visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if not anyone:
        qs = qs.filter(assignee=assignee or user)
    if client_id:
        qs = qs.filter(client_id=client_id)
    qs = qs.select_related("client", "assignee")
    order = ("due_at", "pk") if status == TaskStatus.OPEN else ("-due_at", "-pk")
    return task_with_light(qs, now=now, tz=user_tz(user)).order_by(*order)


def task_assignee_choices(user: User) -> QuerySet[User]:
    """Users whose tasks `user` may filter by: a head's regions, everyone for an admin."""
    qs = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    if user.is_admin:
        return qs
    if user.is_head:
        regions = Q(region_id=user.region_id) | Q(region__in=user.managed_regions.all())
        return qs.filter(regions | Q(pk=user.pk))
    return qs.filter(pk=user.pk)


def task_detail_queryset(user: User) -> QuerySet[Task]:
    """Tasks `user` may open or act on (see `TaskQuerySet.visible_to`)."""
    return Task.objects.visible_to(user).select_related("client", "assignee", "author", "interaction")


def client_open_tasks(*, client: Client, user: User, now: dt.datetime | None = None) -> list[Task]:
    """Open tasks of a client for its card (the card has already checked `client` is visible)."""
    tasks = list(Task.objects.filter(client=client).open().select_related("assignee").order_by("due_at", "pk")[:50])
    # A card has a few open tasks: their lights are computed here rather than as a CASE in SQL.
    now, tz = now or timezone.now(), user_tz(user)
    for task in tasks:
        task.light = due_light(task.due_at, now=now, tz=tz)
    return tasks


def home_tasks(*, user: User, now: dt.datetime | None = None, limit: int = 20) -> list[Task]:
    """Open tasks of `user` due today or overdue (in their time zone)."""
    now = now or timezone.now()
    tz = user_tz(user)
    _start, end = day_bounds(now=now, tz=tz)
    qs = Task.objects.visible_to(user).filter(assignee=user, status=TaskStatus.OPEN, due_at__lt=end)
    qs = qs.select_related("client")
    return list(task_with_light(qs, now=now, tz=tz).order_by("due_at", "pk")[:limit])


def home_interactions(*, user: User, limit: int = 10) -> list[Interaction]:
    """The latest interactions `user` logged, on clients they still see."""
    qs = Interaction.objects.visible_to(user).filter(author=user).select_related("client", "contact")
    return list(qs.order_by("-occurred_at", "-pk")[:limit])


def attachment_for(user: User, pk: int) -> Attachment:
    """Return an attachment whose client `user` may see, else raise Http404."""
    from django.shortcuts import get_object_or_404

    qs = Attachment.objects.filter(interaction__client__in=Client.objects.visible_to(user))
    return get_object_or_404(qs, pk=pk)


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
