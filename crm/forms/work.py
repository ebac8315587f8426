"""Forms of interactions and tasks."""

from __future__ import annotations

import calendar
import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms.clients import _ClientChoiceMixin
from crm.models import Client, Contact, Importance, Interaction, InteractionKind, Priority, Task, TaskStatus, User
from crm.querysets import task_assignees_q
from crm.services.interactions import ALLOWED_TYPES, FollowUp, attachment_check

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# Follow-up tasks set by a quick choice are due at this local time.
FOLLOW_UP_TIME = dt.time(10, 0)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format=DATETIME_LOCAL)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "form-control", **(attrs or {})}, format="%Y-%m-%d")


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day `months` later (the month's last day if it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


SHIFTS = {
    "1d": (_("In a day"), lambda d: d + dt.timedelta(days=1)),
    "1w": (_("In a week"), lambda d: d + dt.timedelta(weeks=1)),
    "1m": (_("In a month"), lambda d: add_months(d, 1)),
    "3m": (_("In three months"), lambda d: add_months(d, 3)),
    "6m": (_("In six months"), lambda d: add_months(d, 6)),
}


def shifted_due(shift: str, *, now: dt.datetime | None = None, at: dt.time = FOLLOW_UP_TIME) -> dt.datetime:
    """Return the due time of a quick choice: that many days or months from today, at `at` local time."""
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now or timezone.now(), tz).date()
    return dt.datetime.combine(SHIFTS[shift][1](today), at, tzinfo=tz)


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def assignee_queryset(client: Client | None = None, *, also: User | None = None):
    """Active users who may be given a task, on `client` when given (see `task_assignees_q`), and `also`."""
    qs = User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")
    if client is None:
        return qs
    allowed = task_assignees_q(client)
    if also is not None:
        allowed |= Q(pk=also.pk)
    return qs.filter(allowed)


def assignee_error(assignee: User, client: Client) -> str | None:
    """Return why `assignee` cannot be given a task on `client`, or None when they can."""
    if assignee_queryset(client).filter(pk=assignee.pk).exists():
        return None
    return _(
        "%(user)s does not work with %(client)s and would not see this task. "
        "Choose the client's manager, a sales head of its region or an engineer."
    ) % {"user": assignee.display_name, "client": client.display_name}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_TYPES)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class InteractionForm(forms.ModelForm):
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, images, office documents, text, emails (.eml, .msg) or zip archives."),
    )
    follow_up = forms.BooleanField(label=_("Create a follow-up task"), required=False)
    follow_up_title = forms.CharField(label=_("Task"), max_length=255, required=False)
    follow_up_in = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("On a date")), *((key, label) for key, (label, _fn) in SHIFTS.items())],
    )
    follow_up_date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    follow_up_remind_at = forms.DateTimeField(
        label=_("Remind at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty to be reminded when the task is due."),
    )
    follow_up_assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)

    class Meta:
        model = Interaction
        fields = ["kind", "occurred_at", "duration_minutes", "contact", "subject", "text", "importance", "result"]
        widgets = {
            "occurred_at": DateTimeLocalInput(),
            "text": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, client: Client, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self.user = user
        self.fields["contact"].queryset = Contact.objects.filter(client=client, is_archived=False).order_by(
            "last_name", "first_name"
        )
        # Only someone who sees the client can open the follow-up task: the client's people, and the author.
        self.fields["follow_up_assignee"].queryset = assignee_queryset(client, also=user)
        self.fields["kind"].initial = InteractionKind.CALL_OUT
        self.fields["importance"].initial = Importance.NORMAL
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            self.initial.setdefault("follow_up_assignee", user.pk)
            self.initial.setdefault("follow_up_title", _("Call back"))
        _styled(self)

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        errors = []
        for upload in files:
            try:
                attachment_check(upload)
            except forms.ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self):
        data = super().clean()
        if not data.get("follow_up"):
            return data
        if not data.get("follow_up_title"):
            self.add_error("follow_up_title", _("Say what is to be done."))
        shift, day = data.get("follow_up_in"), data.get("follow_up_date")
        if not shift and not day:
            self.add_error("follow_up_date", _("Choose when: a quick choice or a date."))
        return data

    def follow_up_value(self) -> FollowUp | None:
        data = self.cleaned_data
        if not data.get("follow_up"):
            return None
        if data.get("follow_up_in"):
            due_at = shifted_due(data["follow_up_in"])
        else:
            due_at = dt.datetime.combine(data["follow_up_date"], FOLLOW_UP_TIME, tzinfo=timezone.get_current_timezone())
        return FollowUp(
            title=data["follow_up_title"],
            due_at=due_at,
            remind_at=data.get("follow_up_remind_at") or due_at,
            assignee=data.get("follow_up_assignee") or self.user,
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "occurred_at": data["occurred_at"],
            "duration_minutes": data.get("duration_minutes"),
            "contact": data.get("contact"),
            "subject": data.get("subject", ""),
            "text": data.get("text", ""),
            "importance": data["importance"],
            "result": data.get("result", ""),
            "files": data.get("attachments") or [],
            "follow_up": self.follow_up_value(),
        }


class TaskForm(_ClientChoiceMixin, forms.ModelForm):
    class Meta:
        model = Task
        fields = ["title", "text", "assignee", "client", "due_at", "remind_at", "priority"]
        widgets = {
            "due_at": DateTimeLocalInput(),
            "remind_at": DateTimeLocalInput(),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, fixed_client: Client | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fixed_client = fixed_client
        label = self.fields["client"].label
        if fixed_client is not None:
            # The task is set from the client's card: only that client, and only the people who see it.
            self.fields["client"] = forms.ModelChoiceField(
                queryset=Client.objects.filter(pk=fixed_client.pk),
                initial=fixed_client.pk,
                required=False,
                widget=forms.HiddenInput(),
            )
            self.fields["assignee"].queryset = assignee_queryset(fixed_client, also=user)
        else:
            current = self.instance.client_id if self.instance.pk else None
            clients = Client.objects.visible_to(user).filter(~Q(status="archived") | Q(pk=current)).order_by("name")
            # A select of a few hundred clients at most; beyond that, the client's number.
            self.fields["client"] = self.client_field(clients, label)
            self.fields["client"].required = False
            self.fields["assignee"].queryset = assignee_queryset()
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("assignee", user.pk)
            tomorrow = timezone.localdate() + dt.timedelta(days=1)
            self.initial.setdefault(
                "due_at", dt.datetime.combine(tomorrow, FOLLOW_UP_TIME, tzinfo=timezone.get_current_timezone())
            )
        self.fields["priority"].initial = Priority.NORMAL
        _styled(self)

    def clean(self):
        data = super().clean()
        client = self.fixed_client or data.get("client")
        assignee = data.get("assignee")
        checked = not self.instance.pk or {"client", "assignee"} & set(self.changed_data)
        if client is not None and assignee is not None and checked:
            error = assignee_error(assignee, client)
            if error:
                self.add_error("assignee", error)
        return data

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields} | {
            "text": self.cleaned_data.get("text") or ""
        }


class PostponeForm(forms.Form):
    shift = forms.ChoiceField(
        label=_("Postpone"), required=False, choices=[("", "—"), *((k, v[0]) for k, v in SHIFTS.items())]
    )
    due_at = forms.DateTimeField(label=_("New due time"), required=False, widget=DateTimeLocalInput())
    remind_at = forms.DateTimeField(label=_("Remind at"), required=False, widget=DateTimeLocalInput())

    def __init__(self, *args, task: Task | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        _styled(self)

    def clean(self):
        data = super().clean()
        if not data.get("shift") and not data.get("due_at"):
            raise forms.ValidationError(_("Choose a new due time."))
        return data

    def new_due_at(self) -> dt.datetime:
        data = self.cleaned_data
        if data.get("due_at"):
            return data["due_at"]
        at = FOLLOW_UP_TIME
        if self.task is not None:
            at = timezone.localtime(self.task.due_at).time().replace(second=0, microsecond=0)
        return shifted_due(data["shift"], at=at)


STATUS_ALL = "all"


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[*TaskStatus.choices, (STATUS_ALL, _("All"))])
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    client = forms.IntegerField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, user: User, assignees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.assignees = {u.pk: u for u in assignees or []}
        choices = [("", _("Me"))]
        if assignees is not None:
            choices += [(STATUS_ALL, _("Everyone"))] + [
                (str(u.pk), u.display_name) for u in assignees if u.pk != user.pk
            ]
        self.fields["assignee"].choices = choices
        _styled(self)

    def params(self) -> dict:
        """Return task_list() arguments; invalid values fall back to the defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or TaskStatus.OPEN
        assignee_value = data.get("assignee") or ""
        params = {
            "status": "" if status == STATUS_ALL else status,
            "anyone": assignee_value == STATUS_ALL,
            "client_id": data.get("client"),
            "assignee": None,
        }
        if assignee_value.isdigit():
            params["assignee"] = self.assignees.get(int(assignee_value))
        return params
