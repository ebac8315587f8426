from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class SalesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("xlsx, xls, csv, CommerceML (xml), 1C OData (json, or a zip of the three files)."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file, write nothing"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
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
