"""Writes on equipment: register, change, archive, photos, service visits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Client, ClientKind, Contact, User
from equipment.dates import add_months, add_years
from equipment.models import (
    Equipment,
    EquipmentComponent,
    EquipmentPhoto,
    EquipmentSource,
    EquipmentStatus,
    EquipmentType,
    ServiceVisit,
    VisitKind,
)
from equipment.services.shipments import default_service_responsibles


def _require(user: User, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def _require_client(user: User, client: Client) -> None:
    if not Client.objects.visible_to(user).filter(pk=client.pk).exists():
        raise PermissionDenied


def _check_competitor(competitor: Client | None) -> None:
    if competitor is not None and competitor.kind != ClientKind.COMPETITOR:
        raise ValidationError({"competitor": _("Only a competitor can be named as the one who sold the unit.")})


def _check_contacts(contacts, client_id: int) -> list[Contact]:
    """The unit's contact persons: people of its own client only."""
    contacts = list(contacts)
    if any(contact.client_id != client_id for contact in contacts):
        raise ValidationError({"contacts": _("Choose contact persons of this unit's client only.")})
    return contacts


def equipment_type_resolve(*, name: str) -> EquipmentType | None:
    """Return the equipment type of this name, creating it on first sight (accounting sends text)."""
    name = (name or "").strip()
    if not name:
        return None
    existing = EquipmentType.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    equipment_type, _created = EquipmentType.objects.get_or_create(name=name[:200])
    return equipment_type


def maintenance_interval(equipment: Equipment) -> int | None:
    """Months between maintenance: the product's, else the equipment type's."""
    product = equipment.product
    months = getattr(product, "maintenance_interval_months", None) if product is not None else None
    return months or equipment.equipment_type.maintenance_interval_months or None


def compute_dates(equipment: Equipment) -> None:
    """Fill the derived dates that are still empty (never overwrite what a person entered)."""
    start = equipment.commissioned_on or equipment.shipped_on
    product = equipment.product
    if start is not None and product is not None:
        warranty = getattr(product, "warranty_months", None)
        if warranty and equipment.warranty_until is None:
            equipment.warranty_until = add_months(start, warranty)
        life = getattr(product, "service_life_years", None)
        if life:
            equipment.end_of_life_on = add_years(start, life)
    interval = maintenance_interval(equipment)
    if interval and equipment.next_maintenance_on is None:
        base = equipment.last_maintenance_on or start
        if base is not None:
            equipment.next_maintenance_on = add_months(base, interval)


def default_service_responsible(client: Client) -> User | None:
    """The engineer who services most of the client's other equipment, else the service
    engineer of the client's region, else none."""
    engineer_id = default_service_responsibles(client_ids=[client.pk]).get(client.pk)
    return User.objects.filter(pk=engineer_id).first() if engineer_id else None


@transaction.atomic
def equipment_create(*, by: User, client: Client, equipment_type: EquipmentType, **fields: Any) -> Equipment:
    """Register a unit of equipment at a client (ours or anyone's) and compute its dates."""
    _require(by, "equipment.add_equipment")
    _require_client(by, client)
    contacts = fields.pop("contacts", None)
    if contacts:
        contacts = _check_contacts(contacts, client.pk)
    _check_competitor(fields.get("competitor"))
    equipment = Equipment(client=client, equipment_type=equipment_type, created_by=by, **fields)
    if equipment.competitor_id and equipment.source in ("", EquipmentSource.MANUAL):
        equipment.source = EquipmentSource.COMPETITOR
    if equipment.service_responsible_id is None:
        equipment.service_responsible = by if by.is_engineer else default_service_responsible(client)
    compute_dates(equipment)
    equipment.full_clean()
    equipment.save()
    if contacts:
        equipment.contacts.set(contacts)
    return equipment


@transaction.atomic
def equipment_update(*, equipment: Equipment, by: User, **fields: Any) -> Equipment:
    """Change equipment fields (audited field by field by django-auditlog).

    `components`, when given, is (rows, removed) for `equipment_components_update`, saved in
    the same transaction.
    """
    _require(by, "equipment.change_equipment")
    _require_client(by, equipment.client)
    contacts = fields.pop("contacts", None)
    if contacts is not None:
        contacts = _check_contacts(contacts, equipment.client_id)
    if "competitor" in fields:
        _check_competitor(fields["competitor"])
    components = fields.pop("components", None)
    for name, value in fields.items():
        setattr(equipment, name, value)
    compute_dates(equipment)
    equipment.full_clean()
    equipment.save()
    if contacts is not None:
        equipment.contacts.set(contacts)
    if components is not None:
        rows, removed = components
        if rows or removed:
            equipment_components_update(equipment=equipment, by=by, rows=rows, removed=removed)
    return equipment


@transaction.atomic
def equipment_components_update(
    *,
    equipment: Equipment,
    by: User,
    rows: list[tuple[EquipmentComponent | None, dict[str, Any]]] = (),
    removed: list[EquipmentComponent] = (),
) -> None:
    """Add, change and remove the components of a unit (each with its own serial number).

    `rows` pairs an existing component (None for a new one) with its fields (name, product,
    serial_number); `removed` are components taken off the unit. Every change, removals
    included, is kept field by field in the audit log.
    """
    _require(by, "equipment.change_equipmentcomponent")
    _require_client(by, equipment.client)
    for component in [*removed, *(c for c, _f in rows if c is not None)]:
        if component.equipment_id != equipment.pk:
            raise PermissionDenied
    for component in removed:
        component.delete()
    for component, fields in rows:
        if component is None:
            _require(by, "equipment.add_equipmentcomponent")
            component = EquipmentComponent(equipment=equipment)
        for name, value in fields.items():
            setattr(component, name, value)
        if not component.name and component.product_id is None:
            raise ValidationError(_("A component needs a name or a product."))
        component.full_clean()
        component.save()


@transaction.atomic
def equipment_archive(*, equipment: Equipment, by: User, archived: bool = True) -> Equipment:
    """Archive (or restore) equipment; nothing is ever deleted."""
    _require(by, "equipment.change_equipment")
    _require_client(by, equipment.client)
    if equipment.is_archived != archived:
        equipment.is_archived = archived
        equipment.save(update_fields=["is_archived", "updated_at"])
    return equipment


@transaction.atomic
def equipment_photo_add(*, equipment: Equipment, image, by: User) -> EquipmentPhoto:
    _require(by, "equipment.add_equipmentphoto")
    _require_client(by, equipment.client)
    photo = EquipmentPhoto(equipment=equipment, image=image, uploaded_by=by)
    photo.full_clean()
    photo.save()
    return photo


@transaction.atomic
def service_visit_add(
    *,
    equipment: Equipment,
    date: dt.date,
    kind: str,
    by: User,
    engineer: User | None = None,
    findings: str = "",
    parts_replaced: str = "",
) -> ServiceVisit:
    """Record a visit and move the equipment's dates accordingly.

    maintenance: last maintenance, and the next one = date + interval;
    repair: last repair; installation: commissioning date, and the warranty end if empty.
    """
    _require(by, "equipment.add_servicevisit")
    _require_client(by, equipment.client)
    if date > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError({"date": _("A visit cannot be recorded in the future.")})
    visit = ServiceVisit(
        equipment=equipment,
        date=date,
        kind=kind,
        engineer=engineer or (by if by.is_engineer else None),
        findings=findings,
        parts_replaced=parts_replaced,
        created_by=by,
    )
    visit.full_clean()
    visit.save()
    equipment = (
        Equipment.objects.select_for_update(of=("self",))
        .select_related("product", "equipment_type")
        .get(pk=equipment.pk)
    )
    if kind == VisitKind.MAINTENANCE:
        if equipment.last_maintenance_on is None or date >= equipment.last_maintenance_on:
            equipment.last_maintenance_on = date
            interval = maintenance_interval(equipment)
            equipment.next_maintenance_on = add_months(date, interval) if interval else None
    elif kind == VisitKind.REPAIR:
        if equipment.last_repair_on is None or date >= equipment.last_repair_on:
            equipment.last_repair_on = date
    elif kind == VisitKind.INSTALLATION:
        equipment.commissioned_on = date
        if equipment.status == EquipmentStatus.DECOMMISSIONED:
            equipment.status = EquipmentStatus.IN_OPERATION
        compute_dates(equipment)
    if equipment.service_responsible_id is None and visit.engineer_id:
        equipment.service_responsible_id = visit.engineer_id
    equipment.save()
    return visit


def competitor_find_or_create(*, name: str, inn: str, by: User) -> Client:
    """Find a competitor by INN (or by name), or create it for the engineer on site.

    Only competitors are matched: an INN that belongs to a customer, a prospect or a partner
    is refused (such a client is neither turned into a competitor nor named as one, and a
    second client with the same INN cannot exist). Engineers may not create clients in
    general; a competitor named on site is a reference record without a responsible
    manager, so it is created here and audited.
    """
    from crm.normalize import name_key

    if inn:
        existing = Client.objects.filter(inn=inn).first()
        if existing is not None and existing.kind != ClientKind.COMPETITOR:
            message = _(
                "INN %(inn)s belongs to a client that is not a competitor. "
                "Check the INN or choose the competitor from the list."
            )
            error = ValidationError(message, code="not_competitor", params={"inn": inn})
            raise ValidationError({"competitor_inn": error})
        if existing is not None:
            return existing
    if name:
        existing = Client.objects.filter(kind=ClientKind.COMPETITOR, name_key=name_key(name)).first()
        if existing is not None:
            return existing
    competitor = Client(kind=ClientKind.COMPETITOR, name=name.strip(), inn=inn, created_by=by)
    competitor.full_clean(exclude=["name_key"], validate_constraints=False)
    competitor.save()
    return competitor


@transaction.atomic
def equipment_log_found(
    *,
    by: User,
    client: Client,
    equipment_type: EquipmentType,
    manufacturer: str = "",
    model: str = "",
    serial_number: str = "",
    production_year: int | None = None,
    competitor: Client | None = None,
    competitor_name: str = "",
    competitor_inn: str = "",
    photo=None,
) -> Equipment:
    """Log equipment an engineer found at a client (source: engineer's visit), with an optional photo."""
    if competitor is None and (competitor_name.strip() or competitor_inn):
        _require(by, "equipment.add_equipment")
        competitor = competitor_find_or_create(name=competitor_name, inn=competitor_inn, by=by)
    equipment = equipment_create(
        by=by,
        client=client,
        equipment_type=equipment_type,
        manufacturer=manufacturer.strip(),
        model=model.strip(),
        serial_number=serial_number.strip(),
        production_year=production_year,
        competitor=competitor,
        source=EquipmentSource.VISIT,
    )
    if photo:
        equipment_photo_add(equipment=equipment, image=photo, by=by)
    return equipment
