"""Cached reference lists of the equipment app: the journal filter's regions and equipment types."""

from __future__ import annotations

from django.core.cache import cache

from crm.models import Region
from equipment.models import EquipmentType

CHOICES_CACHE_KEY = "equipment:journal-choices:v1"
CHOICES_CACHE_SECONDS = 6 * 3600


def journal_filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Return the choices of the journal's region and type filters, cached until a region or type changes."""
    choices = cache.get(CHOICES_CACHE_KEY)
    if choices is None:
        choices = {
            "regions": [(str(pk), name) for pk, name in Region.objects.order_by("name").values_list("pk", "name")],
            "types": [(str(pk), name) for pk, name in EquipmentType.objects.order_by("name").values_list("pk", "name")],
        }
        cache.set(CHOICES_CACHE_KEY, choices, CHOICES_CACHE_SECONDS)
    return choices


def region_choices() -> list[tuple[str, str]]:
    return journal_filter_choices()["regions"]


def equipment_type_choices() -> list[tuple[str, str]]:
    return journal_filter_choices()["types"]


def journal_filter_choices_invalidate(**kwargs) -> None:
    """Forget the cached choices (connected to saves and deletes of regions and types; called after bulk creates)."""
    cache.delete(CHOICES_CACHE_KEY)
