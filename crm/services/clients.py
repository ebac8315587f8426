"""Writes of clients and their contact details: create, update, archive, restore."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm import signals
from crm.models import Client, ClientStatus, Contact, ContactPoint, ContactPointKind, User
from crm.normalize import format_phone, normalize_email, normalize_phone

# Fields a form may set on a client; everything else is kept by the system.
CLIENT_FIELDS = (
    "kind",
    "name",
    "short_name",
    "inn",
    "kpp",
    "legal_form",
    "region",
    "segment",
    "source",
    "responsible",
    "status",
    "website",
    "legal_address",
    "actual_address",
    "notes",
)


def contact_point_normalize(kind: str, value: str) -> str:
    """Return the normalized form of a phone (E.164) or email; raise ValidationError when it is not one."""
    value = (value or "").strip()
    if kind == ContactPointKind.PHONE:
        normalized = normalize_phone(value)
        if not normalized:
            raise ValidationError(_("%(value)s is not a valid phone number."), params={"value": value}, code="phone")
        return normalized
    if kind == ContactPointKind.EMAIL:
        from django.core.validators import validate_email

        validate_email(value)
        return normalize_email(value)
    raise ValidationError(_("Unknown kind of contact detail."), code="kind")


def contact_points_sync(*, owner: Client | Contact, points: Iterable[dict[str, Any]]) -> None:
    """Make the owner's phones and emails exactly `points` (dicts: id?, kind, value, label, is_primary)."""
    owner_field = "client" if isinstance(owner, Client) else "contact"
    existing = {p.pk: p for p in ContactPoint.objects.filter(**{owner_field: owner})}
    keep: set[int] = set()
    for data in points:
        pk = data.get("id")
        point = existing.get(pk) if pk else None
        if point is None:
            point = ContactPoint(**{owner_field: owner})
        point.kind = data["kind"]
        point.value = data["value"].strip()
        point.normalized = contact_point_normalize(point.kind, point.value)
        if point.kind == ContactPointKind.PHONE:
            # Stored the way people write it (+7 495 123-45-67), so lists show it without parsing.
            point.value = format_phone(point.normalized)
        point.label = data.get("label") or ""
        point.is_primary = bool(data.get("is_primary"))
        point.save()
        keep.add(point.pk)
    for pk, point in existing.items():
        if pk not in keep:
            point.delete()


def _check_can_edit(by: User) -> None:
    if by.is_engineer or not by.has_perm("crm.change_client"):
        raise PermissionDenied(_("You may not change clients."))


def _check_inn_free(inn: str, *, exclude_pk: int | None = None) -> None:
    if not inn:
        return
    other = Client.objects.filter(inn=inn).exclude(pk=exclude_pk).select_related("responsible").first()
    if other is not None:
        raise ValidationError(
            {
                "inn": _("A client with INN %(inn)s already exists: %(name)s (responsible: %(responsible)s).")
                % {"inn": inn, "name": other.display_name, "responsible": other.responsible or _("nobody")}
            },
            code="inn_taken",
        )


def _client_save(client: Client) -> None:
    """Save the client; an INN taken by a concurrent save since the check becomes the same "INN taken" error.

    The savepoint keeps the caller's transaction usable after the unique constraint
    (client_unique_inn) refuses the row.
    """
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        _check_inn_free(client.inn, exclude_pk=client.pk)
        raise


@transaction.atomic
def client_create(*, fields: dict[str, Any], contact_points: Iterable[dict[str, Any]] = (), by: User) -> Client:
    """Create a client with its phones and emails; refuse a second client with the same INN."""
    if not by.has_perm("crm.add_client") or by.is_engineer:
        raise PermissionDenied(_("You may not create clients."))
    data = {k: v for k, v in fields.items() if k in CLIENT_FIELDS}
    client = Client(**data, created_by=by)
    if client.responsible_id is None and by.is_manager:
        client.responsible = by
    if client.region_id is None and client.responsible_id:
        client.region_id = client.responsible.region_id
    _check_inn_free(client.inn)
    with set_actor(by):
        client.full_clean(exclude=["name_key"], validate_constraints=False)
        _client_save(client)
        contact_points_sync(owner=client, points=contact_points)
    transaction.on_commit(lambda: signals.client_created.send(sender=Client, client=client, by=by))
    return client


@transaction.atomic
def client_update(
    *, client: Client, fields: dict[str, Any], contact_points: Iterable[dict[str, Any]] | None = None, by: User
) -> Client:
    """Change a client's details (and, when given, replace its phones and emails); every change is audited."""
    _check_can_edit(by)
    # Compared with the stored row: a form bound to this instance has already changed it in memory.
    attnames = {name: Client._meta.get_field(name).attname for name in CLIENT_FIELDS}
    before = Client.objects.filter(pk=client.pk).values(*attnames.values()).get()
    for key, value in fields.items():
        if key in CLIENT_FIELDS:
            setattr(client, key, value)
    _check_inn_free(client.inn, exclude_pk=client.pk)
    with set_actor(by):
        client.full_clean(exclude=["name_key"], validate_constraints=False)
        _client_save(client)
        if contact_points is not None:
            contact_points_sync(owner=client, points=contact_points)
    changed = {name for name, attname in attnames.items() if getattr(client, attname) != before[attname]}
    if changed:
        transaction.on_commit(lambda: signals.client_changed.send(sender=Client, client=client, fields=changed, by=by))
    return client


@transaction.atomic
def client_archive(*, client: Client, by: User) -> Client:
    """Archive a client instead of deleting it: it leaves the lists, keeps everything."""
    _check_can_edit(by)
    if client.status != ClientStatus.ARCHIVED:
        with set_actor(by):
            client.status = ClientStatus.ARCHIVED
            client.save(update_fields=["status", "updated_at"])
    return client


@transaction.atomic
def client_restore(*, client: Client, by: User) -> Client:
    _check_can_edit(by)
    if client.status == ClientStatus.ARCHIVED:
        with set_actor(by):
            client.status = ClientStatus.ACTIVE
            client.save(update_fields=["status", "updated_at"])
    return client
