"""Merge of duplicate clients: every record of the merged client moves to the kept one.

The merge walks the relations generically (reverse foreign keys, many-to-many, generic
foreign keys of any installed model), so records that later apps attach to clients
(equipment, deals, tender items…) move too without this module knowing them.
"""

from __future__ import annotations

import json

from auditlog.context import set_actor
from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from crm import signals
from crm.models import Client, ClientStatus, MergeLog, User

# Fields never copied from the merged client to the kept one.
_NOT_FILLED = {"id", "name_key", "status", "created_at", "updated_at", "created_by", "last_interaction_at"}


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _move_reverse_relations(kept: Client, merged: Client, moved: dict[str, int]) -> None:
    for rel in Client._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and rel.is_relation):
            continue
        related = rel.related_model
        if rel.many_to_many:
            _move_m2m(rel, kept, merged, moved)
        elif rel.one_to_many or rel.one_to_one:
            if related._meta.auto_created:
                continue  # a many-to-many through table: handled with its relation
            field_name = rel.field.name
            if rel.one_to_one and related._base_manager.filter(**{field_name: kept}).exists():
                continue  # the kept client has its own; the merged one's stays with the archived client
            count, left = _repoint(related, field_name, kept, merged)
            key = _label(related)
            if count:
                moved[key] = moved.get(key, 0) + count
            if left:
                moved[f"{key}:left_on_merged"] = left


def _repoint(model: type[models.Model], field_name: str, kept: Client, merged: Client) -> tuple[int, int]:
    """Move rows of `model` from `merged` to `kept` in one UPDATE.

    When a unique constraint of a later app forbids some rows (e.g. one record per client and
    period), move the rows one by one and leave the conflicting ones with the archived
    duplicate: nothing is deleted.
    """
    qs = model._base_manager.filter(**{field_name: merged})
    try:
        with transaction.atomic():
            return qs.update(**{field_name: kept}), 0
    except IntegrityError:
        moved = left = 0
        for pk in qs.values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    moved += model._base_manager.filter(pk=pk).update(**{field_name: kept})
            except IntegrityError:
                left += 1
        return moved, left


def _move_m2m(rel, kept: Client, merged: Client, moved: dict[str, int]) -> None:
    """Re-point rows of a many-to-many through table, dropping rows the kept client already has."""
    field = rel.field
    through = field.remote_field.through
    if field.model is Client:  # a forward M2M declared on Client itself
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        client_side, other_side = source, target
    else:
        client_side, other_side = field.m2m_reverse_field_name(), field.m2m_field_name()
    already = through._base_manager.filter(**{client_side: kept}).values(f"{other_side}_id")
    through._base_manager.filter(**{client_side: merged, f"{other_side}_id__in": already}).delete()
    count = through._base_manager.filter(**{client_side: merged}).update(**{client_side: kept})
    if count:
        key = _label(field.model) + "." + field.name
        moved[key] = moved.get(key, 0) + count


def _move_forward_m2m(kept: Client, merged: Client, moved: dict[str, int]) -> None:
    for field in Client._meta.many_to_many:
        rel = field.remote_field
        _move_m2m(rel, kept, merged, moved)


def _move_generic_relations(kept: Client, merged: Client, moved: dict[str, int]) -> None:
    client_ct = ContentType.objects.get_for_model(Client)
    for model in apps.get_models():
        for private in model._meta.private_fields:
            if not isinstance(private, GenericForeignKey):
                continue
            ct_field = model._meta.get_field(private.ct_field)
            fk_field = private.fk_field
            count = model._base_manager.filter(**{ct_field.attname: client_ct.pk, fk_field: merged.pk}).update(
                **{fk_field: kept.pk}
            )
            if count:
                key = f"{_label(model)}.{private.name}"
                moved[key] = moved.get(key, 0) + count


def _fill_empty_fields(kept: Client, merged: Client) -> list[str]:
    filled = []
    for field in Client._meta.concrete_fields:
        if field.name in _NOT_FILLED:
            continue
        kept_value = getattr(kept, field.attname)
        merged_value = getattr(merged, field.attname)
        if kept_value in (None, "") and merged_value not in (None, ""):
            setattr(kept, field.attname, merged_value)
            filled.append(field.name)
    if merged.last_interaction_at and (
        kept.last_interaction_at is None or merged.last_interaction_at > kept.last_interaction_at
    ):
        kept.last_interaction_at = merged.last_interaction_at
        filled.append("last_interaction_at")
    return filled


def client_merge(*, kept: Client, merged: Client, by: User) -> MergeLog:
    """Merge `merged` into `kept`: move every related record, fill `kept`'s empty fields, archive `merged`.

    One transaction; MergeLog holds a snapshot of the merged client and counts of what moved.
    The merged client's INN is cleared (one client per INN) and kept in the snapshot.
    """
    if not by.has_perm("crm.merge_client"):
        raise PermissionDenied(_("Only an administrator may merge clients."))
    if kept.pk == merged.pk:
        raise ValidationError(_("A client cannot be merged into itself."), code="same_client")
    try:
        with transaction.atomic():
            kept = Client.objects.select_for_update().get(pk=kept.pk)
            merged = Client.objects.select_for_update().get(pk=merged.pk)
            if merged.status == ClientStatus.ARCHIVED and MergeLog.objects.filter(merged_client_id=merged.pk).exists():
                raise ValidationError(_("This client has already been merged."), code="already_merged")
            snapshot = json.loads(serializers.serialize("json", [merged]))[0]["fields"]
            moved: dict[str, int] = {}
            _move_reverse_relations(kept, merged, moved)
            _move_forward_m2m(kept, merged, moved)
            _move_generic_relations(kept, merged, moved)
            with set_actor(by):
                merged_inn = merged.inn
                merged.inn = ""
                merged.status = ClientStatus.ARCHIVED
                note = _("Merged into #%(id)s.") % {"id": kept.pk}
                merged.notes = f"{merged.notes}\n{note}".strip()
                merged.save()
                merged.inn = merged_inn  # only for filling: the kept client may take it now
                filled = _fill_empty_fields(kept, merged)
                merged.inn = ""
                kept.save()
            log = MergeLog.objects.create(
                by=by, kept=kept, merged_client_id=merged.pk, merged_snapshot=snapshot, moved=moved
            )
            log.filled_fields = filled
            merged_id = merged.pk
            transaction.on_commit(
                lambda: signals.clients_merged.send(sender=Client, kept=kept, merged_id=merged_id, by=by)
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("The clients could not be merged: %(error)s"), params={"error": str(exc)}, code="merge_failed"
        ) from exc
    return log
