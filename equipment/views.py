"""Pages of the equipment app: the journal, the phone form, the card, visits, photos, archive."""

from __future__ import annotations

import posixpath
from urllib.parse import urlencode

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.display import Row, choice_labels, date_formatter, pk_url
from crm.exports import xlsx_response
from crm.forms.errors import add_service_errors
from crm.models import Client
from crm.selections import clean_params
from crm.views.lists import page_number
from equipment.access import get_equipment_for, get_photo_for
from equipment.filters import DEFAULT_SORT, SORTS
from equipment.forms import (
    ComponentFormSet,
    EquipmentForm,
    PhotoForm,
    QuickEquipmentForm,
    SaveSelectionForm,
    ServiceVisitForm,
)
from equipment.models import Equipment
from equipment.selectors import client_suggestions, equipment_filter, journal_rows, journal_summary
from equipment.services.equipment import (
    equipment_archive,
    equipment_log_found,
    equipment_photo_add,
    equipment_update,
    service_visit_add,
)
from equipment.validators import PHOTO_CONTENT_TYPES

PER_PAGE = 50
EXPORT_MAX_ROWS = 100_000


def _columns():
    return [
        ("client", _("Client")),
        ("type", _("Type")),
        ("manufacturer", _("Manufacturer and model")),
        (None, _("Serial number")),
        ("year", _("Year")),
        (None, _("Source")),
        ("status", _("Status")),
        ("maintenance", _("Planned maintenance")),
        ("warranty", _("Warranty until")),
    ]


def _display_rows(rows: list[Equipment]) -> list[Row]:
    """The journal's rows with their links, names, labels and dates, computed once per page rather than per cell."""
    short_date = date_formatter()
    sources = choice_labels(Equipment._meta.get_field("source"))
    statuses = choice_labels(Equipment._meta.get_field("status"))
    return [
        Row(
            pk=e.pk,
            url=pk_url("equipment:detail", e.pk),
            client_url=pk_url("crm:client_detail", e.client_id),
            client_name=e.client.display_name,
            type_name=e.equipment_type.name if e.equipment_type_id else "",
            manufacturer=e.manufacturer,
            model=e.model,
            is_archived=e.is_archived,
            serial_number=e.serial_number,
            production_year=e.production_year,
            source_label=sources.get(e.source, e.source),
            competitor_name=e.competitor.display_name if e.competitor_id else "",
            status_label=statuses.get(e.status, e.status),
            maintenance_label=short_date(e.next_maintenance_on),
            warranty_label=short_date(e.warranty_until),
        )
        for e in rows
    ]


@login_required
@permission_required("equipment.view_equipment", raise_exception=True)
@require_GET
def journal(request: HttpRequest) -> HttpResponse:
    flt = equipment_filter(request.user, request.GET)
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort not in SORTS:
        sort = DEFAULT_SORT
    page = page_number(request, last=10_000)
    rows, has_next = (
        journal_rows(flt.qs, sort=sort, page=page, per_page=PER_PAGE, user=request.user)
        if flt.is_valid()
        else ([], False)
    )
    params = {k: v for k, v in request.GET.lists() if k not in ("page", "sort")}
    base_query = urlencode(params, doseq=True)
    headers = []
    for key, label in _columns():
        if key is None:
            headers.append({"label": label})
            continue
        active = sort.lstrip("-") == key
        next_sort = f"-{key}" if sort == key else key
        headers.append(
            {
                "label": label,
                "query": urlencode({**params, "sort": next_sort}, doseq=True),
                "active": active,
                "descending": active and sort.startswith("-"),
            }
        )
    context = {
        "filter": flt,
        "rows": _display_rows(rows),
        "headers": headers,
        "page": page,
        "has_next": has_next,
        "sort": sort,
        "base_query": base_query,
        "sort_query": urlencode({**params, "sort": sort}, doseq=True),
        "selection_query": urlencode(clean_params(dict(request.GET.lists())), doseq=True),
        "selection_form": SaveSelectionForm(),
        "can_export": request.user.has_perm("equipment.export_equipment"),
        "can_add": request.user.has_perm("equipment.add_equipment"),
    }
    if request.headers.get("HX-Request"):
        # Only the results are swapped: the partial updates the rest of the page out of band, and
        # counts the summary again only when the filter changed (not for another page or sort).
        context["oob"] = True
        context["refresh_summary"] = request.headers.get("HX-Trigger") == "equipment-filter"
        return render(request, "equipment/_journal_results.html", context)
    return render(request, "equipment/journal.html", context)


@login_required
@permission_required("equipment.view_equipment", raise_exception=True)
@require_GET
def journal_summary_view(request: HttpRequest) -> HttpResponse:
    flt = equipment_filter(request.user, request.GET)
    summary = journal_summary(flt.qs) if flt.is_valid() else None
    params = {k: v for k, v in request.GET.lists() if k not in ("page", "sort", "equipment_type", "manufacturer")}
    return render(
        request,
        "equipment/_journal_summary.html",
        {"summary": summary, "base_query": urlencode(params, doseq=True)},
    )


@login_required
@permission_required("equipment.export_equipment", raise_exception=True)
@require_GET
def journal_export(request: HttpRequest) -> HttpResponse:
    flt = equipment_filter(request.user, request.GET)
    if not flt.is_valid():
        return redirect("equipment:journal")
    sort = request.GET.get("sort", DEFAULT_SORT)
    qs = flt.qs.select_related("client", "equipment_type", "competitor", "service_responsible").order_by(
        *SORTS.get(sort, SORTS[DEFAULT_SORT])
    )[:EXPORT_MAX_ROWS]
    headers = [
        _("Client"),
        _("INN"),
        _("Type"),
        _("Manufacturer"),
        _("Model"),
        _("Serial number"),
        _("Production year"),
        _("Source"),
        _("Competitor"),
        _("Status"),
        _("Commissioned"),
        _("Warranty until"),
        _("Last maintenance"),
        _("Planned maintenance"),
        _("End of service life"),
        _("Service engineer"),
        _("Location"),
    ]
    rows = (
        [
            e.client.display_name,
            e.client.inn,
            e.equipment_type.name,
            e.manufacturer,
            e.model,
            e.serial_number,
            e.production_year,
            e.get_source_display(),
            e.competitor.display_name if e.competitor else "",
            e.get_status_display(),
            e.commissioned_on,
            e.warranty_until,
            e.last_maintenance_on,
            e.next_maintenance_on,
            e.end_of_life_on,
            str(e.service_responsible or ""),
            e.location,
        ]
        for e in qs.iterator(chunk_size=2000)
    )
    filename = f"equipment-{timezone.localdate():%Y-%m-%d}.xlsx"
    return xlsx_response(filename, headers, rows, sheet_title=_("Equipment"))


@login_required
@permission_required("equipment.add_equipment", raise_exception=True)
def equipment_add(request: HttpRequest) -> HttpResponse:
    """The one-minute phone form: client, type, make and model, serial, year, competitor, photo."""
    initial = {}
    client = None
    if request.method == "GET" and request.GET.get("client"):
        client = Client.objects.visible_to(request.user).filter(pk=request.GET["client"]).first()
        if client is not None:
            initial["client"] = client.pk
    form = QuickEquipmentForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                equipment = equipment_log_found(
                    by=request.user,
                    client=data["client"],
                    equipment_type=data["equipment_type"],
                    manufacturer=data["manufacturer"],
                    model=data["model"],
                    serial_number=data["serial_number"],
                    production_year=data["production_year"],
                    competitor=data["competitor"],
                    competitor_name=data["competitor_name"],
                    competitor_inn=data["competitor_inn"],
                    photo=data.get("photo"),
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The equipment is saved."))
                return redirect(equipment)
        client = form.cleaned_data.get("client") if hasattr(form, "cleaned_data") else None
    return render(request, "equipment/add.html", {"form": form, "client": client})


def _add_errors(form, exc: ValidationError) -> None:
    # The service names the photo's file "image"; the form calls it "photo".
    add_service_errors(form, exc, field_map={"image": "photo"})


@login_required
@require_GET
def client_search(request: HttpRequest) -> HttpResponse:
    """htmx autocomplete of the phone form: visible clients by name or INN."""
    query = request.GET.get("client_search", "").strip()
    clients = client_suggestions(request.user, query)
    return render(request, "equipment/_client_options.html", {"clients": clients, "query": query})


@login_required
@require_GET
def client_options(request: HttpRequest) -> HttpResponse:
    """htmx suggestions of the journal's client filter: visible clients by name or INN, as <option>s."""
    clients = client_suggestions(request.user, request.GET.get("client", ""))
    return render(request, "equipment/_client_datalist.html", {"clients": clients})


@login_required
@permission_required("equipment.view_equipment", raise_exception=True)
@require_GET
def equipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_equipment_for(
        request.user,
        pk,
        queryset=Equipment.objects.select_related(
            "client", "equipment_type", "product", "competitor", "service_responsible", "shipment_document"
        ),
    )
    visits = equipment.visits.select_related("engineer")
    history = LogEntry.objects.get_for_object(equipment).select_related("actor").order_by("-timestamp")[:50]
    context = {
        "equipment": equipment,
        "visits": visits,
        "history": history,
        "photos": equipment.photos.all(),
        "components": equipment.components.select_related("product"),
        "contacts": equipment.contacts.all(),
        "can_change": request.user.has_perm("equipment.change_equipment"),
        "can_add_visit": request.user.has_perm("equipment.add_servicevisit"),
        "can_add_photo": request.user.has_perm("equipment.add_equipmentphoto"),
        "photo_form": PhotoForm(),
    }
    return render(request, "equipment/detail.html", context)


@login_required
@permission_required("equipment.change_equipment", raise_exception=True)
def equipment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_equipment_for(request.user, pk, queryset=Equipment.objects.select_related("client"))
    form = EquipmentForm(request.POST or None, instance=equipment, user=request.user)
    # The components table comes with the page; a post without it changes no component.
    components = None
    if request.user.has_perm("equipment.change_equipmentcomponent") and (
        request.method != "POST" or "components-TOTAL_FORMS" in request.POST
    ):
        components = ComponentFormSet(request.POST or None, instance=equipment, prefix="components")
    if request.method == "POST" and form.is_valid() and (components is None or components.is_valid()):
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        fresh = Equipment.objects.get(pk=equipment.pk)
        if components is not None:
            fields["components"] = components.changes()
        try:
            equipment_update(equipment=fresh, by=request.user, **fields)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The equipment is saved."))
            return redirect(fresh)
    return render(request, "equipment/edit.html", {"form": form, "equipment": equipment, "components": components})


@login_required
@permission_required("equipment.add_servicevisit", raise_exception=True)
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_equipment_for(request.user, pk, queryset=Equipment.objects.select_related("client"))
    form = ServiceVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service_visit_add(equipment=equipment, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The visit is recorded."))
            return redirect(equipment)
    return render(request, "equipment/visit_form.html", {"form": form, "equipment": equipment})


@login_required
@permission_required("equipment.add_equipmentphoto", raise_exception=True)
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_equipment_for(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            equipment_photo_add(equipment=equipment, image=form.cleaned_data["photo"], by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [_("The photo was not saved.")])))
        else:
            messages.success(request, _("The photo is added."))
    else:
        for error in form.errors.get("photo", []):
            messages.error(request, error)
    return redirect(equipment)


@login_required
@permission_required("equipment.view_equipment", raise_exception=True)
@require_GET
def photo_view(request: HttpRequest, pk: int) -> FileResponse:
    """Send a photo of a unit the user may see (404 otherwise): media files are never served directly."""
    photo = get_photo_for(request.user, pk)
    filename = posixpath.basename(photo.image.name)
    content_type = PHOTO_CONTENT_TYPES.get(posixpath.splitext(filename)[1].lstrip(".").lower())
    try:
        file = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        file,
        # Shown in the page when it is a photo type; anything else could only be downloaded.
        as_attachment=content_type is None,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # The browser may keep it for the card's next view, but no shared cache may.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@permission_required("equipment.change_equipment", raise_exception=True)
@require_POST
def equipment_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_equipment_for(request.user, pk)
    archived = request.POST.get("restore") != "1"
    equipment_archive(equipment=equipment, by=request.user, archived=archived)
    messages.success(request, _("The equipment is archived.") if archived else _("The equipment is restored."))
    return redirect(equipment)
