"""My tasks, a task's card, and the actions on a task (htmx buttons that swap the row)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.access import get_client_for
from crm.cards import task_subject
from crm.forms.work import PostponeForm, TaskFilterForm, TaskForm
from crm.models import Client, Task
from crm.selectors.work import (
    GREEN,
    RED,
    YELLOW,
    due_light,
    task_assignee_choices,
    task_detail_queryset,
    user_tz,
)
from crm.selectors.work import (
    task_list as select_tasks,
)
from crm.services.tasks import task_cancel, task_complete, task_create, task_postpone, task_reopen, task_update

PAGE_SIZE = 50  # as the other lists: every row carries its action buttons
ROW_TEMPLATES = {
    "client": "crm/tasks/_client_task_row.html",
    "home": "crm/tasks/_home_task_row.html",
}


def _get_task(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(task_detail_queryset(request.user), pk=pk)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Open tasks of the user (or, for heads and admins, of whom they choose) by overdue, today, later."""
    user = request.user
    assignees = list(task_assignee_choices(user)) if (user.is_head or user.is_admin) else None
    filters = TaskFilterForm(request.GET or None, user=user, assignees=assignees)
    params = filters.params()
    client = None
    if params["client_id"]:
        client = Client.objects.visible_to(user).filter(pk=params["client_id"]).only("pk", "name", "short_name").first()
        if client is None:
            params["client_id"] = -1
    page = Paginator(select_tasks(user=user, **params), PAGE_SIZE).get_page(request.GET.get("page"))
    groups = {RED: [], YELLOW: [], GREEN: [], "": []}
    for task in page.object_list:
        groups[task.light].append(task)
    context = {
        "filters": filters,
        "page": page,
        "filter_client": client,
        "groups": [
            ("overdue", _("Overdue"), groups[RED]),
            ("today", _("Today"), groups[YELLOW]),
            ("upcoming", _("Upcoming"), groups[GREEN]),
            ("closed", _("Done and cancelled"), groups[""]),
        ],
        "show_assignee": params["anyone"] or params["assignee"] not in (None, user),
        "querystring": request.GET.urlencode(),
    }
    template = "crm/tasks/_results.html" if _is_htmx(request) and request.GET.get("partial") else "crm/tasks/list.html"
    return render(request, template, context)


@login_required
def task_create_view(request: HttpRequest) -> HttpResponse:
    client = None
    client_id = request.GET.get("client") or request.POST.get("fixed_client")
    if client_id and str(client_id).isdigit():
        client = get_client_for(request.user, int(client_id))
    if request.method == "POST":
        form = TaskForm(request.POST, user=request.user, fixed_client=client)
        if form.is_valid():
            kwargs = form.service_kwargs()
            if client is not None:
                kwargs["client"] = client
            try:
                task_create(by=request.user, **kwargs)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The task is created."))
                return redirect(client.get_absolute_url() if client is not None else "crm:task_list")
    else:
        form = TaskForm(user=request.user, fixed_client=client)
    return render(request, "crm/tasks/create.html", {"form": form, "client": client})


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A task's card: its fields to edit and its actions."""
    task = _get_task(request, pk)
    if request.method == "POST":
        form = TaskForm(request.POST, instance=task, user=request.user)
        if form.is_valid():
            changed = {name: form.cleaned_data[name] for name in form.changed_data if name in TaskForm.Meta.fields}
            task = _get_task(request, pk)  # the form changed the instance in memory
            try:
                task_update(task=task, by=request.user, **changed)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The task is saved."))
                return redirect(task)
    else:
        form = TaskForm(instance=task, user=request.user)
    task.light = due_light(task.due_at, now=timezone.now(), tz=user_tz(request.user)) if task.is_open else ""
    context = {
        "task": task,
        "form": form,
        "postpone_form": PostponeForm(task=task),
        "subject": task_subject(request, task),
    }
    return render(request, "crm/tasks/detail.html", context)


def _after_action(request: HttpRequest, task: Task) -> HttpResponse:
    if _is_htmx(request):
        task.light = due_light(task.due_at, now=timezone.now(), tz=user_tz(request.user)) if task.is_open else ""
        template = ROW_TEMPLATES.get(request.POST.get("row", ""), "crm/tasks/_row.html")
        return render(request, template, {"task": task, "show_assignee": request.POST.get("show_assignee") == "1"})
    return redirect(request.POST.get("next") if _safe_next(request) else task.get_absolute_url())


def _safe_next(request: HttpRequest) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    next_url = request.POST.get("next")
    return bool(next_url) and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})


@login_required
@require_POST
def task_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = task_complete(task=_get_task(request, pk), by=request.user)
    return _after_action(request, task)


@login_required
@require_POST
def task_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = task_reopen(task=_get_task(request, pk), by=request.user)
    return _after_action(request, task)


@login_required
@require_POST
def task_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = task_cancel(task=_get_task(request, pk), by=request.user)
    return _after_action(request, task)


@login_required
@require_POST
def task_postpone_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = _get_task(request, pk)
    form = PostponeForm(request.POST, task=task)
    if not form.is_valid():
        if _is_htmx(request):
            return HttpResponse(
                " ".join(str(e) for e in form.non_field_errors()), status=400, content_type="text/plain"
            )
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()) or _("Choose a new due time."))
        return redirect(task)
    try:
        task = task_postpone(
            task=task, by=request.user, due_at=form.new_due_at(), remind_at=form.cleaned_data.get("remind_at")
        )
    except ValidationError as exc:
        if _is_htmx(request):
            return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
        messages.error(request, " ".join(exc.messages))
        return redirect(task)
    return _after_action(request, task)
