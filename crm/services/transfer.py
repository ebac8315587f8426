"""Transfer of clients from one manager to another, with their open tasks, in one action."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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
    TransferLog records who, when, from, to, which clients and how many tasks.
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
            ids = list(scope.filter(pk__in=wanted).values_list("pk", flat=True))
            if len(ids) != len(wanted):
                raise ValidationError(
                    _("Some of the chosen clients are not clients of %(user)s or not visible to you."),
                    params={"user": from_user},
                    code="foreign_clients",
                )
        else:
            ids = list(scope.values_list("pk", flat=True))
        if not ids:
            raise ValidationError(_("There are no clients to transfer."), code="empty")
        client_count = Client.objects.filter(pk__in=ids, responsible=from_user).update(responsible=to_user)
        task_count = Task.objects.filter(client_id__in=ids, assignee=from_user, status=TaskStatus.OPEN).update(
            assignee=to_user
        )
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
        transaction.on_commit(
            lambda: signals.clients_transferred.send(
                sender=Client, client_ids=ids, from_user=from_user, to_user=to_user, by=by
            )
        )
    return log
