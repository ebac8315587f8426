"""django-filter FilterSets of the client and contact lists. The URL is the state."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import AbcClass, Client, ClientKind, ClientStatus, Contact
from crm.selectors.clients import reference_lists, search_clients_q, search_contacts_q

STATUS_ALL = "all"
ABC_NONE = "none"


def set_reference_choices(filterset: django_filters.FilterSet, names: dict[str, str]) -> None:
    """Give the filters `names` (filter name: key of the cached reference lists) their choices for this request."""
    refs = reference_lists()
    for name, key in names.items():
        filterset.filters[name].extra["choices"] = [(str(pk), label) for pk, label in refs[key]]


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=ClientKind.choices, label=_("Kind"), empty_label=_("Any kind"))
    # Choices come from the cached reference lists, set per request in __init__.
    region = django_filters.ChoiceFilter(choices=[], label=_("Region"), empty_label=_("Any region"))
    responsible = django_filters.ChoiceFilter(choices=[], label=_("Responsible"), empty_label=_("Anyone"))
    segment = django_filters.ChoiceFilter(choices=[], label=_("Segment"), empty_label=_("Any segment"))
    abc = django_filters.ChoiceFilter(
        choices=[*AbcClass.choices, (ABC_NONE, _("Not classified"))],
        method="filter_abc",
        label=_("ABC class"),
        empty_label=_("Any class"),
    )
    status = django_filters.ChoiceFilter(
        choices=[*ClientStatus.choices, (STATUS_ALL, _("All, including archived"))],
        method="filter_status",
        label=_("Status"),
        empty_label=_("Active and inactive"),
    )
    days = django_filters.NumberFilter(
        method="filter_days", label=_("No interaction for, days"), min_value=1, max_value=3650
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_reference_choices(self, {"region": "regions", "responsible": "users", "segment": "segments"})
        for field in self.form.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)
        self.form.fields["q"].widget.attrs["placeholder"] = _("Name, INN, phone or email")
        self.form.fields["q"].widget.attrs["type"] = "search"

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_clients_q(value)) if value.strip() else queryset

    def filter_abc(self, queryset, name, value):
        return queryset.filter(abc_class="" if value == ABC_NONE else value)

    def filter_status(self, queryset, name, value):
        if value == STATUS_ALL:
            return queryset
        return queryset.filter(status=value)

    def filter_days(self, queryset, name, value):
        since = timezone.now() - timedelta(days=int(value))
        return queryset.filter(Q(last_interaction_at__lt=since) | Q(last_interaction_at__isnull=True))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status=ClientStatus.ARCHIVED)
        return queryset


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    client = django_filters.NumberFilter(field_name="client_id", label=_("Client number"))
    # The client's region and responsible manager; choices from the cached reference lists, as on the clients list.
    region = django_filters.ChoiceFilter(
        field_name="client__region", choices=[], label=_("Region"), empty_label=_("Any region")
    )
    responsible = django_filters.ChoiceFilter(
        field_name="client__responsible", choices=[], label=_("Responsible"), empty_label=_("Anyone")
    )
    decision_maker = django_filters.BooleanFilter(
        field_name="is_decision_maker",
        label=_("Decision makers only"),
        widget=forms.CheckboxInput,
        method="filter_decision_maker",
    )
    birthday_this_month = django_filters.BooleanFilter(
        method="filter_birthday", label=_("Birthday this month"), widget=forms.CheckboxInput
    )
    archived = django_filters.BooleanFilter(method="filter_archived", label=_("Archived"), widget=forms.CheckboxInput)

    class Meta:
        model = Contact
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_reference_choices(self, {"region": "regions", "responsible": "users"})
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        self.form.fields["q"].widget.attrs["placeholder"] = _("Name, phone or email")

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_contacts_q(value)) if value.strip() else queryset

    def filter_decision_maker(self, queryset, name, value):
        return queryset.filter(is_decision_maker=True) if value else queryset

    def filter_birthday(self, queryset, name, value):
        return queryset.filter(birthday__month=timezone.localdate().month) if value else queryset

    def filter_archived(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.filter(is_archived=bool(self.form.cleaned_data.get("archived")))
