"""The outline the client and contact lists share: filter, sort, export or a capped page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from crm.exports import xlsx_response
from crm.selectors.clients import order_for_search, order_search_results
from crm.tables import CappedPaginator, export_rows

PER_PAGE = 50


def page_number(request: HttpRequest, name: str = "page", *, last: int | None = None) -> int:
    """The page asked for in `?page=` (or `name`): 1 when missing or not a number, at most `last`."""
    try:
        number = max(1, int(request.GET.get(name, 1)))
    except (TypeError, ValueError):
        return 1
    return min(number, last) if last is not None else number


def filtered_list(
    request: HttpRequest,
    *,
    filterset_class: type,
    queryset: QuerySet,
    table_class: type,
    default_sort: str,
    export_stem: str,
    export_perm: str = "crm.export_client",
) -> HttpResponse | dict[str, Any]:
    """Filter `queryset` by the request, then answer the xlsx export or return the page's context.

    The context has the filter, the table (columns, sorting) and a capped page. A search is
    ordered by what the number of matches makes cheap (see `order_search_results`); the export
    streams every matching row in the table's order.
    """
    exporting = request.GET.get("_export") == "xlsx"
    if exporting and not request.user.has_perm(export_perm):
        raise PermissionDenied
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    table = table_class(filterset.qs, order_by=request.GET.get("sort") or default_sort)
    ordered = table.data.data
    searching = filterset.form.is_valid() and bool((filterset.form.cleaned_data.get("q") or "").strip())
    if exporting:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        rows = (order_for_search(ordered) if searching else ordered).iterator(chunk_size=2000)
        return xlsx_response(f"{export_stem}-{stamp}.xlsx", table.export_headers(), export_rows(table, rows))
    paginator = CappedPaginator(ordered, PER_PAGE)
    paginator.estimate = not searching
    if searching:
        paginator.object_list = order_search_results(ordered, many=paginator.capped)
    return {"filter": filterset, "table": table, "page_obj": paginator.get_page(request.GET.get("page"))}
