"""Forms of the funnel: they validate, the services act."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Client, Contact, Region, User
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
    name = forms.CharField(label=_("Product"), max_length=500)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0.001, initial=1)
    price = forms.DecimalField(label=_("Price"), max_digits=15, decimal_places=2, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)
