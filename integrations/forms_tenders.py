"""Forms of the tender import: the upload, the column mapping, the equipment rules."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from integrations.models import EquipmentRule, MappingProfile
from integrations.parsers.tenders import Field

FIELD_LABELS = {
    Field.CUSTOMER_NAME: _("Customer"),
    Field.CUSTOMER_INN: _("Customer INN"),
    Field.SUPPLIER_NAME: _("Winner (supplier)"),
    Field.SUPPLIER_INN: _("Supplier INN"),
    Field.TENDER_NUMBER: _("Tender number"),
    Field.CONTRACT_NUMBER: _("Contract number"),
    Field.LAW: _("Procurement law"),
    Field.PUBLISH_DATE: _("Publication date"),
    Field.CONTRACT_DATE: _("Contract date"),
    Field.ITEM_NAME: _("Item name"),
    Field.OKPD2: _("OKPD2"),
    Field.QUANTITY: _("Quantity"),
    Field.UNIT: _("Unit"),
    Field.UNIT_PRICE: _("Unit price"),
    Field.ITEM_SUM: _("Item sum"),
    Field.CONTRACT_SUM: _("Contract sum"),
    Field.REGION: _("Region"),
}


class TenderUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("xlsx, xls, csv, an XML file of the procurement system's open data, or a zip of them."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "data-testid": "tender-file"}),
    )
    profile = forms.ModelChoiceField(
        label=_("Column mapping profile"),
        queryset=MappingProfile.objects.all(),
        required=False,
        empty_label=_("Detect the columns"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB."), params={"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        if uploaded.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return uploaded


class TenderMappingForm(forms.Form):
    """One select per canonical field: which column of the file holds it."""

    profile_name = forms.CharField(
        label=_("Save this mapping as a profile named"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "data-testid": "profile-name"}),
    )

    def __init__(self, *args, columns: list[tuple[str, str]], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [
            (letter, f"{letter}: {text}" if text else letter) for letter, text in columns
        ]
        for name, label in FIELD_LABELS.items():
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=initial_mapping.get(str(name), ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "data-testid": f"map-{name}"}),
            )
        # Keep the profile name last.
        self.fields["profile_name"] = self.fields.pop("profile_name")

    def mapping_fields(self):
        return [self[f"map_{name}"] for name in FIELD_LABELS]

    def clean(self):
        cleaned = super().clean()
        used: dict[str, str] = {}
        for name in FIELD_LABELS:
            letter = cleaned.get(f"map_{name}")
            if not letter:
                continue
            if letter in used:
                raise forms.ValidationError(
                    _("Column %(column)s is chosen for both “%(first)s” and “%(second)s”."),
                    params={"column": letter, "first": FIELD_LABELS[used[letter]], "second": FIELD_LABELS[name]},
                )
            used[letter] = name
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {
            str(name): self.cleaned_data[f"map_{name}"] for name in FIELD_LABELS if self.cleaned_data.get(f"map_{name}")
        }


class EquipmentRuleForm(forms.ModelForm):
    class Meta:
        model = EquipmentRule
        fields = ["name", "pattern", "okpd2_prefix", "equipment_type", "manufacturer", "priority", "is_active"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "pattern": forms.TextInput(attrs={"class": "form-control"}),
            "okpd2_prefix": forms.TextInput(attrs={"class": "form-control"}),
            "equipment_type": forms.Select(attrs={"class": "form-select"}),
            "manufacturer": forms.TextInput(attrs={"class": "form-control"}),
            "priority": forms.NumberInput(attrs={"class": "form-control"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def clean_pattern(self):
        import re

        pattern = self.cleaned_data["pattern"]
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise forms.ValidationError(
                    _("This is not a valid regular expression: %(error)s"), params={"error": exc}
                ) from exc
        return pattern

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("pattern") and not cleaned.get("okpd2_prefix"):
            raise forms.ValidationError(_("Give a name pattern, an OKPD2 prefix, or both."))
        return cleaned
