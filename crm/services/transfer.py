"""Transfer of clients from one manager to another, with their open tasks, in one action."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from crm import signals
from crm.models import Client, Role, Task, TaskStatus, TransferLog, User


def transfer_regions_of(user: User) -> set[int] | None:
    """Return the regions whose managers `user` may transfer clients between (None: all)."""
    if user.is_admin:
        return None
    regions = set(user.managed_regions.values_list("pk", flat=True))
    if user.region_id:
        regions.add(user.region_id)
    return regions


def transfer_candidates(by: User):
    """Users `by` may hand clients from or to: managers and heads of their regions (all, for an admin)."""
    qs = User.objects.filter(is_active=True, role__in=[Role.MANAGER, Role.HEAD]).order_by("last_name", "first_name")
    regions = transfer_regions_of(by)
    if regions is not None:
        qs = qs.filter(region_id__in=regions)
    return qs


# How many of a transfer's clients its row in the transfer log names (the rest are counted).
LOG_CLIENTS_SHOWN = 10


def transfer_logs_for(user: User) -> QuerySet[TransferLog]:
    """Transfers `user` may review: between users of their regions (all, for an admin), newest first.

    Each carries `shown_clients`: the first moved clients by name that `user` still sees,
    fetched for the whole page in one query.
    """
    logs = TransferLog.objects.select_related("by", "from_user", "to_user").order_by("-created_at", "-pk")
    regions = transfer_regions_of(user)
    if regions is not None:
        logs = logs.filter(Q(from_user__region_id__in=regions) | Q(to_user__region_id__in=regions))
    shown = Client.objects.visible_to(user).only("pk", "name", "short_name").order_by("name", "pk")
    return logs.prefetch_related(Prefetch("clients", queryset=shown[:LOG_CLIENTS_SHOWN], to_attr="shown_clients"))


def client_transfer(
    *,
    from_user: User,
    to_user: User,
    by: User,
    client_ids: Iterable[int] | None = None,
    comment: str = "",
) -> TransferLog:
    """Hand all (client_ids=None) or the given clients of `from_user` to `to_user`, with their open tasks.

    A sales head moves clients only between users of their regions and only clients they
    see; an administrator moves any. Clients and tasks move with one UPDATE each; the
    TransferLog records who, when, from, to, which clients and how many tasks, and each
    client's and task's field history gets its entry (one bulk insert).
    """
    if not by.has_perm("crm.transfer_client") or not (by.is_admin or by.is_head):
        raise PermissionDenied(_("You may not transfer clients."))
    if from_user.pk == to_user.pk:
        raise ValidationError(_("Choose two different managers."), code="same_user")
    regions = transfer_regions_of(by)
    if regions is not None and (from_user.region_id not in regions or to_user.region_id not in regions):
        raise PermissionDenied(_("You may transfer clients only between managers of your region."))
    if not to_user.is_active:
        raise ValidationError(_("The new manager's account is disabled."), code="inactive")

    with transaction.atomic():
        scope = Client.objects.visible_to(by).filter(responsible=from_user)
        if client_ids is not None:
            wanted = {int(pk) for pk in client_ids}
            scope = scope.filter(pk__in=wanted)
        # Locked, so the names logged below are those of the rows moved.
        clients = list(scope.select_for_update(of=("self",)).values_list("pk", "short_name", "name"))
        if client_ids is not None and len(clients) != len(wanted):
            raise ValidationError(
                _("Some of the chosen clients are not clients of %(user)s or not visible to you."),
                params={"user": from_user},
                code="foreign_clients",
            )
        if not clients:
            raise ValidationError(_("There are no clients to transfer."), code="empty")
        ids = [pk for pk, _short, _name in clients]
        client_count = Client.objects.filter(pk__in=ids, responsible=from_user).update(responsible=to_user)
        open_tasks = Task.objects.filter(client_id__in=ids, assignee=from_user, status=TaskStatus.OPEN)
        tasks = list(open_tasks.select_for_update().values_list("pk", "title"))
        task_count = Task.objects.filter(pk__in=[pk for pk, _title in tasks]).update(assignee=to_user)
        log = TransferLog.objects.create(
            by=by,
            from_user=from_user,
            to_user=to_user,
            client_count=client_count,
            task_count=task_count,
            comment=comment,
        )
        through = TransferLog.clients.through
        through.objects.bulk_create([through(transferlog_id=log.pk, client_id=pk) for pk in ids], batch_size=1000)
        _audit_transfer(log=log, clients=clients, tasks=tasks)
        transaction.on_commit(
            lambda: signals.clients_transferred.send(
                sender=Client, client_ids=ids, from_user=from_user, to_user=to_user, by=by
            )
        )
    return log


def _audit_transfer(*, log: TransferLog, clients: list[tuple[int, str, str]], tasks: list[tuple[int, str]]) -> None:
    """Write the field history of a transfer: each client's new responsible, each task's new assignee.

    The UPDATEs above bypass django-auditlog's signals, so the entries are written here in
    one bulk insert, as auditlog would have written them: the users by name
    (AUDITLOG_USE_FK_STRING_REPRESENTATION), the actor, and the transfer they belong to.
    """
    from auditlog.cid import get_cid
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(Client, Task)
    old, new = str(log.from_user), str(log.to_user)
    common = {
        "action": LogEntry.Action.UPDATE,
        "actor": log.by,
        "actor_email": log.by.email or None,
        "cid": get_cid(),
        "timestamp": log.created_at,
        "additional_data": {"transfer_log": log.pk},
    }

    def entry(model, pk: int, text: str, field: str) -> LogEntry:
        return LogEntry(
            content_type=types[model],
            object_pk=str(pk),
            object_id=pk,
            object_repr=text,
            changes={field: [old, new]},
            **common,
        )

    entries = [entry(Client, pk, short_name or name, "responsible") for pk, short_name, name in clients]
    entries += [entry(Task, pk, title, "assignee") for pk, title in tasks]
    LogEntry.objects.bulk_create(entries, batch_size=1000)
