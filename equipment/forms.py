"""Forms of the equipment pages: the one-minute phone form, the full edit form, visits, photos."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Client, ClientKind, ClientStatus, Contact, Product, User
from crm.validators import validate_inn
from equipment.models import Equipment, EquipmentComponent, EquipmentType, ServiceVisit, VisitKind
from equipment.validators import PHOTO_EXTENSIONS, validate_photo

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def clean_production_year(year: int | None) -> int | None:
    if year is not None and year > timezone.localdate().year:
        raise ValidationError(_("The production year cannot be in the future."), code="future_year")
    return year


class PhotoField(forms.ImageField):
    default_validators = [validate_photo]

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={"accept": ",".join(f".{ext}" for ext in PHOTO_EXTENSIONS) + ",image/*", "capture": "environment"}
            ),
        )
        super().__init__(**kwargs)


def competitor_choices(*, keep: int | None = None):
    """Every competitor that is not archived (and `keep`, the one a unit already names).

    Competitors are reference data: whoever logs equipment may name any of them, whatever
    clients they may see; no other kind of client is offered.
    """
    q = Q(kind=ClientKind.COMPETITOR) & ~Q(status=ClientStatus.ARCHIVED)
    if keep:
        q |= Q(pk=keep, kind=ClientKind.COMPETITOR)
    return Client.objects.filter(q).order_by("name")


class QuickEquipmentForm(forms.Form):
    """What an engineer types on site in under a minute; the competitor may be created inline."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the client."), "invalid_choice": _("Choose the client.")},
    )
    equipment_type = forms.ModelChoiceField(
        queryset=EquipmentType.objects.filter(is_active=True), label=_("Type"), empty_label=_("Choose the type")
    )
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    model = forms.CharField(label=_("Model"), max_length=200, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    production_year = forms.IntegerField(label=_("Production year"), required=False, min_value=1900)
    competitor = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, label=_("Competitor (who sold it)")
    )
    competitor_name = forms.CharField(label=_("…or a new competitor: name"), max_length=500, required=False)
    competitor_inn = forms.CharField(label=_("New competitor's INN"), max_length=12, required=False)
    photo = PhotoField(label=_("Photo"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["client"].queryset = Client.objects.visible_to(user).not_archived()
        self.fields["competitor"].queryset = competitor_choices()
        _style(self)
        self.fields["production_year"].widget.attrs.update({"inputmode": "numeric", "max": timezone.localdate().year})
        self.fields["competitor_inn"].widget.attrs["inputmode"] = "numeric"

    def clean_production_year(self):
        return clean_production_year(self.cleaned_data.get("production_year"))

    def clean_competitor_inn(self):
        inn = (self.cleaned_data.get("competitor_inn") or "").strip()
        if inn:
            validate_inn(inn)
        return inn

    def clean(self):
        data = super().clean()
        inn = data.get("competitor_inn")
        new_competitor = inn and not data.get("competitor_name") and not data.get("competitor")
        # A client of another kind with this INN is refused by the service, with its own message.
        if new_competitor and not Client.objects.filter(inn=inn).exists():
            self.add_error("competitor_name", _("Enter the new competitor's name."))
        return data


class EquipmentForm(forms.ModelForm):
    """The full card of a unit, edited by engineers and administrators."""

    class Meta:
        model = Equipment
        fields = [
            "equipment_type",
            "manufacturer",
            "model",
            "serial_number",
            "production_year",
            "source",
            "competitor",
            "source_note",
            "location",
            "commissioned_on",
            "warranty_until",
            "last_maintenance_on",
            "next_maintenance_on",
            "last_repair_on",
            "end_of_life_on",
            "status",
            "service_responsible",
            "contacts",
            "notes",
        ]
        widgets = {
            "commissioned_on": DATE_INPUT,
            "warranty_until": DATE_INPUT,
            "last_maintenance_on": DATE_INPUT,
            "next_maintenance_on": DATE_INPUT,
            "last_repair_on": DATE_INPUT,
            "end_of_life_on": DATE_INPUT,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competitor"].queryset = competitor_choices(keep=self.instance.competitor_id)
        self.fields["service_responsible"].queryset = User.objects.filter(is_active=True, role="engineer")
        client_id = self.instance.client_id
        self.fields["contacts"].queryset = Contact.objects.filter(client_id=client_id, is_archived=False)
        self.fields["contacts"].required = False
        self.fields["contacts"].error_messages["invalid_choice"] = _(
            "Choose contact persons of this unit's client only."
        )
        _style(self)

    def clean_production_year(self):
        return clean_production_year(self.cleaned_data.get("production_year"))


class ComponentForm(forms.ModelForm):
    """One component of a unit: a name or a catalogue product, and its own serial number."""

    class Meta:
        model = EquipmentComponent
        fields = ["name", "product", "serial_number"]

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products if products is not None else Product.objects.none()
        self.fields["product"].required = False
        self.fields["name"].required = False
        _style(self)

    def clean(self):
        data = super().clean()
        if self.has_changed() and not data.get("DELETE") and not data.get("name") and not data.get("product"):
            raise ValidationError(_("Enter the component's name or choose its product."))
        return data


class BaseComponentFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One list of products for every row (the parts and accessories a unit is built from).
        self._products = Product.objects.filter(
            kind__in=["equipment", "accessory", "spare_part", "consumable"]
        ).order_by("name")

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "products": self._products}

    def changes(self) -> tuple[list, list]:
        """(rows to save as (component or None, fields), components to remove) of a valid formset."""
        rows, removed = [], []
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue
            if self.can_delete and self._should_delete_form(form):
                if form.instance.pk is not None:
                    removed.append(form.instance)
                continue
            if form.has_changed():
                fields = {
                    name: form.cleaned_data.get(name) or ("" if name != "product" else None)
                    for name in ComponentForm.Meta.fields
                }
                rows.append((form.instance if form.instance.pk else None, fields))
        return rows, removed


ComponentFormSet = forms.inlineformset_factory(
    Equipment,
    EquipmentComponent,
    form=ComponentForm,
    formset=BaseComponentFormSet,
    fields=ComponentForm.Meta.fields,
    extra=2,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


class ServiceVisitForm(forms.ModelForm):
    class Meta:
        model = ServiceVisit
        fields = ["date", "kind", "findings", "parts_replaced"]
        widgets = {
            "date": DATE_INPUT,
            "findings": forms.Textarea(attrs={"rows": 3}),
            "parts_replaced": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = VisitKind.choices
        self.fields["date"].initial = timezone.localdate()
        _style(self)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate() + dt.timedelta(days=1):
            raise ValidationError(_("A visit cannot be recorded in the future."), code="future_date")
        return date


class PhotoForm(forms.Form):
    photo = PhotoField(label=_("Photo"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class SaveSelectionForm(forms.Form):
    name = forms.CharField(label=_("Selection name"), max_length=200)
    is_shared = forms.BooleanField(label=_("Share with colleagues"), required=False)
