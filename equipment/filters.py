"""The equipment journal's filter (also the params of "equipment" selections)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Client
from crm.selectors.clients import search_clients_q
from equipment.models import Equipment, EquipmentSource, EquipmentStatus
from equipment.reference import equipment_type_choices, region_choices

# Journal sort keys -> ORDER BY; every one ends with -id so pages are stable.
SORTS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "-id": ("-id",),
    "client": ("client__name", "-id"),
    "-client": ("-client__name", "-id"),
    "type": ("equipment_type__name", "-id"),
    "-type": ("-equipment_type__name", "-id"),
    "manufacturer": ("manufacturer", "-id"),
    "-manufacturer": ("-manufacturer", "-id"),
    "year": ("production_year", "-id"),
    "-year": ("-production_year", "-id"),
    "maintenance": ("next_maintenance_on", "-id"),
    "-maintenance": ("-next_maintenance_on", "-id"),
    "warranty": ("warranty_until", "-id"),
    "-warranty": ("-warranty_until", "-id"),
    "status": ("status", "-id"),
    "-status": ("-status", "-id"),
}
DEFAULT_SORT = "-id"


def _today() -> dt.date:
    return timezone.localdate()


class EquipmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Serial number or model"))
    # A text box with suggestions (the client's INN, or its name, when picked; the client card links by id).
    client = django_filters.CharFilter(
        method="filter_client",
        label=_("Client (name, INN or id)"),
        widget=forms.TextInput(attrs={"list": "journal-client-options", "autocomplete": "off"}),
    )
    # Choices from a cached reference list, read only when the form is rendered or validated.
    region = django_filters.ChoiceFilter(field_name="client_region", choices=region_choices, label=_("Region"))
    equipment_type = django_filters.ChoiceFilter(choices=equipment_type_choices, label=_("Type"))
    manufacturer = django_filters.CharFilter(field_name="manufacturer", label=_("Manufacturer"))
    source = django_filters.ChoiceFilter(choices=EquipmentSource.choices, label=_("Source"))
    # A text box, not a select: rendering every competitor as an option costs more than the query.
    competitor = django_filters.CharFilter(method="filter_competitor", label=_("Competitor (name, INN or id)"))
    status = django_filters.ChoiceFilter(choices=EquipmentStatus.choices, label=_("Status"))
    production_year = django_filters.NumberFilter(label=_("Production year"))
    warranty_within = django_filters.NumberFilter(
        method="filter_warranty_within", label=_("Warranty ends within, days"), min_value=0, max_value=3650
    )
    maintenance_within = django_filters.NumberFilter(
        method="filter_maintenance_within",
        label=_("Maintenance due within, days (or overdue)"),
        min_value=0,
        max_value=3650,
    )
    maintenance_overdue = django_filters.BooleanFilter(
        method="filter_maintenance_overdue", label=_("Maintenance overdue"), widget=forms.CheckboxInput
    )
    archived = django_filters.BooleanFilter(
        method="filter_archived", label=_("Include archived"), widget=forms.CheckboxInput
    )

    class Meta:
        model = Equipment
        fields: list[str] = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        self.user = user
        super().__init__(data, *args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control form-control-sm")
        # Suggestions while typing a client; the input's own "change" still applies the filter.
        self.form.fields["client"].widget.attrs.update(
            {
                "hx-get": reverse("equipment:client_options"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#journal-client-options",
                "hx-push-url": "false",
            }
        )

    @property
    def qs(self):
        qs = super().qs
        if not self.form.cleaned_data.get("archived"):
            qs = qs.filter(is_archived=False)
        return qs

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(serial_number=value) | Q(model__icontains=value))

    def filter_client(self, queryset, name, value):
        # The queryset already holds only the equipment the user may see: matching clients
        # outside their scope adds no row.
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit() and len(value) not in (10, 12):
            return queryset.filter(client_id=int(value))
        clients = Client.objects.filter(Q(inn=value) if value.isdigit() else search_clients_q(value))
        return queryset.filter(client__in=clients.values("pk"))

    def filter_competitor(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.isdigit() and len(value) not in (10, 12):
            return queryset.filter(competitor_id=int(value))
        competitors = Client.objects.filter(kind="competitor").filter(
            Q(inn=value) | Q(name__icontains=value) | Q(short_name__icontains=value)
        )
        return queryset.filter(competitor__in=competitors.values("pk"))

    def filter_warranty_within(self, queryset, name, value):
        today = _today()
        return queryset.filter(warranty_until__gte=today, warranty_until__lte=today + dt.timedelta(days=int(value)))

    def filter_maintenance_within(self, queryset, name, value):
        return queryset.filter(next_maintenance_on__lte=_today() + dt.timedelta(days=int(value)))

    def filter_maintenance_overdue(self, queryset, name, value):
        return queryset.filter(next_maintenance_on__lt=_today()) if value else queryset

    def filter_archived(self, queryset, name, value):
        return queryset
