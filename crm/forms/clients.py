"""Forms of clients, contact persons, their phones and emails, merge, transfer and the forgotten list."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Client,
    ClientStatus,
    Contact,
    ContactPoint,
    ContactPointKind,
    Region,
    Segment,
    SourceChannel,
    User,
)
from crm.services.clients import CLIENT_FIELDS, contact_point_normalize
from crm.services.contacts import CONTACT_FIELDS
from crm.services.transfer import transfer_candidates

# A select of clients is offered only up to this many; beyond it the form asks for the client's number.
MAX_CLIENT_CHOICES = 300


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ClientForm(forms.ModelForm):
    confirm_duplicates = forms.BooleanField(
        label=_("It is not a duplicate: save anyway"),
        required=False,
    )

    class Meta:
        model = Client
        fields = list(CLIENT_FIELDS)
        widgets = {
            "legal_address": forms.Textarea(attrs={"rows": 2}),
            "actual_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = Region.objects.order_by("name")
        self.fields["segment"].queryset = Segment.objects.filter(is_active=True).order_by("name")
        self.fields["source"].queryset = SourceChannel.objects.filter(is_active=True).order_by("name")
        if user.is_admin:
            responsible = User.objects.filter(is_active=True)
        elif user.is_head:
            responsible = transfer_candidates(user)
        else:
            responsible = User.objects.filter(pk=user.pk)
        self.fields["responsible"].queryset = responsible.order_by("last_name", "first_name")
        self.fields["responsible"].required = user.is_manager
        if user.is_manager:
            self.fields["responsible"].initial = user.pk
            self.fields["responsible"].empty_label = None
        if not self.instance.pk:
            self.fields["region"].initial = user.region_id
        self.fields["status"].choices = (
            [c for c in ClientStatus.choices if c[0] != ClientStatus.ARCHIVED]
            if (not self.instance.pk or not self.instance.is_archived)
            else ClientStatus.choices
        )
        self.fields["inn"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        _bootstrap(self)

    def clean_inn(self) -> str:
        inn = (self.cleaned_data.get("inn") or "").strip().replace(" ", "")
        if inn:
            other = Client.objects.filter(inn=inn).exclude(pk=self.instance.pk).select_related("responsible").first()
            if other is not None:
                raise ValidationError(
                    _("A client with INN %(inn)s already exists: %(name)s (responsible: %(responsible)s)."),
                    params={
                        "inn": inn,
                        "name": other.display_name,
                        "responsible": other.responsible or _("nobody"),
                    },
                    code="inn_taken",
                )
        return inn

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise ValidationError(_("Enter the client's name."), code="required")
        return name


class ContactPointForm(forms.ModelForm):
    class Meta:
        model = ContactPoint
        fields = ["kind", "value", "label", "is_primary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = ContactPointKind.PHONE
        self.fields["value"].required = False
        self.fields["label"].widget.attrs["placeholder"] = _("e.g. reception, mobile")
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        value = (data.get("value") or "").strip()
        kind = data.get("kind")
        if value and kind:
            try:
                contact_point_normalize(kind, value)
            except ValidationError as exc:
                self.add_error("value", exc)
        return data

    def has_changed(self) -> bool:
        # An extra row whose value was left empty is not a change, whatever its kind.
        if not self.instance.pk and not (self.data.get(self.add_prefix("value")) or "").strip():
            return False
        return super().has_changed()


ClientPointFormSet = inlineformset_factory(
    Client, ContactPoint, form=ContactPointForm, fk_name="client", extra=2, can_delete=True
)
ContactPointFormSet = inlineformset_factory(
    Contact, ContactPoint, form=ContactPointForm, fk_name="contact", extra=2, can_delete=True
)


def formset_points(formset) -> list[dict]:
    """The phones and emails a valid formset describes, for contact_points_sync (deleted and empty rows left out)."""
    points = []
    for form in formset.forms:
        if not hasattr(form, "cleaned_data") or not form.cleaned_data:
            continue
        if formset.can_delete and formset._should_delete_form(form):
            continue
        value = (form.cleaned_data.get("value") or "").strip()
        if not value:
            continue
        points.append(
            {
                "id": form.instance.pk,
                "kind": form.cleaned_data["kind"],
                "value": value,
                "label": form.cleaned_data.get("label") or "",
                "is_primary": form.cleaned_data.get("is_primary") or False,
            }
        )
    return points


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birthday_remind_days"].max_value = 60
        self.fields["birthday_remind_days"].widget.attrs.update({"min": 0, "max": 60})
        self.fields["birthday_remind_days"].validators.append(_max_60)
        _bootstrap(self)


def _max_60(value: int) -> None:
    if value is not None and value > 60:
        raise ValidationError(_("Remind at most 60 days before the birthday."), code="max")


class _ClientChoiceMixin:
    """A client field: a select when the user may pick among few clients, else the client's number."""

    def client_field(self, queryset, label) -> forms.ModelChoiceField:
        field = forms.ModelChoiceField(queryset=queryset, label=label)
        if queryset.count() > MAX_CLIENT_CHOICES:
            field.widget = forms.NumberInput(attrs={"min": 1})
            field.help_text = _("Enter the client's number (shown in the address of its card).")
        return field


class ContactMoveForm(_ClientChoiceMixin, forms.Form):
    def __init__(self, *args, user: User, contact: Contact, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Client.objects.editable_by(user).not_archived().exclude(pk=contact.client_id).order_by("name")
        self.fields["to_client"] = self.client_field(qs, _("New client"))
        _bootstrap(self)


class MergeForm(forms.Form):
    kept = forms.ModelChoiceField(
        queryset=Client.objects.all(), label=_("Client to keep (number)"), widget=forms.NumberInput(attrs={"min": 1})
    )
    merged = forms.ModelChoiceField(
        queryset=Client.objects.all(),
        label=_("Duplicate to merge into it (number)"),
        widget=forms.NumberInput(attrs={"min": 1}),
    )
    confirm = forms.BooleanField(label=_("I have checked both clients: merge them"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        kept, merged = data.get("kept"), data.get("merged")
        if kept and merged and kept.pk == merged.pk:
            raise ValidationError(_("Choose two different clients."), code="same_client")
        if merged and merged.is_archived and "merged" not in self.errors:
            self.add_error("merged", _("This client is archived; restore it first if it must be merged."))
        return data


class TransferForm(forms.Form):
    from_user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("From manager"))
    to_user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("To manager"))
    all_clients = forms.BooleanField(label=_("All clients of this manager"), required=False)
    clients = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Clients"))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user: User, client_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        candidates = transfer_candidates(user)
        self.fields["from_user"].queryset = candidates
        self.fields["to_user"].queryset = candidates
        self.fields["clients"].choices = list(client_choices)
        self.fields["clients"].widget = forms.CheckboxSelectMultiple()
        _bootstrap(self)
        self.fields["clients"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("to_user") and data["from_user"] == data["to_user"]:
            raise ValidationError(_("Choose two different managers."), code="same_user")
        if not data.get("all_clients") and not data.get("clients") and "clients" not in self.errors:
            raise ValidationError(_("Choose the clients to transfer, or tick “All clients”."), code="no_clients")
        return data


class ForgottenForm(forms.Form):
    days = forms.IntegerField(
        label=_("No interaction for, days"), min_value=1, max_value=3650, initial=90, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


__all__ = [
    "ClientForm",
    "ClientPointFormSet",
    "ContactForm",
    "ContactMoveForm",
    "ContactPointFormSet",
    "ForgottenForm",
    "MergeForm",
    "TransferForm",
    "formset_points",
]
