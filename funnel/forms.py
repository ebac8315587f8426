"""Forms of the funnel: they validate, the services act."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Client, Contact, Product, Region, User
from funnel.models import (
    Deal,
    DealSource,
    DocumentEvent,
    LossReason,
    RequiredField,
    Scenario,
    Stage,
    StageOutcome,
    StageTrigger,
)
from funnel.querysets import Light


def _bootstrap(form: forms.BaseForm) -> None:
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BoardFilterForm(forms.Form):
    responsible = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Responsible"))
    region = forms.ModelChoiceField(queryset=Region.objects.all(), required=False, label=_("Region"))
    source = forms.ChoiceField(choices=[("", "---------"), *DealSource.choices], required=False, label=_("Source"))
    light = forms.ChoiceField(
        choices=[("", "---------"), (Light.RED, _("Red")), (Light.YELLOW, _("Yellow")), (Light.GREEN, _("Green"))],
        required=False,
        label=_("Light"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True, role__in=["manager", "head"]).order_by("last_name", "username")
        if not user.is_admin:
            people = people.filter(region_id=user.region_id) if user.region_id else people.filter(pk=user.pk)
        self.fields["responsible"].queryset = people
        _bootstrap(self)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}

    def select_options(self) -> list[tuple[forms.BoundField, list[tuple[str, str, bool]]]]:
        """Each filter with its options as (value, label, selected), for a plain template loop.

        The board renders hundreds of managers for an administrator; Django's per-option widget
        templates cost more than the board's queries, so the options are listed here instead.
        """
        result = []
        for bound in self:
            current = bound.value()
            current = "" if current is None else str(current)
            options = [(str(value), str(label), str(value) == current) for value, label in bound.field.choices]
            result.append((bound, options))
        return result


class StageEntryForm(forms.Form):
    """What a stage asks for before a deal enters it: its required fields, and a reason to lose."""

    def __init__(self, *args, deal: Deal, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.deal, self.stage = deal, stage
        required = set(stage.required_fields or [])
        if RequiredField.AMOUNT in required:
            self.fields["amount"] = forms.DecimalField(
                label=_("Amount, RUB"), max_digits=15, decimal_places=2, min_value=0, initial=deal.amount
            )
        if RequiredField.EXPECTED_CLOSE_DATE in required:
            self.fields["expected_close_date"] = forms.DateField(
                label=_("Expected close date"), widget=DateInput(), initial=deal.expected_close_date
            )
        if RequiredField.CONTACT in required:
            self.fields["contact"] = forms.ModelChoiceField(
                queryset=Contact.objects.filter(client_id=deal.client_id), label=_("Contact"), initial=deal.contact_id
            )
        if RequiredField.COMMENT in required:
            self.fields["comment"] = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))
        if stage.outcome == StageOutcome.LOST:
            self.fields["loss_reason"] = forms.ModelChoiceField(
                queryset=LossReason.objects.filter(is_active=True), label=_("Loss reason")
            )
            self.fields["loss_comment"] = forms.CharField(
                label=_("Loss comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
        _bootstrap(self)

    @property
    def needs_input(self) -> bool:
        """Whether the dialog must be shown: a field the deal does not have yet, or a loss reason."""
        if self.stage.outcome == StageOutcome.LOST:
            return True
        return any(getattr(self.deal, name, None) in (None, "") for name in self.fields)


class DealForm(forms.ModelForm):
    class Meta:
        model = Deal
        fields = ["client", "scenario", "title", "contact", "amount", "expected_close_date", "source", "comment"]
        widgets = {"expected_close_date": DateInput(), "comment": forms.Textarea(attrs={"rows": 3})}

    allow_duplicate = forms.BooleanField(label=_("Open it anyway"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user).not_archived()
        self.fields["scenario"].queryset = Scenario.objects.filter(is_archived=False)
        client_id = self.data.get("client") or self.initial.get("client") or getattr(self.instance, "client_id", None)
        self.fields["contact"].queryset = (
            Contact.objects.filter(client_id=client_id) if client_id else Contact.objects.none()
        )
        if self.instance.pk:
            for name in ("client", "scenario"):
                self.fields[name].disabled = True
        _bootstrap(self)


class ScenarioForm(forms.ModelForm):
    class Meta:
        model = Scenario
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class StageForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        choices=RequiredField.choices, required=False, widget=forms.CheckboxSelectMultiple, label=_("Required fields")
    )
    on_event = forms.ChoiceField(choices=[("", "---------"), *DocumentEvent.choices], required=False)

    class Meta:
        model = Stage
        fields = ["name", "target_days", "probability", "outcome", "required_fields", "close_open_tasks", "on_event"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on_event"].label = Stage._meta.get_field("on_event").verbose_name
        _bootstrap(self)


class StageDeleteForm(forms.Form):
    move_to = forms.ModelChoiceField(queryset=Stage.objects.none(), required=False, label=_("Move its deals to"))

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_to"].queryset = stage.scenario.stages.filter(
            is_archived=False, outcome=StageOutcome.OPEN
        ).exclude(pk=stage.pk)
        _bootstrap(self)


class TriggerForm(forms.ModelForm):
    role = forms.ChoiceField(
        choices=[
            ("", "---------"),
            ("head", _("Sales head")),
            ("manager", _("Sales manager")),
            ("engineer", _("Service engineer")),
            ("admin", _("Administrator")),
        ],
        required=False,
        label=_("Role"),
    )

    class Meta:
        model = StageTrigger
        fields = ["title", "assignee_kind", "role", "due_days", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    scenario = forms.ModelChoiceField(
        queryset=Scenario.objects.filter(is_archived=False), required=False, label=_("Scenario")
    )
    responsible = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("Manager"))
    region = forms.ModelChoiceField(queryset=Region.objects.all(), required=False, label=_("Region"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True, role__in=["manager", "head"]).order_by("last_name", "username")
        if not user.is_admin and user.region_id:
            people = people.filter(region_id=user.region_id)
        self.fields["responsible"].queryset = people
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The period starts after it ends."))
        return data


class DealLineForm(forms.Form):
    """A product line: a catalogue product (its name and price are the defaults) or a free-text name."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True),
        required=False,
        label=_("From the catalogue"),
        help_text=_("Type to search by name or SKU."),
    )
    name = forms.CharField(label=_("Product"), max_length=500, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0.001, initial=1)
    price = forms.DecimalField(label=_("Price"), max_digits=15, decimal_places=2, min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The select holds only the chosen product; the search fills in the rest (the catalogue is large).
        chosen = self.data.get(self.add_prefix("product")) or self.initial.get("product")
        chosen = getattr(chosen, "pk", chosen)
        self.fields["product"].widget.choices = [("", "---------")]
        if chosen:
            product = Product.objects.filter(pk=chosen).first() if str(chosen).isdigit() else None
            if product is not None:
                self.fields["product"].widget.choices = [("", "---------"), (product.pk, str(product))]
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("product") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Name the product or pick it from the catalogue."))
        return data


class TransferRequestForm(forms.Form):
    """Name the client by its INN (what the caller gives); the client itself is not visible to the manager."""

    inn = forms.CharField(label=_("Client's INN"), max_length=12)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    def clean_inn(self):
        inn = self.cleaned_data["inn"].strip()
        if not inn.isdigit() or len(inn) not in (10, 12):
            raise forms.ValidationError(_("An INN has 10 or 12 digits."))
        clients = list(Client.objects.filter(inn=inn).exclude(status="archived").select_related("responsible")[:2])
        if not clients:
            raise forms.ValidationError(_("No client with this INN was found."))
        if len(clients) > 1:
            raise forms.ValidationError(_("Several clients have this INN; ask your sales head."))
        self.client = clients[0]
        return inn


class TransferDecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
