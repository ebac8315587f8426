"""Automatic moves: sales documents drive deals through their scenario."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from crm.models import SalesDocument
from funnel.models import Deal, DealDocument, DealStatus, DocumentEvent, Stage, StageChange
from funnel.services.deals import deal_move_to_stage

log = logging.getLogger(__name__)

KIND_EVENT = {
    "invoice": DocumentEvent.INVOICE_ISSUED,
    "payment": DocumentEvent.PAYMENT_RECEIVED,
    "shipment": DocumentEvent.SHIPPED,
}


def _deal_of(document: SalesDocument) -> Deal | None:
    """Find the document's deal: its own link, its base document's link, or the client's open deal."""
    link = DealDocument.objects.filter(document=document).select_related("deal").first()
    if link is not None:
        return link.deal
    if document.parent_id:
        link = DealDocument.objects.filter(document_id=document.parent_id).select_related("deal").first()
        if link is not None:
            return link.deal
    return (
        Deal.objects.filter(client_id=document.client_id, status=DealStatus.OPEN, is_archived=False)
        .order_by("-created_at", "-pk")
        .first()
    )


def _fully_paid(deal: Deal) -> bool:
    """Whether the posted payments of the deal cover its posted invoices."""
    docs = SalesDocument.objects.effective().filter(deal_link__deal=deal)
    invoiced = docs.filter(kind="invoice").aggregate(s=Sum("total"))["s"] or Decimal(0)
    paid = docs.filter(kind="payment").aggregate(s=Sum("total"))["s"] or Decimal(0)
    return invoiced > 0 and paid >= invoiced


@transaction.atomic
def deal_apply_document(*, document: SalesDocument) -> list[StageChange]:
    """Link a posted document to its deal and move the deal to the stages its events map to.

    Idempotent: a document is linked once, each event moves a deal once (a unique constraint
    on the stage history), and a move never goes backwards or touches a closed deal.
    """
    if not document.is_effective or document.kind not in KIND_EVENT:
        return []
    deal = _deal_of(document)
    if deal is None:
        return []
    DealDocument.objects.get_or_create(document=document, defaults={"deal": deal})
    events = [KIND_EVENT[document.kind]]
    if document.kind == "payment" and _fully_paid(deal):
        events.append(DocumentEvent.FULLY_PAID)
    stages = {
        s.on_event: s
        for s in Stage.objects.filter(scenario_id=deal.scenario_id, on_event__in=events, is_archived=False)
    }
    changes = []
    # The furthest stage last, so the deal ends at the furthest one its events reach.
    for event in sorted(stages, key=lambda e: stages[e].position):
        change = deal_move_to_stage(deal=deal, stage=stages[event], by=None, automatic=True, event=event)
        if change is not None:
            changes.append(change)
    return changes


def on_sales_document_posted(sender, document: SalesDocument, created: bool = False, became_posted: bool = False, **kw):
    """Receiver of crm.signals.sales_document_posted (sent on commit)."""
    try:
        deal_apply_document(document=document)
    except Exception:  # a failed move must not break the import that posted the document
        log.exception("Automatic deal move failed for document %s", document.pk)
