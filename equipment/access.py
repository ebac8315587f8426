"""Fetch equipment and its photos for a user: out of scope answers 404."""

from django.shortcuts import get_object_or_404

from crm.models import Client, User
from equipment.models import Equipment, EquipmentPhoto


def get_equipment_for(user: User, pk: int, *, queryset=None) -> Equipment:
    """Return the unit if its client is visible to `user` (one query: the pk lookup drives it), else 404."""
    qs = queryset if queryset is not None else Equipment.objects.all()
    return get_object_or_404(qs.filter(client__in=Client.objects.visible_to(user)), pk=pk)


def get_photo_for(user: User, pk: int) -> EquipmentPhoto:
    """Return the photo if `user` may see its unit (the unit's client is visible to them), else 404."""
    qs = EquipmentPhoto.objects.filter(equipment__client__in=Client.objects.visible_to(user))
    return get_object_or_404(qs, pk=pk)
