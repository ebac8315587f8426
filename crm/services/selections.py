"""Writes on selections (saved, named filters)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Selection, User
from crm.selections import clean_params, get_source


@transaction.atomic
def selection_create(*, name: str, source: str, params: dict, by: User, is_shared: bool = False) -> Selection:
    """Save a filter of `source` under `name`, owned by `by`."""
    if not by.has_perm("crm.add_selection"):
        raise PermissionDenied
    if get_source(source) is None:
        raise ValidationError({"source": _("Unknown selection source.")})
    selection = Selection(name=name.strip(), owner=by, source=source, params=clean_params(params), is_shared=is_shared)
    selection.full_clean()
    selection.save()
    return selection


@transaction.atomic
def selection_archive(*, selection: Selection, by: User) -> Selection:
    """Archive a selection (its owner or an administrator); nothing is deleted."""
    if selection.owner_id != by.pk and not by.is_admin:
        raise PermissionDenied
    selection.is_archived = True
    selection.save(update_fields=["is_archived", "updated_at"])
    return selection
