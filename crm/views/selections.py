"""Selections: list, open (the clients it yields for the viewing user), save from a list page, archive."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.models import Selection
from crm.selections import clean_params, get_source, selection_clients, sources
from crm.services.selections import selection_archive, selection_create

PER_PAGE = 50


@login_required
@require_GET
def selection_list(request: HttpRequest) -> HttpResponse:
    selections = Selection.objects.available_to(request.user).select_related("owner")
    labels = {s.key: s.label for s in sources()}
    return render(request, "crm/selections/list.html", {"selections": selections, "source_labels": labels})


@login_required
@require_GET
def selection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection.objects.available_to(request.user).select_related("owner"), pk=pk)
    source = get_source(selection.source)
    clients = selection_clients(selection, request.user).select_related("responsible", "region").order_by("name", "pk")
    page = Paginator(clients, PER_PAGE).get_page(request.GET.get("page"))
    filter_url = None
    if source is not None and source.url_name:
        try:
            filter_url = f"{reverse(source.url_name)}?{urlencode(selection.params, doseq=True)}"
        except NoReverseMatch:
            filter_url = None
    return render(
        request,
        "crm/selections/detail.html",
        {
            "selection": selection,
            "source": source,
            "page": page,
            "filter_url": filter_url,
            "can_archive": selection.owner_id == request.user.pk or request.user.is_admin,
        },
    )


@login_required
@require_POST
def selection_create_view(request: HttpRequest) -> HttpResponse:
    """Save the filter of a list page (posted as `source` and its `query` string) under a name."""
    source = request.POST.get("source", "")
    name = request.POST.get("name", "").strip()
    params = clean_params(dict(QueryDict(request.POST.get("query", "")).lists()))
    back = request.headers.get("Referer") or reverse("crm:selection_list")
    if get_source(source) is None:
        messages.error(request, _("Unknown selection source."))
        return redirect(reverse("crm:selection_list"))
    if not name:
        messages.error(request, _("Enter a name for the selection."))
        return redirect(back)
    selection = selection_create(
        name=name, source=source, params=params, is_shared=bool(request.POST.get("is_shared")), by=request.user
    )
    messages.success(request, _("The selection “%(name)s” is saved.") % {"name": selection.name})
    return redirect(selection)


@login_required
@require_POST
def selection_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    selection = get_object_or_404(Selection.objects.available_to(request.user), pk=pk)
    try:
        selection_archive(selection=selection, by=request.user)
    except PermissionDenied:
        raise
    messages.success(request, _("The selection is archived."))
    return redirect("crm:selection_list")
