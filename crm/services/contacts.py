"""Writes of contact persons: create, update, move to another client, archive, restore."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from crm.access import can_edit_client
from crm.models import Client, Contact, User
from crm.services.clients import contact_points_sync

CONTACT_FIELDS = (
    "last_name",
    "first_name",
    "middle_name",
    "position",
    "birthday",
    "birthday_remind_days",
    "is_decision_maker",
    "notes",
)


def _check_can_edit(by: User, client: Client) -> None:
    if not can_edit_client(by, client) or not by.has_perm("crm.change_contact"):
        raise PermissionDenied(_("You may not change the contacts of this client."))
    if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        raise PermissionDenied(_("You may not change the contacts of this client."))


@transaction.atomic
def contact_create(
    *, client: Client, fields: dict[str, Any], contact_points: Iterable[dict[str, Any]] = (), by: User
) -> Contact:
    _check_can_edit(by, client)
    contact = Contact(client=client, **{k: v for k, v in fields.items() if k in CONTACT_FIELDS})
    with set_actor(by):
        contact.full_clean()
        contact.save()
        contact_points_sync(owner=contact, points=contact_points)
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    fields: dict[str, Any],
    contact_points: Iterable[dict[str, Any]] | None = None,
    by: User,
) -> Contact:
    _check_can_edit(by, contact.client)
    for key, value in fields.items():
        if key in CONTACT_FIELDS:
            setattr(contact, key, value)
    with set_actor(by):
        contact.full_clean()
        contact.save()
        if contact_points is not None:
            contact_points_sync(owner=contact, points=contact_points)
    return contact


@transaction.atomic
def contact_move(*, contact: Contact, to_client: Client, by: User) -> Contact:
    """Move a person to another client (they changed jobs); their interactions and details stay theirs.

    The change of client is audited on the contact. Past interactions keep the client they
    happened with: history is not rewritten.
    """
    _check_can_edit(by, contact.client)
    _check_can_edit(by, to_client)
    if contact.client_id != to_client.pk:
        with set_actor(by):
            contact.client = to_client
            contact.save(update_fields=["client", "updated_at"])
    return contact


@transaction.atomic
def contact_archive(*, contact: Contact, by: User) -> Contact:
    _check_can_edit(by, contact.client)
    if not contact.is_archived:
        with set_actor(by):
            contact.is_archived = True
            contact.save(update_fields=["is_archived", "updated_at"])
    return contact


@transaction.atomic
def contact_restore(*, contact: Contact, by: User) -> Contact:
    _check_can_edit(by, contact.client)
    if contact.is_archived:
        with set_actor(by):
            contact.is_archived = False
            contact.save(update_fields=["is_archived", "updated_at"])
    return contact
