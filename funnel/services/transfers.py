"""Requests of managers to take over a client another manager owns, and their decision."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Client, NotificationKind, Role, User
from crm.services.notifications import notification_create
from crm.services.transfer import client_transfer, transfer_regions_of
from funnel.models import TransferRequest, TransferRequestStatus


def region_heads(client: Client) -> QuerySet[User]:
    """Active sales heads of the client's region (their own region or one they oversee)."""
    if client.region_id is None:
        return User.objects.none()
    return (
        User.objects.filter(role=Role.HEAD, is_active=True)
        .filter(Q(region_id=client.region_id) | Q(managed_regions=client.region_id))
        .distinct()
    )


def transfer_requests_for(user: User) -> QuerySet[TransferRequest]:
    """Requests `user` may decide: of their regions for a head, all for an administrator, none otherwise."""
    qs = TransferRequest.objects.select_related("client", "requested_by", "owner", "decided_by")
    if user.is_admin:
        return qs
    if not user.is_head:
        return qs.none()
    regions = transfer_regions_of(user) or set()
    return qs.filter(client__in=Client.objects.visible_to(user), client__region_id__in=regions)


def can_decide_transfers(user: User) -> bool:
    return user.is_active and (user.is_admin or user.is_head) and user.has_perm("crm.transfer_client")


@transaction.atomic
def transfer_request_create(*, client: Client, by: User, reason: str = "") -> TransferRequest:
    """Ask for `client` to be handed from its owner to `by`; notify the owner and the region's heads.

    Only a manager asks, and only for a client another manager owns; a second pending request
    of the same manager for the same client is refused.
    """
    if not by.is_active or by.role != Role.MANAGER:
        raise PermissionDenied
    client = Client.objects.select_for_update(of=("self",)).select_related("responsible").get(pk=client.pk)
    if client.responsible_id is None:
        raise ValidationError(_("Nobody owns this client; ask your sales head to assign it to you."), code="unowned")
    if client.responsible_id == by.pk:
        raise ValidationError(_("The client is already yours."), code="own")
    if TransferRequest.objects.filter(client=client, requested_by=by, status=TransferRequestStatus.PENDING).exists():
        raise ValidationError(_("You have already asked for this client; wait for the decision."), code="pending")
    try:
        with transaction.atomic():
            request = TransferRequest.objects.create(
                client=client, requested_by=by, owner=client.responsible, reason=reason.strip()
            )
    except IntegrityError as exc:  # a concurrent double click
        raise ValidationError(
            _("You have already asked for this client; wait for the decision."), code="pending"
        ) from exc
    params = {"user": by, "client": client.name}
    text = request.reason
    notification_create(
        recipient=client.responsible,
        kind=NotificationKind.SYSTEM,
        title=_("%(user)s asks for your client %(client)s to be transferred to them") % params,
        text=text,
        dedupe_key=f"transfer-request:{request.pk}:{client.responsible_id}",
    )
    url = reverse("funnel:transfer_requests")
    for head in region_heads(client).exclude(pk=client.responsible_id):
        notification_create(
            recipient=head,
            kind=NotificationKind.SYSTEM,
            title=_("%(user)s asks for the client %(client)s to be transferred to them") % params,
            text=text,
            url=url,
            dedupe_key=f"transfer-request:{request.pk}:{head.pk}",
        )
    return request


def _pending_for(request: TransferRequest, by: User) -> TransferRequest:
    if not can_decide_transfers(by):
        raise PermissionDenied
    locked = transfer_requests_for(by).select_for_update(of=("self",)).filter(pk=request.pk).first()
    if locked is None:
        raise PermissionDenied
    if locked.status != TransferRequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."), code="decided")
    return locked


def _tell_requester(request: TransferRequest, title: str) -> None:
    notification_create(
        recipient=request.requested_by,
        kind=NotificationKind.SYSTEM,
        title=title,
        text=request.decision_comment,
        dedupe_key=f"transfer-request:{request.pk}:decided",
    )


@transaction.atomic
def transfer_request_approve(*, request: TransferRequest, by: User, comment: str = "") -> TransferRequest:
    """Hand the client to the requester through crm's client transfer (which writes the TransferLog)."""
    request = _pending_for(request, by)
    client = Client.objects.get(pk=request.client_id)
    if client.responsible_id != request.owner_id:
        raise ValidationError(
            _("The client has changed hands since the request was made; reject the request."), code="owner_changed"
        )
    if not request.requested_by.is_active:
        raise ValidationError(_("The requesting manager's account is disabled."), code="inactive")
    comment = comment.strip()
    log = client_transfer(
        from_user=request.owner,
        to_user=request.requested_by,
        by=by,
        client_ids=[client.pk],
        comment=comment or _("Transfer request #%(pk)s") % {"pk": request.pk},
    )
    request.status = TransferRequestStatus.APPROVED
    request.decided_by, request.decided_at, request.decision_comment = by, timezone.now(), comment
    request.transfer_log = log
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "transfer_log"])
    # Other managers' pending requests for the same client are moot now.
    TransferRequest.objects.filter(client=client, status=TransferRequestStatus.PENDING).exclude(pk=request.pk).update(
        status=TransferRequestStatus.REJECTED,
        decided_by=by,
        decided_at=request.decided_at,
        decision_comment=_("The client was transferred to another manager."),
    )
    _tell_requester(request, _("The client %(client)s is now yours.") % {"client": client.name})
    return request


@transaction.atomic
def transfer_request_reject(*, request: TransferRequest, by: User, comment: str = "") -> TransferRequest:
    """Refuse the request; the client stays with its owner and the requester is told."""
    request = _pending_for(request, by)
    request.status = TransferRequestStatus.REJECTED
    request.decided_by, request.decided_at, request.decision_comment = by, timezone.now(), comment.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    _tell_requester(
        request, _("Your request for the client %(client)s was rejected.") % {"client": request.client.name}
    )
    return request
