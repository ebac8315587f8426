"""Deal pages: create, card with timeline, edit, comment, list with export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.access import get_client_for
from crm.forms.errors import add_service_errors
from crm.models import Interaction, Task
from funnel.exports import deals_xlsx
from funnel.forms import BoardFilterForm, CommentForm, DealForm, DealLineForm
from funnel.models import Deal, DealLine, DealStatus
from funnel.selectors import deal_detail_for, deals_for, product_choices, scenarios_for
from funnel.services.deals import (
    can_change_deal,
    deal_comment_add,
    deal_create,
    deal_line_add,
    deal_line_remove,
    deal_line_update,
    deal_update,
)


def _client_url(pk: int) -> str:
    try:
        return reverse("crm:client_detail", args=[pk])
    except NoReverseMatch:
        return ""


@login_required
@permission_required("funnel.add_deal", raise_exception=True)
def deal_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("client"):
        initial["client"] = get_client_for(request.user, request.GET["client"]).pk
    form = DealForm(request.POST or None, user=request.user, initial=initial)
    duplicate = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deal = deal_create(
                client=data["client"],
                scenario=data["scenario"],
                title=data["title"],
                contact=data["contact"],
                amount=data["amount"],
                expected_close_date=data["expected_close_date"],
                source=data["source"],
                comment=data["comment"],
                by=request.user,
                allow_duplicate=data["allow_duplicate"],
            )
        except ValidationError as exc:
            duplicate = getattr(exc, "code", None) == "duplicate"
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The deal is open."))
            return redirect(deal)
    return render(request, "funnel/deal_form.html", {"form": form, "duplicate": duplicate})


@login_required
@permission_required("funnel.view_deal", raise_exception=True)
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_detail_for(request.user, pk)
    ct = ContentType.objects.get_for_model(Deal)
    context = {
        "deal": deal,
        "stages": list(deal.scenario.stages.filter(is_archived=False).order_by("position", "pk")),
        "history": deal.stage_changes.select_related("from_stage", "to_stage", "by").order_by("-entered_at", "-pk"),
        "tasks": Task.objects.filter(content_type=ct, object_id=deal.pk)
        .select_related("assignee")
        .order_by("status", "due_at"),
        "comments": deal.comments.select_related("author"),
        "lines": deal.lines.all(),
        "documents": deal.document_links.select_related("document").order_by("-document__date"),
        "comment_form": CommentForm(),
        "line_form": DealLineForm(prefix="line"),
        # The client's latest interactions: what was said while the deal was worked.
        "interactions": Interaction.objects.filter(client_id=deal.client_id)
        .select_related("author")
        .order_by("-occurred_at")[:10],
        "can_change": can_change_deal(request.user, deal),
        "client_url": _client_url(deal.client_id),
    }
    return render(request, "funnel/deal_detail.html", context)


@login_required
def deal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_detail_for(request.user, pk)
    if not can_change_deal(request.user, deal):
        raise PermissionDenied
    form = DealForm(request.POST or None, instance=Deal.objects.get(pk=deal.pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k] for k in ("title", "contact", "amount", "expected_close_date", "source", "comment")
        }
        try:
            deal_update(deal=deal, by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The deal is saved."))
            return redirect(deal)
    return render(request, "funnel/deal_form.html", {"form": form, "deal": deal})


@login_required
@require_POST
def deal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_detail_for(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            deal_comment_add(deal=deal, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Write something first."))
    return redirect(deal)


@login_required
@permission_required("funnel.view_deal", raise_exception=True)
def deal_list(request: HttpRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    scenarios = list(scenarios_for(request.user))
    scenario = next((s for s in scenarios if str(s.pk) == request.GET.get("scenario")), None)
    if scenario:
        filters["scenario"] = scenario
    status = request.GET.get("status", "")
    if status in DealStatus.values:
        filters["status"] = status
    if request.GET.get("export") == "xlsx":
        qs = deals_for(request.user, filters=filters).select_related(
            "client", "stage", "responsible", "scenario", "loss_reason"
        )
        return deals_xlsx(qs.order_by("-created_at", "-pk"))
    # Count and page without the light; the light is computed for the page's deals only.
    qs = (
        deals_for(request.user, filters=filters, with_light=False)
        .select_related("client", "stage", "responsible", "scenario", "loss_reason")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    lights = dict(
        Deal.objects.filter(pk__in=[d.pk for d in page]).with_light(user=request.user).values_list("pk", "light")
    )
    for deal in page:
        deal.light = lights.get(deal.pk, "green")
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "funnel/deal_list.html",
        {
            "page": page,
            "filter_form": form,
            "scenarios": scenarios,
            "scenario": scenario,
            "status": status,
            "statuses": DealStatus.choices,
            "query": params.urlencode(),
        },
    )


@login_required
@require_POST
def deal_line_new(request: HttpRequest, pk: int) -> HttpResponse:
    deal = deal_detail_for(request.user, pk)
    if not can_change_deal(request.user, deal):
        raise PermissionDenied
    form = DealLineForm(request.POST, prefix="line")
    if form.is_valid():
        try:
            deal_line_add(deal=deal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The product line is added."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(deal)


@login_required
@permission_required("funnel.change_deal", raise_exception=True)
def product_options(request: HttpRequest) -> HttpResponse:
    """The catalogue products matching `q` (name or SKU) as options of the line form's select."""
    query = request.GET.get("q", "").strip()
    products = product_choices(query) if len(query) >= 2 else []
    return render(request, "funnel/_product_options.html", {"products": products, "query": query})


def _line_for(request: HttpRequest, pk: int, line_pk: int) -> DealLine:
    deal = deal_detail_for(request.user, pk)
    line = get_object_or_404(DealLine.objects.select_related("product"), deal=deal, pk=line_pk)
    if not can_change_deal(request.user, deal):
        raise PermissionDenied
    line.deal = deal
    return line


@login_required
def deal_line_edit(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line_for(request, pk, line_pk)
    initial = {"product": line.product_id, "name": line.name, "quantity": line.quantity, "price": line.price}
    form = DealLineForm(request.POST or None, initial=initial, prefix="line")
    if request.method == "POST" and form.is_valid():
        try:
            deal_line_update(line=line, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The product line is saved."))
            return redirect(line.deal)
    return render(request, "funnel/deal_line_form.html", {"form": form, "line": line, "deal": line.deal})


@login_required
@require_POST
def deal_line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line_for(request, pk, line_pk)
    deal_line_remove(line=line, by=request.user)
    messages.success(request, _("The product line is removed."))
    return redirect(line.deal)
