"""Sales pages: the analysis report, documents list and card, the catalogue, ABC runs."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exports import xlsx_response
from crm.forms.sales import AbcRunForm, SalesAnalysisForm, SalesFilterForm
from crm.models import (
    AbcClassChange,
    AbcRun,
    Client,
    Product,
    ProductComponent,
    ProductKind,
    SalesDocument,
    SalesDocumentLine,
)
from crm.selectors.sales import DIMENSIONS, sales_documents_for
from crm.selectors.sales import sales_analysis as sales_analysis_select
from crm.services.abc import abc_classify, can_run_abc

# --- pages ---------------------------------------------------------------------------------------

DOCUMENTS_PER_PAGE = 50
PRODUCTS_PER_PAGE = 50
CHANGES_PER_PAGE = 100


def _require_sales_access(user) -> None:
    """Sales figures are for managers, heads and administrators; engineers do not see them."""
    if user.is_engineer:
        raise PermissionDenied


def _analysis(request: HttpRequest):
    form = SalesAnalysisForm(request.GET or None)
    flt = form.to_filter()
    first, second, period = form.grouping()
    analysis = sales_analysis_select(
        user=request.user,
        flt=flt,
        first=first,
        second=second,
        period=period,
        documents_url=reverse("crm:sales_documents"),
    )
    return form, flt, (first, second, period), analysis


@login_required
def sales_analysis(request: HttpRequest) -> HttpResponse:
    _require_sales_access(request.user)
    form, flt, (first, second, _period), analysis = _analysis(request)
    context = {
        "form": form,
        "flt": flt,
        "analysis": analysis,
        "first_label": DIMENSIONS[first],
        "second_label": DIMENSIONS.get(second or ""),
        "query": request.GET.urlencode(),
        "selection_query": "&".join(f"{k}={v}" for k, v in flt.params().items()),
    }
    template = "crm/sales/_analysis_results.html" if request.headers.get("HX-Request") else "crm/sales/analysis.html"
    return render(request, template, context)


@login_required
def sales_analysis_export(request: HttpRequest) -> HttpResponse:
    _require_sales_access(request.user)
    _form, flt, (first, second, _period), analysis = _analysis(request)
    header = [DIMENSIONS[first], DIMENSIONS[second] if second else "", _("Quantity"), _("Amount"), _("Gross profit")]

    def rows():
        for group in analysis.rows:
            yield [group.label, "", group.quantity, group.amount, group.gross_profit]
            for child in group.children:
                yield ["", child.label, child.quantity, child.amount, child.gross_profit]
        total = analysis.total
        yield [total.label, "", total.quantity, total.amount, total.gross_profit]

    return xlsx_response(
        f"sales-{flt.date_from:%Y%m%d}-{flt.date_to:%Y%m%d}.xlsx", header, rows(), sheet_title=_("Sales")
    )


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    _require_sales_access(request.user)
    form = SalesFilterForm(request.GET or None)
    flt = form.to_filter()
    documents = sales_documents_for(user=request.user, flt=flt)
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "documents": page.object_list, "query": query.urlencode(), "flt": flt}
    template = "crm/sales/_document_rows.html" if request.headers.get("HX-Request") else "crm/sales/document_list.html"
    return render(request, template, context)


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sales_access(request.user)
    document = get_object_or_404(
        SalesDocument.objects.visible_to(request.user).select_related("client", "manager", "parent"), pk=pk
    )
    lines = document.lines.select_related("product").order_by("line_no")
    children = document.children.visible_to(request.user).order_by("date", "pk")
    return render(
        request,
        "crm/sales/document_detail.html",
        {"document": document, "lines": lines, "children": children},
    )


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    products = Product.objects.annotate(component_count=Count("components")).order_by("name", "pk")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        products = products.filter(Q(name__icontains=q) | Q(sku__icontains=q) | Q(manufacturer__icontains=q))
    if kind in ProductKind.values:
        products = products.filter(kind=kind)
    if request.GET.get("archived") != "1":
        products = products.filter(is_active=True)
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "products": page.object_list,
        "q": q,
        "kind": kind,
        "kinds": ProductKind.choices,
        "query": query.urlencode(),
    }
    template = (
        "crm/catalog/_product_rows.html" if request.headers.get("HX-Request") else "crm/catalog/product_list.html"
    )
    return render(request, template, context)


@login_required
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(
        Product.objects.prefetch_related(
            Prefetch("components", queryset=ProductComponent.objects.select_related("component")),
            Prefetch("used_in", queryset=ProductComponent.objects.select_related("kit")),
        ),
        pk=pk,
    )
    recent = []
    if not request.user.is_engineer:
        recent = (
            SalesDocumentLine.objects.visible_to(request.user)
            .filter(product=product)
            .select_related("document", "client")
            .order_by("-date", "-pk")[:20]
        )
    return render(request, "crm/catalog/product_detail.html", {"product": product, "recent": recent})


def _require_abc_access(user) -> None:
    if not (user.is_admin or user.is_head):
        raise PermissionDenied


@login_required
def abc_runs(request: HttpRequest) -> HttpResponse:
    _require_abc_access(request.user)
    today = timezone.localdate()
    form = AbcRunForm(
        initial={
            "date_from": today.replace(year=today.year - 1) + timedelta(days=1),
            "date_to": today,
            "metric": "revenue",
        }
    )
    runs = AbcRun.objects.select_related("created_by")[:50]
    return render(request, "crm/sales/abc.html", {"form": form, "runs": runs})


@login_required
@require_POST
def abc_run(request: HttpRequest) -> HttpResponse:
    _require_abc_access(request.user)
    form = AbcRunForm(request.POST)
    if not form.is_valid():
        runs = AbcRun.objects.select_related("created_by")[:50]
        return render(request, "crm/sales/abc.html", {"form": form, "runs": runs}, status=400)
    try:
        run = abc_classify(**form.cleaned_data, by=request.user)
    except ValidationError as exc:
        form.add_error(None, exc)
        runs = AbcRun.objects.select_related("created_by")[:50]
        return render(request, "crm/sales/abc.html", {"form": form, "runs": runs}, status=400)
    messages.success(request, _("Customers are classified; %(count)d changed class.") % {"count": run.changed_count})
    return redirect(run)


@login_required
def abc_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_abc_access(request.user)
    run = get_object_or_404(AbcRun.objects.select_related("created_by"), pk=pk)
    changes = (
        AbcClassChange.objects.filter(run=run, client__in=Client.objects.visible_to(request.user))
        .select_related("client")
        .order_by("new_class", "-value", "pk")
    )
    moved = request.GET.get("moved", "")
    if moved == "up":
        changes = changes.filter(Q(old_class="") | Q(old_class__gt=F("new_class")), ~Q(new_class=""))
    elif moved == "down":
        changes = changes.filter(Q(new_class="") | Q(new_class__gt=F("old_class")), ~Q(old_class=""))
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/sales/abc_run_detail.html",
        {"run": run, "page": page, "changes": page.object_list, "moved": moved, "can_run": can_run_abc(request.user)},
    )
