"""Daily triggers on equipment dates and on consumable purchases.

Each trigger is one set-based statement: it selects what is due on `date` (catching up
on missed days, at most CATCH_UP_DAYS back) and inserts one task per cause and due date
with INSERT ... SELECT ... ON CONFLICT DO NOTHING against the unique Task.trigger_key, so
re-runs, overlapping runs and missed days never create a second task.

Keys: maint:<equipment>:<planned date>, warranty:<equipment>:<warranty end>,
eol:<equipment>:<end of service life>, consumable:<client>:<product>:<expected purchase date>.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, DateTimeField, F, Max, Min, Q, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Left, NullIf, Trim
from django.utils import timezone, translation
from django.utils.translation import gettext

from crm.db import DaysBetween, DottedDate, PlusDays, RoundedQuotient
from crm.models import Task
from equipment.models import WORKING_STATUSES, Equipment, EquipmentType

# A due date that passed more than this many days ago without a task is not chased any more.
CATCH_UP_DAYS = 60


def _sentence(template: str, **parts) -> Concat | Value:
    """Build a SQL expression from a translated sentence with %(name)s placeholders."""
    pieces = re.split(r"%\((\w+)\)s", template)
    exprs = []
    for i, piece in enumerate(pieces):
        if i % 2:
            exprs.append(parts[piece])
        elif piece:
            exprs.append(Value(piece))
    if len(exprs) == 1:
        return exprs[0]
    return Concat(*exprs, output_field=CharField())


def _equipment_label():
    return Trim(
        Concat(
            F("equipment_type__name"),
            Value(" "),
            F("manufacturer"),
            Value(" "),
            F("model"),
            Value(" "),
            F("serial_number"),
            output_field=CharField(),
        )
    )


def _client_label(prefix: str = "client__"):
    return Coalesce(NullIf(F(f"{prefix}short_name"), Value("")), F(f"{prefix}name"), output_field=CharField())


def _key(prefix: str, *fields: str):
    parts: list = [Value(prefix)]
    for i, field in enumerate(fields):
        if i:
            parts.append(Value(":"))
        parts.append(Cast(F(field), CharField()))
    return Concat(*parts, output_field=CharField())


def insert_tasks(queryset, values: dict) -> int:
    """INSERT INTO crm_task SELECT <values> FROM <queryset> ON CONFLICT DO NOTHING; return rows inserted.

    `values` maps Task attribute names (e.g. "assignee_id") to expressions over `queryset`;
    every other column gets its default, timestamps get now.
    """
    now = timezone.now()
    annotations: dict = {}
    columns: list[str] = []
    for field in Task._meta.concrete_fields:
        if field.primary_key:
            continue
        target = field.target_field if field.is_relation else field
        if field.attname in values:
            expr = values[field.attname]
        elif field.attname in ("created_at", "updated_at"):
            expr = Value(now, output_field=target)
        else:
            expr = Value(field.get_default(), output_field=target)
        annotations[f"t__{field.attname}"] = expr
        columns.append(connection.ops.quote_name(field.column))
    select = queryset.order_by().annotate(**annotations).values(*annotations)
    try:
        sql, params = select.query.sql_with_params()
    except EmptyResultSet:
        # The filter can match nothing (e.g. no equipment types yet): nothing to insert.
        return 0
    table = connection.ops.quote_name(Task._meta.db_table)
    verb = "INSERT OR IGNORE INTO" if connection.vendor == "sqlite" else "INSERT INTO"
    tail = "" if connection.vendor == "sqlite" else " ON CONFLICT DO NOTHING"
    # Table and column names come from the model's metadata; values travel as parameters.
    statement = f"{verb} {table} ({', '.join(columns)}) {sql}{tail}"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A catch-up run joins and sorts hundreds of thousands of rows: let them stay in memory
            # for this one statement rather than spill to disk at the server's small default.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def _by_lead_days(field: str, lead_attr: str, date: dt.date) -> Q:
    """Due on `date`: `field` within [date - catch-up, date + the type's lead days]."""
    leads: dict[int, list[int]] = {}
    for type_id, lead in EquipmentType.objects.values_list("pk", lead_attr):
        leads.setdefault(lead, []).append(type_id)
    q = Q(pk__in=[])
    for lead, type_ids in leads.items():
        q |= Q(equipment_type_id__in=type_ids, **{f"{field}__lte": date + dt.timedelta(days=lead)})
    return q & Q(**{f"{field}__gte": date - dt.timedelta(days=CATCH_UP_DAYS)})


def _working():
    return Equipment.objects.filter(is_archived=False, status__in=WORKING_STATUSES).exclude(client__status="archived")


def morning_of(date: dt.date) -> dt.datetime:
    """9:00 on `date` in the CRM's time zone: when a trigger's task reminds its assignee."""
    return dt.datetime.combine(date, dt.time(9, 0), tzinfo=timezone.get_default_timezone())


def _equipment_values(*, title, key, due_field: str, assignee, date: dt.date) -> dict:
    return {
        # The reminder (a notification, and an email if the user wants them) goes out on the
        # morning of the run that created the task; a re-run creates no task and so no reminder.
        "remind_at": Value(morning_of(date)),
        "title": Left(title, 255),
        "assignee_id": assignee,
        "client_id": F("client_id"),
        "content_type_id": Value(ContentType.objects.get_for_model(Equipment).pk),
        "object_id": F("pk"),
        "due_at": Cast(F(due_field), DateTimeField()),
        "trigger_key": key,
    }


def maintenance_trigger(date: dt.date) -> int:
    """Planned maintenance within the type's lead days: the service person agrees the visit with the client.

    The task links to the unit; its card shows the unit's contact persons as they are when it is opened.
    """
    with translation.override(settings.LANGUAGE_CODE):
        template = gettext("Agree the maintenance visit: %(equipment)s at %(client)s")
    assignee = Case(
        When(service_responsible__is_active=True, then=F("service_responsible_id")),
        When(client__responsible__is_active=True, then=F("client__responsible_id")),
        default=Value(None),
    )
    qs = (
        _working()
        .filter(_by_lead_days("next_maintenance_on", "maintenance_lead_days", date))
        .filter(Q(service_responsible__is_active=True) | Q(client__responsible__is_active=True))
    )
    values = _equipment_values(
        title=_sentence(template, equipment=_equipment_label(), client=_client_label()),
        key=_key("maint:", "pk", "next_maintenance_on"),
        due_field="next_maintenance_on",
        assignee=assignee,
        date=date,
    )
    return insert_tasks(qs, values)


def warranty_trigger(date: dt.date) -> int:
    """Warranty ending within the type's lead days: the manager offers service or a replacement."""
    with translation.override(settings.LANGUAGE_CODE):
        template = gettext("Warranty ends soon: offer service or a replacement for %(equipment)s at %(client)s")
    qs = _working().filter(
        _by_lead_days("warranty_until", "warranty_lead_days", date), client__responsible__is_active=True
    )
    return insert_tasks(
        qs,
        _equipment_values(
            title=_sentence(template, equipment=_equipment_label(), client=_client_label()),
            key=_key("warranty:", "pk", "warranty_until"),
            due_field="warranty_until",
            assignee=F("client__responsible_id"),
            date=date,
        ),
    )


def end_of_life_trigger(date: dt.date) -> int:
    """Expected service life is over: the manager offers a replacement."""
    with translation.override(settings.LANGUAGE_CODE):
        template = gettext("Service life is over: offer a replacement for %(equipment)s at %(client)s")
    qs = _working().filter(
        end_of_life_on__lte=date,
        end_of_life_on__gte=date - dt.timedelta(days=CATCH_UP_DAYS),
        client__responsible__is_active=True,
    )
    return insert_tasks(
        qs,
        _equipment_values(
            title=_sentence(template, equipment=_equipment_label(), client=_client_label()),
            key=_key("eol:", "pk", "end_of_life_on"),
            due_field="end_of_life_on",
            assignee=F("client__responsible_id"),
            date=date,
        ),
    )


def overdue_consumables(date: dt.date):
    """Per client and consumable bought on two days or more: `expected` is the day of the next purchase.

    The usual interval is the mean gap between consecutive purchase days, which telescopes to
    (last - first) / (purchase days - 1): one aggregate, no window. The next purchase is expected
    that many days (rounded half to even, as Python rounds) after the last. Only those expected
    before `date` and at most CATCH_UP_DAYS ago, of clients with an active manager.
    """
    from crm.models import SalesDocumentLine

    purchases = Count("date", distinct=True)
    expected = PlusDays(Max("date"), RoundedQuotient(DaysBetween(Min("date"), Max("date")), purchases - Value(1)))
    return (
        SalesDocumentLine.objects.filter(
            kind="shipment",
            is_effective=True,
            product__kind="consumable",
            quantity__gt=0,
            client__responsible__is_active=True,
        )
        .exclude(client__status="archived")
        .values("client_id", "product_id")
        .order_by()
        .annotate(purchases=purchases)
        .filter(purchases__gte=2)
        .annotate(expected=expected)
        .filter(expected__lt=date, expected__gte=date - dt.timedelta(days=CATCH_UP_DAYS))
    )


def consumables_trigger(date: dt.date) -> int:
    """A consumable the client buys regularly is overdue: the manager calls them."""
    from crm.models import Product

    with translation.override(settings.LANGUAGE_CODE):
        template = gettext("Call about %(product)s: %(client)s usually buys it again by %(date)s")
    due_at = Value(morning_of(date))
    return insert_tasks(
        overdue_consumables(date),
        {
            "title": Left(
                _sentence(
                    template,
                    product=F("product__name"),
                    client=_client_label(),
                    date=DottedDate(F("expected")),
                ),
                255,
            ),
            "assignee_id": F("client__responsible_id"),
            "client_id": F("client_id"),
            "content_type_id": Value(ContentType.objects.get_for_model(Product).pk),
            "object_id": F("product_id"),
            "due_at": due_at,
            "remind_at": due_at,
            "trigger_key": _key("consumable:", "client_id", "product_id", "expected"),
        },
    )


def register() -> None:
    from crm.services.triggers import register_trigger

    register_trigger("equipment_maintenance", maintenance_trigger)
    register_trigger("equipment_warranty", warranty_trigger)
    register_trigger("equipment_end_of_life", end_of_life_trigger)
    register_trigger("consumables", consumables_trigger)
