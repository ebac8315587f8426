"""Client pages: list and export, card with timeline and tabs, create/edit, archive, duplicates, merge,
transfer, forgotten clients."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.access import can_edit_client, get_client_for, get_editable_client_for
from crm.cards import client_tabs, get_client_tab, register_client_tab
from crm.display import Row, choice_labels, date_formatter, pk_url
from crm.filters import ClientFilter
from crm.forms.clients import ClientForm, ClientPointFormSet, ForgottenForm, MergeForm, TransferForm, formset_points
from crm.forms.errors import add_service_errors
from crm.models import Client, MergeLog, Task, User
from crm.selectors.clients import (
    TimelineItem,
    change_rows,
    client_abc_last_change,
    client_card_people,
    client_find_duplicates,
    client_forgotten_queryset,
    client_history_entries,
    client_list_queryset,
    client_timeline,
)
from crm.selectors.work import client_open_tasks
from crm.services.abc import can_run_abc
from crm.services.clients import client_archive, client_create, client_restore, client_update
from crm.services.merge import client_merge
from crm.services.transfer import client_transfer, transfer_logs_for
from crm.tables import CappedPaginator, ClientTable
from crm.views.lists import filtered_list, page_number

PER_PAGE = 50
TIMELINE_PER_PAGE = 20


def _history_context(request: HttpRequest, client: Client) -> dict:
    entries = list(client_history_entries(client)[:200])
    return {"entries": list(zip(entries, change_rows(entries), strict=True))}


register_client_tab(
    "history", gettext_lazy("History of changes"), "crm/clients/_tab_history.html", _history_context, order=900
)


# --- list ----------------------------------------------------------------------------------------


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    listed = filtered_list(
        request,
        filterset_class=ClientFilter,
        queryset=client_list_queryset(user=request.user),
        table_class=ClientTable,
        default_sort="-last_interaction_at",
        export_stem="clients",
    )
    if isinstance(listed, HttpResponse):
        return listed
    context = {
        **listed,
        "clients": _with_display_values(listed["page_obj"].object_list),
    }
    template = "crm/clients/_list_results.html" if request.headers.get("HX-Request") else "crm/clients/list.html"
    return render(request, template, context)


def _with_display_values(clients) -> list[Row]:
    """The rows of a page with their labels, dates and links, computed once per page rather than per cell."""
    kinds = choice_labels(Client._meta.get_field("kind"))
    statuses = choice_labels(Client._meta.get_field("status"))
    short_date = date_formatter()
    return [
        Row(
            pk=c.pk,
            url=pk_url("crm:client_detail", c.pk),
            name=c.name,
            short_name=c.short_name,
            inn=c.inn,
            kind_label=kinds.get(c.kind, c.kind),
            abc_class=c.abc_class,
            region_name=c.region.name if c.region_id else "",
            responsible_name=c.responsible.display_name if c.responsible_id else "",
            primary_phone=c.primary_phone,
            tel="".join(ch for ch in (c.primary_phone or "") if ch.isdigit() or ch == "+"),
            primary_email=c.primary_email,
            last_interaction_label=short_date(c.last_interaction_at) or "—",
            status=c.status,
            status_label=statuses.get(c.status, c.status),
            created_label=short_date(c.created_at),
        )
        for c in clients
    ]


# --- card ----------------------------------------------------------------------------------------


_CHANGE_ACTIONS = {0: gettext_lazy("created"), 1: gettext_lazy("changed"), 2: gettext_lazy("deleted")}


def timeline_rows(items: list[TimelineItem]) -> list[Row]:
    """The timeline's items with their texts and links, computed once rather than looked up per cell.

    Each row keeps its `kind`, `changes` and source object (`obj`); the template reads only the texts.
    """
    when = date_formatter("SHORT_DATETIME_FORMAT")
    rows = []
    for item in items:
        row = Row(kind=item.kind, obj=item.obj, changes=item.changes, at_label=when(item.at))
        obj = item.obj
        if item.kind == "interaction":
            row.update(
                kind_label=obj.get_kind_display(),
                subject=obj.subject,
                people=" · ".join(
                    part
                    for part in (
                        obj.author.display_name if obj.author_id else "",
                        obj.contact.full_name if obj.contact_id else "",
                        obj.result,
                    )
                    if part
                ),
                text=obj.text,
                files=[(pk_url("crm:attachment_download", a.pk), a.name) for a in obj.files],
            )
        elif item.kind in ("task_created", "task_done"):
            row.update(
                title=obj.title,
                assignee_name=obj.assignee.display_name,
                due_label=when(obj.due_at),
                status_label=obj.get_status_display(),
            )
        else:
            row.update(
                subject_name=capfirst(obj.content_type.name) if obj.content_type_id else "",
                action_label=_CHANGE_ACTIONS.get(obj.action, gettext_lazy("accessed")),
                actor_name=obj.actor.display_name if obj.actor_id else _("system"),
            )
        rows.append(row)
    return rows


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for(
        request.user, pk, queryset=Client.objects.select_related("responsible", "region", "segment", "source")
    )
    people = client_card_people(client)
    items, has_more = client_timeline(client, page=1, per_page=TIMELINE_PER_PAGE, people=people.ids)
    context = {
        "client": client,
        "points": people.points,
        "contacts": people.contacts,
        "open_tasks": client_open_tasks(client=client, user=request.user),
        # Where the class came from, for those who may open the ABC reports (heads and administrators).
        "abc_change": client_abc_last_change(client) if can_run_abc(request.user) else None,
        "timeline": timeline_rows(items),
        "timeline_next": 2 if has_more else None,
        "tabs": client_tabs(request.user),
        "can_edit": can_edit_client(request.user, client),
        "can_merge": request.user.has_perm("crm.merge_client"),
        "can_log_interaction": request.user.has_perm("crm.add_interaction"),
    }
    return render(request, "crm/clients/detail.html", context)


@login_required
def client_timeline_page(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for(request.user, pk)
    page = page_number(request)
    items, has_more = client_timeline(client, page=page, per_page=TIMELINE_PER_PAGE)
    return render(
        request,
        "crm/clients/_timeline.html",
        {"client": client, "timeline": timeline_rows(items), "timeline_next": page + 1 if has_more else None},
    )


@login_required
def client_tab(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    client = get_client_for(request.user, pk)
    tab = get_client_tab(key)
    if tab is None:
        raise Http404
    if tab.permission and not request.user.has_perm(tab.permission):
        raise PermissionDenied
    context = {"client": client, "tab": tab}
    if tab.context_fn is not None:
        context.update(tab.context_fn(request, client))
    return TemplateResponse(request, tab.template_name, context)


# --- create, edit, archive ------------------------------------------------------------------------


def _duplicates_block(form: ClientForm, formset, user: User, exclude_pk: int | None) -> list:
    points = formset_points(formset)
    return client_find_duplicates(
        user=user,
        name=form.cleaned_data.get("name", ""),
        phones=[p["value"] for p in points if p["kind"] == "phone"],
        emails=[p["value"] for p in points if p["kind"] == "email"],
        exclude_pk=exclude_pk,
    )


def _client_form_page(request: HttpRequest, client: Client | None) -> HttpResponse:
    user = request.user
    instance = client or Client()
    duplicates: list = []
    if request.method == "POST":
        form = ClientForm(request.POST, instance=instance, user=user)
        formset = ClientPointFormSet(request.POST, instance=instance, prefix="points")
        if form.is_valid() and formset.is_valid():
            name_changed = client is None or "name" in form.changed_data
            if name_changed or formset.has_changed():
                duplicates = _duplicates_block(form, formset, user, client.pk if client else None)
            if duplicates and not form.cleaned_data.get("confirm_duplicates"):
                form.add_error(
                    None,
                    _(
                        "This client looks like one that already exists (see below). "
                        "If it is a different company, tick “save anyway” and save again."
                    ),
                )
            else:
                fields = {k: v for k, v in form.cleaned_data.items() if k != "confirm_duplicates"}
                try:
                    if client is None:
                        saved = client_create(fields=fields, contact_points=formset_points(formset), by=user)
                        messages.success(request, _("The client has been created."))
                    else:
                        saved = client_update(
                            client=client, fields=fields, contact_points=formset_points(formset), by=user
                        )
                        messages.success(request, _("The client has been saved."))
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return redirect(saved)
    else:
        form = ClientForm(instance=instance, user=user)
        formset = ClientPointFormSet(instance=instance, prefix="points")
    return render(
        request,
        "crm/clients/form.html",
        {"form": form, "formset": formset, "client": client, "duplicates": duplicates},
    )


@login_required
def client_create_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_engineer or not request.user.has_perm("crm.add_client"):
        raise PermissionDenied
    return _client_form_page(request, None)


@login_required
def client_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_editable_client_for(request.user, pk)
    return _client_form_page(request, client)


@login_required
@require_POST
def client_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_editable_client_for(request.user, pk)
    client_archive(client=client, by=request.user)
    messages.success(request, _("The client has been archived."))
    return redirect(client)


@login_required
@require_POST
def client_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_editable_client_for(request.user, pk)
    client_restore(client=client, by=request.user)
    messages.success(request, _("The client has been restored."))
    return redirect(client)


@login_required
def client_duplicates_check(request: HttpRequest) -> HttpResponse:
    """The live duplicate check of the client form (htmx, while typing the INN or the name)."""
    if request.user.is_engineer:
        raise PermissionDenied
    try:
        exclude = int(request.GET.get("exclude") or 0) or None
    except ValueError:
        exclude = None
    phones = [v for k, v in request.GET.items() if k.startswith("points-") and k.endswith("-value")]
    matches = client_find_duplicates(
        user=request.user,
        inn=(request.GET.get("inn") or "").strip(),
        name=request.GET.get("name") or "",
        phones=[p for p in phones if "@" not in p],
        emails=[p for p in phones if "@" in p],
        exclude_pk=exclude,
    )
    return render(request, "crm/clients/_duplicates.html", {"duplicates": matches, "live": True})


# --- merge ----------------------------------------------------------------------------------------


def _related_counts(client: Client) -> dict[str, int]:
    counts = {}
    for rel in Client._meta.related_objects:
        if rel.one_to_many:
            counts[str(rel.related_model._meta.verbose_name_plural)] = rel.related_model._base_manager.filter(
                **{rel.field.name: client}
            ).count()
    return counts


@login_required
def client_merge_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("crm.merge_client"):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else (request.GET if request.GET else None)
    form = MergeForm(data)
    preview = None
    if form.is_bound and form.is_valid():
        kept, merged = form.cleaned_data["kept"], form.cleaned_data["merged"]
        if request.method == "POST" and form.cleaned_data.get("confirm"):
            try:
                log = client_merge(kept=kept, merged=merged, by=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Client #%(merged)s has been merged into this one.") % {"merged": log.merged_client_id},
                )
                return redirect(kept)
        elif request.method == "POST":
            form.add_error("confirm", _("Tick the box to confirm the merge."))
        preview = {
            "kept": kept,
            "merged": merged,
            "kept_counts": _related_counts(kept),
            "merged_counts": _related_counts(merged),
        }
    logs = MergeLog.objects.select_related("by", "kept")[:20]
    return render(request, "crm/clients/merge.html", {"form": form, "preview": preview, "logs": logs})


# --- transfer -------------------------------------------------------------------------------------


def _may_transfer(user: User) -> bool:
    return user.has_perm("crm.transfer_client") and (user.is_admin or user.is_head)


@login_required
def client_transfer_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_transfer(user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    from_user = None
    choices: list[tuple[int, str]] = []
    raw_from = source.get("from_user") or ""
    if raw_from.isdigit():
        from_user = TransferForm(user=user).fields["from_user"].queryset.filter(pk=int(raw_from)).first()
    if from_user is not None:
        choices = list(
            Client.objects.visible_to(user)
            .filter(responsible=from_user)
            .not_archived()
            .order_by("name")
            .values_list("pk", "name")[:1000]
        )
    form = TransferForm(
        request.POST if request.method == "POST" else None,
        user=user,
        client_choices=choices,
        initial={"from_user": from_user},
    )
    if request.method == "POST" and form.is_valid():
        ids = None if form.cleaned_data["all_clients"] else form.cleaned_data["clients"]
        try:
            log = client_transfer(
                from_user=form.cleaned_data["from_user"],
                to_user=form.cleaned_data["to_user"],
                client_ids=ids,
                comment=form.cleaned_data["comment"],
                by=user,
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(clients)s clients and %(tasks)s open tasks have been handed to %(user)s.")
                % {"clients": log.client_count, "tasks": log.task_count, "user": log.to_user},
            )
            return redirect("crm:transfer_log")
    return render(request, "crm/clients/transfer.html", {"form": form, "from_user": from_user, "choices": choices})


@login_required
def transfer_log_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_transfer(user):
        raise PermissionDenied
    page = Paginator(transfer_logs_for(user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "crm/clients/transfer_log.html", {"page_obj": page, "logs": page.object_list})


# --- forgotten clients ----------------------------------------------------------------------------


def _may_see_forgotten(user: User) -> bool:
    return user.is_admin or user.is_head or user.is_manager


@login_required
def forgotten_clients(request: HttpRequest) -> HttpResponse:
    if not _may_see_forgotten(request.user):
        raise PermissionDenied
    form = ForgottenForm(request.GET or None)
    days = 90
    if form.is_bound and form.is_valid() and form.cleaned_data.get("days"):
        days = form.cleaned_data["days"]
    qs = client_forgotten_queryset(user=request.user, days=days)
    page = CappedPaginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    task_keys = [_forgotten_key(c.pk, today) for c in page.object_list]
    planned = set(Task.objects.filter(trigger_key__in=task_keys).values_list("client_id", flat=True))
    return render(
        request,
        "crm/clients/forgotten.html",
        {"form": form, "days": days, "page_obj": page, "clients": page.object_list, "planned": planned},
    )


def _forgotten_key(client_pk: int, day: dt.date) -> str:
    return f"forgotten:{client_pk}:{day.isoformat()}"


def _tomorrow_at_ten(user: User | None) -> dt.datetime:
    try:
        tz = zoneinfo.ZoneInfo(user.time_zone) if user and user.time_zone else timezone.get_default_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = timezone.get_default_timezone()
    local_today = timezone.now().astimezone(tz).date()
    return dt.datetime.combine(local_today + dt.timedelta(days=1), dt.time(10, 0), tzinfo=tz)


@login_required
@require_POST
def forgotten_task_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a call to a forgotten client for its responsible manager, tomorrow at 10:00 their time (once a day)."""
    if not _may_see_forgotten(request.user):
        raise PermissionDenied
    client = get_client_for(request.user, pk, queryset=Client.objects.select_related("responsible"))
    assignee = client.responsible or request.user
    key = _forgotten_key(client.pk, timezone.localdate())
    task = Task.objects.filter(trigger_key=key).first()
    if task is None:
        from crm.services.tasks import task_create

        try:
            with transaction.atomic():
                task = task_create(
                    title=_("Call %(client)s: no interaction for a long time") % {"client": client.display_name},
                    assignee=assignee,
                    due_at=_tomorrow_at_ten(assignee),
                    by=request.user,
                    client=client,
                    trigger_key=key,
                )
        except IntegrityError:
            task = Task.objects.filter(trigger_key=key).first()
            if task is None:
                raise
    if request.headers.get("HX-Request"):
        return render(request, "crm/clients/_forgotten_done.html", {"client": client, "task": task})
    messages.success(request, _("A call task has been planned."))
    return redirect(reverse("crm:forgotten_clients"))
