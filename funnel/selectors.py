"""Reads of the funnel: the board, deal lists and cards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from crm.models import Product, SalesDocumentLine, User
from funnel.models import Deal, DealStatus, Scenario, Stage

CARDS_PER_COLUMN = 20
# Won and lost columns show the deals closed within this many days.
CLOSED_SHOWN_DAYS = 30


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    cards: list[Deal] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)


def scenarios_for(user: User) -> QuerySet[Scenario]:
    return Scenario.objects.filter(is_archived=False).order_by("name")


def deals_for(user: User, *, filters: dict | None = None, with_light: bool = True) -> QuerySet[Deal]:
    """Deals `user` may see, narrowed by the board and list filters, with the light annotated."""
    filters = filters or {}
    qs = Deal.objects.visible_to(user).active()
    if filters.get("scenario"):
        qs = qs.filter(scenario=filters["scenario"])
    if filters.get("responsible"):
        qs = qs.filter(responsible=filters["responsible"])
    if filters.get("region"):
        qs = qs.filter(client__region=filters["region"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("light"):
        qs = qs.with_light_filter(filters["light"], user=user)
    if with_light:
        qs = qs.with_light(user=user)
    return qs


def _board_scope(qs: QuerySet[Deal], now: dt.datetime) -> QuerySet[Deal]:
    return qs.filter(Q(status=DealStatus.OPEN) | Q(closed_at__gte=now - dt.timedelta(days=CLOSED_SHOWN_DAYS)))


def _card_qs(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    return qs.select_related("client", "responsible").only(
        "pk",
        "title",
        "amount",
        "stage_id",
        "status",
        "stage_entered_at",
        "stage_deadline_at",
        "client__id",
        "client__name",
        "client__short_name",
        "responsible__id",
        "responsible__username",
        "responsible__first_name",
        "responsible__last_name",
    )


def board_columns(
    user: User, scenario: Scenario, *, filters: dict | None = None, now: dt.datetime | None = None
) -> list[Column]:
    """Return the board of a scenario in a constant number of queries, whatever the number of deals.

    One query for the stages, one aggregate for every column's count and sum (open deals and recently
    closed ones, UNION ALL), one query for the ids of the first cards of each column (on PostgreSQL a
    UNION ALL of per-stage index scans with LIMIT; elsewhere ROW_NUMBER over the stages), one for the cards.
    """
    now = now or timezone.now()
    stages = list(scenario.stages.filter(is_archived=False).order_by("position", "pk"))
    columns = {s.pk: Column(stage=s) for s in stages}
    # The light is computed only for the shown cards, unless the board is filtered by it.
    base = deals_for(user, filters={**(filters or {}), "scenario": scenario}, with_light=False)
    open_deals = base.filter(status=DealStatus.OPEN).order_by()
    # A closed deal entered its final stage when it closed: both dates let each query use its index.
    since = now - dt.timedelta(days=CLOSED_SHOWN_DAYS)
    closed = base.filter(status__in=[DealStatus.WON, DealStatus.LOST], closed_at__gte=since).order_by()
    # COUNT(*) and the amount in the partial index let PostgreSQL count the open deals from the index alone.
    totals = (
        open_deals.values("stage_id")
        .annotate(n=Count("*"), s=Sum("amount"))
        .union(closed.values("stage_id").annotate(n=Count("*"), s=Sum("amount")), all=True)
    )
    for row in totals:
        if row["stage_id"] in columns:
            columns[row["stage_id"]].count += row["n"]
            columns[row["stage_id"]].total += row["s"] or Decimal(0)
    if connection.features.supports_slicing_ordering_in_compound and stages:
        parts = [
            (closed.filter(status=stage.outcome, stage_entered_at__gte=since) if stage.is_terminal else open_deals)
            .filter(stage=stage)
            .order_by("stage_entered_at", "pk")
            .values_list("pk", flat=True)[:CARDS_PER_COLUMN]
            for stage in stages
        ]
        ids = list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
    else:
        ids = list(
            _board_scope(base, now)
            .annotate(
                rn=Window(
                    RowNumber(), partition_by=[F("stage_id")], order_by=[F("stage_entered_at").asc(), F("pk").asc()]
                )
            )
            .filter(rn__lte=CARDS_PER_COLUMN)
            .values_list("pk", flat=True)
        )
    cards = _card_qs(Deal.objects.filter(pk__in=ids).with_light(user=user, now=now)).order_by("stage_entered_at", "pk")
    for card in cards:
        card.days_at_stage = (now - card.stage_entered_at).days
        columns[card.stage_id].cards.append(card)
    return list(columns.values())


def column_cards(
    user: User, stage: Stage, *, offset: int, filters: dict | None = None, now: dt.datetime | None = None
) -> tuple[list[Deal], bool]:
    """Return the next cards of one column (the "more" button) and whether more remain."""
    now = now or timezone.now()
    qs = _board_scope(deals_for(user, filters={**(filters or {}), "scenario": stage.scenario}), now)
    page = list(
        _card_qs(qs.filter(stage=stage)).order_by("stage_entered_at", "pk")[offset : offset + CARDS_PER_COLUMN + 1]
    )
    for card in page:
        card.days_at_stage = (now - card.stage_entered_at).days
    return page[:CARDS_PER_COLUMN], len(page) > CARDS_PER_COLUMN


def deal_detail_for(user: User, pk: int) -> Deal:
    from django.shortcuts import get_object_or_404

    qs = (
        Deal.objects.visible_to(user)
        .with_light(user=user)
        .select_related("client", "contact", "scenario", "stage", "responsible", "loss_reason", "created_by")
    )
    return get_object_or_404(qs, pk=pk)


def product_choices(query: str, *, limit: int = 20):
    """Active catalogue products whose name or SKU contains `query`, each with its latest invoiced price."""
    last_price = (
        SalesDocumentLine.objects.filter(product=OuterRef("pk"), is_effective=True, kind="invoice")
        .order_by("-date", "-pk")
        .values("price")[:1]
    )
    return (
        Product.objects.filter(is_active=True)
        .filter(Q(name__icontains=query) | Q(sku__icontains=query))
        .annotate(last_price=Subquery(last_price, output_field=DecimalField(max_digits=16, decimal_places=2)))
        .order_by("name", "pk")[:limit]
    )
