"""Reads of tender results: what a competitor sold, what a client bought, through the access rule."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from crm.models import Client, User
from integrations.models import Tender, TenderBid, TenderItem


def tenders_won_by(*, competitor: Client, user: User) -> QuerySet[Tender]:
    """Tenders `competitor` won, of customers `user` may see, newest first."""
    return (
        Tender.objects.visible_to(user)
        .filter(winner=competitor)
        .select_related("customer", "region")
        .annotate(item_count=Count("items"))
        .order_by("-contract_date", "-pk")
    )


def tenders_held_by(*, customer: Client, user: User) -> QuerySet[Tender]:
    """Tenders `customer` held (visible only when the customer is), with who won them."""
    return (
        Tender.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("winner", "region")
        .annotate(item_count=Count("items"), bid_count=Count("bids", distinct=True))
        .order_by("-contract_date", "-pk")
    )


def competitor_sales_by_type(*, competitor: Client, user: User) -> QuerySet:
    """What `competitor` sold by equipment type and region: items, quantity, sum."""
    return (
        TenderItem.objects.filter(tender__in=Tender.objects.visible_to(user).filter(winner=competitor))
        .values("equipment_type__name", "tender__region__name", "tender__region_name")
        .annotate(items=Count("pk"), quantity=Sum("quantity"), total=Sum("item_sum"))
        .order_by("-total", "equipment_type__name")
    )


def competitor_bids(*, competitor: Client, user: User) -> QuerySet[TenderBid]:
    """Every price `competitor` offered in auctions of customers `user` may see."""
    return (
        TenderBid.objects.filter(participant=competitor, tender__in=Tender.objects.visible_to(user))
        .select_related("tender", "tender__customer")
        .order_by("-tender__contract_date", "-pk")
    )
