"""Reads of sales: the analysis aggregation, the documents list and the "sales" selection source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import DecimalField, ExpressionWrapper, F, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter, TruncYear
from django.utils.translation import gettext_lazy as _

from crm.models import Client, DocumentKind, ProductKind, SalesDocument, SalesDocumentLine, User

# Dimensions of the analysis: the values selected for each and how a row is labelled.
DIMENSIONS: dict[str, Any] = {
    "product": _("Product"),
    "product_kind": _("Product kind"),
    "equipment_type": _("Equipment type"),
    "client": _("Client"),
    "manager": _("Manager"),
    "period": _("Period"),
}
PERIODS = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
# Group by ids only (a hash aggregate over a few thousand groups); names are read afterwards
# with one query per dimension, so the database never sorts a million rows by text.
_DIM_FIELDS = {
    "product": ["product_id"],
    "product_kind": ["product__kind"],
    "equipment_type": ["product__equipment_type_name"],
    "client": ["client_id"],
    "manager": ["manager_id"],
    "period": ["period"],
}
# Grouped rows read at most; beyond it the report says it is cut (narrow the filter).
MAX_ROWS = 5000


@dataclass
class SalesFilter:
    """What the analysis and the documents list are filtered by (parsed by crm.forms / the view)."""

    date_from: date
    date_to: date
    kind: str = DocumentKind.SHIPMENT
    client: int | None = None
    manager: int | None = None
    product: int | None = None
    product_kind: str = ""
    equipment_type: str = ""

    def params(self) -> dict[str, str]:
        """Return the filter as query parameters (for drill-down links and saved selections)."""
        values = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "kind": self.kind,
            "client": self.client,
            "manager": self.manager,
            "product": self.product,
            "product_kind": self.product_kind,
            "equipment_type": self.equipment_type,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


@dataclass
class AnalysisRow:
    key: Any
    label: str
    quantity: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    gross_profit: Decimal = Decimal(0)
    url: str = ""
    children: list[AnalysisRow] = field(default_factory=list)


@dataclass
class Analysis:
    rows: list[AnalysisRow]
    total: AnalysisRow
    truncated: bool = False


def sales_lines_for(*, user: User, flt: SalesFilter) -> QuerySet[SalesDocumentLine]:
    """Effective lines `user` may see, filtered by `flt`."""
    lines = (
        SalesDocumentLine.objects.visible_to(user)
        .effective()
        .filter(kind=flt.kind, date__gte=flt.date_from, date__lte=flt.date_to)
    )
    if flt.client:
        lines = lines.filter(client_id=flt.client)
    if flt.manager:
        lines = lines.filter(manager_id=flt.manager)
    if flt.product:
        lines = lines.filter(product_id=flt.product)
    if flt.product_kind:
        lines = lines.filter(product__kind=flt.product_kind)
    if flt.equipment_type:
        lines = lines.filter(product__equipment_type_name=flt.equipment_type)
    return lines


def _names(dims: list[str], rows: list[dict]) -> dict[str, dict]:
    """Read the names of the products, clients and managers in `rows`: one query per dimension."""
    from crm.models import Product

    names: dict[str, dict] = {}
    if "product" in dims:
        ids = {row["product_id"] for row in rows if row["product_id"]}
        names["product"] = {
            pk: f"{sku} {name}" if sku else name
            for pk, name, sku in Product.objects.filter(pk__in=ids).values_list("id", "name", "sku")
        }
    if "client" in dims:
        ids = {row["client_id"] for row in rows}
        names["client"] = {
            pk: short or name
            for pk, name, short in Client.objects.filter(pk__in=ids).values_list("id", "name", "short_name")
        }
    if "manager" in dims:
        ids = {row["manager_id"] for row in rows if row["manager_id"]}
        names["manager"] = {
            pk: " ".join(p for p in (last, first) if p) or username
            for pk, last, first, username in User.objects.filter(pk__in=ids).values_list(
                "id", "last_name", "first_name", "username"
            )
        }
    return names


def _label(dimension: str, row: dict, names: dict[str, dict]) -> tuple[Any, str]:
    if dimension == "product":
        if row["product_id"] is None:
            return None, str(_("No product"))
        return row["product_id"], names["product"].get(row["product_id"], "")
    if dimension == "product_kind":
        kind = row["product__kind"]
        return kind or "", str(ProductKind(kind).label) if kind in ProductKind.values else str(_("No product"))
    if dimension == "equipment_type":
        name = row["product__equipment_type_name"]
        return name or "", name or str(_("No equipment type"))
    if dimension == "client":
        return row["client_id"], names["client"].get(row["client_id"], "")
    if dimension == "manager":
        if row["manager_id"] is None:
            return None, str(_("No manager"))
        return row["manager_id"], names["manager"].get(row["manager_id"], "")
    period = row["period"]
    return period, period.isoformat() if period else ""


def _period_label(start: date, granularity: str) -> str:
    if granularity == "year":
        return f"{start:%Y}"
    if granularity == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start:%Y}"
    return f"{start:%m.%Y}"


def _period_end(start: date, granularity: str) -> date:
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    month = start.month - 1 + months
    following = date(start.year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def _drill_params(flt: SalesFilter, dimension: str, key: Any, granularity: str) -> dict[str, str]:
    params = flt.params()
    if dimension == "period" and key:
        start = key if isinstance(key, date) else date.fromisoformat(str(key)[:10])
        params["date_from"] = max(start, flt.date_from).isoformat()
        params["date_to"] = min(_period_end(start, granularity), flt.date_to).isoformat()
    elif key not in (None, ""):
        params[dimension] = str(key)
    return params


def sales_analysis(
    *,
    user: User,
    flt: SalesFilter,
    first: str = "product",
    second: str | None = "client",
    period: str = "month",
    documents_url: str = "",
) -> Analysis:
    """Aggregate quantities, amounts and gross profit by one or two dimensions (one query)."""
    dims = [first] + ([second] if second and second != first else [])
    lines = sales_lines_for(user=user, flt=flt)
    if "period" in dims:
        lines = lines.annotate(period=_TRUNC[period]("date"))
    fields = [name for dim in dims for name in _DIM_FIELDS[dim]]
    profit = ExpressionWrapper(F("amount") - F("cost"), output_field=DecimalField(max_digits=18, decimal_places=2))
    rows = list(
        lines.values(*fields)
        .annotate(
            sum_quantity=Coalesce(Sum("quantity"), Decimal(0)),
            sum_amount=Coalesce(Sum("amount"), Decimal(0)),
            sum_profit=Coalesce(Sum(profit), Decimal(0)),
        )
        .order_by("-sum_amount")[: MAX_ROWS + 1]
    )
    truncated = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    names = _names(dims, rows)
    total = AnalysisRow(key=None, label=str(_("Total")))
    groups: dict[Any, AnalysisRow] = {}
    for row in rows:
        key, label = _label(first, row, names)
        if first == "period":
            label = _period_label(key, period) if key else ""
        group = groups.get(key)
        if group is None:
            params = _drill_params(flt, first, key, period)
            group = groups[key] = AnalysisRow(key=key, label=label, url=f"{documents_url}?{urlencode(params)}")
        for target in (group, total):
            target.quantity += row["sum_quantity"]
            target.amount += row["sum_amount"]
            target.gross_profit += row["sum_profit"]
        if len(dims) == 2:
            sub_key, sub_label = _label(second, row, names)
            if second == "period":
                sub_label = _period_label(sub_key, period) if sub_key else ""
            params = {**_drill_params(flt, first, key, period), **_drill_params(flt, second, sub_key, period)}
            if first == "period" and second != "period":
                params.update({k: v for k, v in _drill_params(flt, first, key, period).items() if k.startswith("date")})
            group.children.append(
                AnalysisRow(
                    key=sub_key,
                    label=sub_label,
                    quantity=row["sum_quantity"],
                    amount=row["sum_amount"],
                    gross_profit=row["sum_profit"],
                    url=f"{documents_url}?{urlencode(params)}",
                )
            )
    ordered = list(groups.values())
    if first == "period":
        ordered.sort(key=lambda g: g.key or date.min)
    else:
        ordered.sort(key=lambda g: g.amount, reverse=True)
    for group in ordered:
        if second == "period":
            group.children.sort(key=lambda c: c.key or date.min)
        else:
            group.children.sort(key=lambda c: c.amount, reverse=True)
    return Analysis(rows=ordered, total=total, truncated=truncated)


def sales_documents_for(*, user: User, flt: SalesFilter) -> QuerySet[SalesDocument]:
    """Documents `user` may see matching `flt` (documents with a matching line when a line filter is set)."""
    documents = SalesDocument.objects.visible_to(user).filter(
        kind=flt.kind, date__gte=flt.date_from, date__lte=flt.date_to
    )
    if flt.client:
        documents = documents.filter(client_id=flt.client)
    if flt.manager:
        documents = documents.filter(manager_id=flt.manager)
    if flt.product or flt.product_kind or flt.equipment_type:
        lines = SalesDocumentLine.objects.all()
        if flt.product:
            lines = lines.filter(product_id=flt.product)
        if flt.product_kind:
            lines = lines.filter(product__kind=flt.product_kind)
        if flt.equipment_type:
            lines = lines.filter(product__equipment_type_name=flt.equipment_type)
        documents = documents.filter(pk__in=lines.values("document_id"))
    return documents.select_related("client", "manager").order_by("-date", "-pk")


# --- the "sales" source of saved selections -------------------------------------------------


def sales_selection_clients(params: dict, user: User) -> QuerySet[Client]:
    """Clients who bought what the analysis filter says (access is narrowed by crm.selections)."""
    try:
        flt = SalesFilter(
            date_from=date.fromisoformat(params.get("date_from", "2000-01-01")),
            date_to=date.fromisoformat(params.get("date_to", "2999-12-31")),
            kind=params.get("kind") or DocumentKind.SHIPMENT,
            client=int(params["client"]) if params.get("client") else None,
            manager=int(params["manager"]) if params.get("manager") else None,
            product=int(params["product"]) if params.get("product") else None,
            product_kind=params.get("product_kind", ""),
            equipment_type=params.get("equipment_type", ""),
        )
    except (TypeError, ValueError):
        return Client.objects.none()
    return Client.objects.filter(pk__in=sales_lines_for(user=user, flt=flt).values("client_id"))


def register_sales() -> None:
    """Register the sales pages in the menu and the "sales" selection source (from CrmConfig.ready)."""
    from crm.navigation import NavItem, register

    register(NavItem("crm:sales_analysis", _("Sales"), order=50))
    register(NavItem("crm:product_list", _("Catalogue"), order=60))
    try:
        from crm.selections import register_source
    except ImportError:  # the selections module is not there yet
        return
    register_source("sales", _("Buyers (sales analysis)"), sales_selection_clients, url_name="crm:sales_analysis")
