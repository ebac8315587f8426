"""Forms of the sales pages: the analysis/documents filter and the ABC run."""

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import AbcMetric, DocumentKind, ProductKind
from crm.selectors.sales import DIMENSIONS, PERIODS, SalesFilter

_DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
_SELECT = {"class": "form-select form-select-sm"}


class SalesFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=_DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=_DATE)
    # Shipments first: they are what the report counts when nothing is chosen.
    kind = forms.ChoiceField(
        label=_("Documents"),
        choices=[(k, DocumentKind(k).label) for k in ("shipment", "invoice", "payment")],
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    client = forms.IntegerField(required=False, widget=forms.HiddenInput)
    manager = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product_kind = forms.ChoiceField(
        label=_("Product kind"),
        choices=[("", "—"), *ProductKind.choices],
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    equipment_type = forms.CharField(
        label=_("Equipment type"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data

    def to_filter(self) -> SalesFilter:
        """Return the filter; an invalid form falls back to this year so far."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        return SalesFilter(
            date_from=data.get("date_from") or date(today.year, 1, 1),
            date_to=data.get("date_to") or today,
            kind=data.get("kind") or DocumentKind.SHIPMENT,
            client=data.get("client"),
            manager=data.get("manager"),
            product=data.get("product"),
            product_kind=data.get("product_kind") or "",
            equipment_type=data.get("equipment_type") or "",
        )


class SalesAnalysisForm(SalesFilterForm):
    first = forms.ChoiceField(
        label=_("Group by"), choices=list(DIMENSIONS.items()), required=False, widget=forms.Select(attrs=_SELECT)
    )
    second = forms.ChoiceField(
        label=_("then by"),
        choices=[("", "—"), *DIMENSIONS.items()],
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    period = forms.ChoiceField(
        label=_("Period"), choices=list(PERIODS.items()), required=False, widget=forms.Select(attrs=_SELECT)
    )

    def grouping(self) -> tuple[str, str | None, str]:
        data = self.cleaned_data if self.is_valid() else {}
        first = data.get("first") or "product"
        second = data.get("second") if self.is_bound and "second" in self.data else "client"
        return first, (second or None), data.get("period") or "month"


class AbcRunForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=_DATE)
    date_to = forms.DateField(label=_("To"), widget=_DATE)
    metric = forms.ChoiceField(label=_("Measure"), choices=AbcMetric.choices, widget=forms.Select(attrs=_SELECT))
    threshold_a = forms.DecimalField(
        label=_("Class A, %"), min_value=Decimal("0.01"), max_value=100, initial=70, decimal_places=2
    )
    threshold_b = forms.DecimalField(label=_("Class B, %"), min_value=0, max_value=100, initial=20, decimal_places=2)
    threshold_c = forms.DecimalField(label=_("Class C, %"), min_value=0, max_value=100, initial=10, decimal_places=2)

    def clean(self):
        data = super().clean()
        a, b, c = (data.get(f"threshold_{k}") for k in "abc")
        if None not in (a, b, c) and a + b + c != 100:
            raise forms.ValidationError(_("The thresholds of classes A, B and C must add up to 100%."))
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data
