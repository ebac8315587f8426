"""Automatic moves: sales documents drive deals through their scenario.

An import announces its documents all together (`crm.signals.sales_documents_posted`, on
commit) and the funnel takes them in batches of `BATCH`, each with a fixed number of queries
however many documents it holds: find every document's deal, link the documents in bulk, work
out how far each deal's events reach, and move only the deals that move, through
`deal_move_to_stage` (history, triggers, audit). A document posted on its own is a batch of one.

The batches of an import run in a Celery task chain, as the equipment of its shipments does,
not inline: a batch without deals to move costs a few queries, but each deal that moves costs
its own (history, triggers, audit), and an import whose clients all have open deals would
wait for thousands of them. A chain, not parallel tasks: the batches must run in order (a
payment finds its deal through the link its invoice's batch made, "fully paid" adds up the
links of earlier batches, and a deal won by one batch takes no documents of the next).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from celery import chain
from django.db import transaction
from django.db.models import F, Q, Sum

from crm.db import chunks
from crm.models import SalesDocument
from funnel.models import Deal, DealDocument, DealStatus, DocumentEvent, Stage, StageChange
from funnel.services.deals import deal_move_to_stage

log = logging.getLogger(__name__)

# Documents per batch (one task of the chain): the size of the `IN (...)` lists of its queries.
BATCH = 2000

KIND_EVENT = {
    "invoice": DocumentEvent.INVOICE_ISSUED,
    "payment": DocumentEvent.PAYMENT_RECEIVED,
    "shipment": DocumentEvent.SHIPPED,
}


class _Doc(NamedTuple):
    """What the funnel reads of a posted document."""

    pk: int
    kind: str
    parent_id: int | None
    client_id: int


def _in_order(documents: Iterable[_Doc]) -> list[_Doc]:
    """Invoices first: payments and shipments find their deal through them."""
    return sorted(documents, key=lambda doc: doc.kind != "invoice")


def _relevant(documents: Iterable[SalesDocument]) -> list[_Doc]:
    """Keep the posted invoices, payments and shipments, invoices first."""
    return _in_order(
        _Doc(doc.pk, doc.kind, doc.parent_id, doc.client_id)
        for doc in documents
        if doc.is_effective and doc.kind in KIND_EVENT
    )


def _newest_open_deals(client_ids: set[int]) -> dict[int, int]:
    """Map each client to its newest open deal (client id → deal id), in one query."""
    newest: dict[int, int] = {}
    rows = (
        Deal.objects.filter(client_id__in=client_ids, status=DealStatus.OPEN, is_archived=False)
        .order_by("client_id", "-created_at", "-pk")
        .values_list("client_id", "pk")
    )
    for client_id, deal_id in rows:
        newest.setdefault(client_id, deal_id)
    return newest


def _link_deals(documents: list[_Doc]) -> dict[int, int]:
    """Find each document's deal and link the new ones; return document id → deal id.

    A document's deal is the one it is already linked to, else its base document's (an
    invoice of the same batch counts with the deal found for it), else its client's newest
    open deal. Four queries at most, whatever the number of documents.
    """
    wanted = {doc.pk for doc in documents} | {doc.parent_id for doc in documents if doc.parent_id}
    linked = dict(DealDocument.objects.filter(document_id__in=wanted).values_list("document_id", "deal_id"))
    open_deals = _newest_open_deals({doc.client_id for doc in documents if doc.pk not in linked})
    found: dict[int, int] = {}
    # In order, invoices first: as if the documents had been posted one after another.
    for doc in documents:
        deal_id = (
            linked.get(doc.pk) or linked.get(doc.parent_id) or found.get(doc.parent_id) or open_deals.get(doc.client_id)
        )
        if deal_id:
            found[doc.pk] = deal_id
    new = [DealDocument(deal_id=deal_id, document_id=pk) for pk, deal_id in found.items() if pk not in linked]
    if new:
        # A document belongs to one deal (a unique constraint): a link made meanwhile by another
        # import is kept, and the documents go with the deal they are actually linked to.
        DealDocument.objects.bulk_create(new, ignore_conflicts=True)
        found.update(
            DealDocument.objects.filter(document_id__in=[link.document_id for link in new]).values_list(
                "document_id", "deal_id"
            )
        )
    return found


def _fully_paid(deal_ids: set[int]) -> set[int]:
    """The deals whose posted payments cover their posted invoices, in one aggregate query."""
    if not deal_ids:
        return set()
    return set(
        SalesDocument.objects.effective()
        .filter(deal_link__deal_id__in=deal_ids, kind__in=("invoice", "payment"))
        .values("deal_link__deal_id")
        .annotate(
            invoiced=Sum("total", filter=Q(kind="invoice")),
            paid=Sum("total", filter=Q(kind="payment")),
        )
        .filter(invoiced__gt=0, paid__gte=F("invoiced"))
        .values_list("deal_link__deal_id", flat=True)
    )


def _targets(deal_kinds: dict[int, set[str]]) -> list[tuple[Deal, Stage]]:
    """Pick the stage each open deal moves to: the furthest one its events reach that it has not entered by them.

    Four queries, whatever the number of deals. Never backwards, never a closed deal, each event once.
    """
    deals = list(Deal.objects.filter(pk__in=deal_kinds, status=DealStatus.OPEN).select_related("stage"))
    if not deals:
        return []
    stages = {
        (stage.scenario_id, stage.on_event): stage
        for stage in Stage.objects.filter(scenario_id__in={deal.scenario_id for deal in deals}, is_archived=False)
        .exclude(on_event="")
        .order_by()
    }
    paid = _fully_paid(
        {
            deal.pk
            for deal in deals
            if "payment" in deal_kinds[deal.pk] and (deal.scenario_id, DocumentEvent.FULLY_PAID) in stages
        }
    )
    reach: dict[int, list[Stage]] = {}
    for deal in deals:
        events = {KIND_EVENT[kind] for kind in deal_kinds[deal.pk]}
        if deal.pk in paid:
            events.add(DocumentEvent.FULLY_PAID)
        ahead = [
            stage
            for event in events
            if (stage := stages.get((deal.scenario_id, event))) is not None and stage.position > deal.stage.position
        ]
        if ahead:
            reach[deal.pk] = ahead
    if not reach:
        return []
    # An event moves a deal once (the stage history's unique constraint): a manager who stepped back by hand stays.
    done = set(
        StageChange.objects.filter(deal_id__in=reach).exclude(event="").order_by().values_list("deal_id", "event")
    )
    targets = []
    for deal in deals:
        ahead = [stage for stage in reach.get(deal.pk, []) if (deal.pk, stage.on_event) not in done]
        if ahead:
            targets.append((deal, max(ahead, key=lambda stage: (stage.position, stage.pk))))
    return targets


def deals_apply_documents(*, documents: Sequence[SalesDocument]) -> list[StageChange]:
    """Link posted documents to their deals and move each deal to the furthest stage their events reach.

    Set-based: a fixed number of queries for the whole list (give it at most a few thousand
    documents, see `BATCH`), plus one `deal_move_to_stage` per deal that actually moves, once
    per call however many of the documents are its. Idempotent: a document is linked once (a
    unique constraint), each event moves a deal once (a unique constraint on the stage history),
    and a move never goes backwards or touches a closed deal. Return the new stage changes.
    """
    return _apply(_relevant(documents))


def deal_apply_document(*, document: SalesDocument) -> list[StageChange]:
    """Link one posted document to its deal and move the deal (see :func:`deals_apply_documents`)."""
    return deals_apply_documents(documents=[document])


def deals_apply_document_ids(*, document_ids: Sequence[int]) -> list[StageChange]:
    """Apply the documents of `document_ids` that are still posted (see :func:`deals_apply_documents`)."""
    rows = (
        SalesDocument.objects.effective()
        .filter(pk__in=document_ids, kind__in=KIND_EVENT)
        .order_by()
        .values_list("pk", "kind", "parent_id", "client_id")
    )
    found = {row[0]: _Doc(*row) for row in rows}
    return _apply(_in_order(found[pk] for pk in document_ids if pk in found))


def _apply(documents: list[_Doc]) -> list[StageChange]:
    if not documents:
        return []
    deal_of = _link_deals(documents)
    deal_kinds: dict[int, set[str]] = defaultdict(set)
    for doc in documents:
        if (deal_id := deal_of.get(doc.pk)) is not None:
            deal_kinds[deal_id].add(doc.kind)
    if not deal_kinds:
        return []
    changes = []
    for deal, stage in _targets(deal_kinds):
        change = deal_move_to_stage(deal=deal, stage=stage, by=None, automatic=True, event=stage.on_event)
        if change is not None:
            changes.append(change)
    return changes


def on_sales_documents_posted(sender, documents: Sequence[SalesDocument], **kwargs) -> None:
    """Receiver of crm.signals.sales_documents_posted (sent on commit, once per import).

    Queue the import's posted invoices, payments and shipments as a chain of tasks of `BATCH`
    documents each, run one after another. Queueing must not break the import: a failure is logged.
    """
    ids = [doc.pk for doc in _relevant(documents)]
    if not ids:
        return
    from funnel.tasks import funnel_apply_documents_task

    batches = list(chunks(ids, BATCH))

    def queue() -> None:
        try:
            chain(*(funnel_apply_documents_task.si(batch) for batch in batches)).delay()
        except Exception:
            log.exception("Could not queue the automatic deal moves of %d documents", len(ids))

    transaction.on_commit(queue)


def on_sales_document_posted(sender, document: SalesDocument, batch_follows: bool = False, **kwargs) -> None:
    """Receiver of crm.signals.sales_document_posted (sent on commit): a document posted on its own.

    An import sends it with `batch_follows` and then announces all its documents together,
    which `on_sales_documents_posted` handles: the funnel reacts to each document once.
    """
    if batch_follows:
        return
    try:
        deal_apply_document(document=document)
    except Exception:  # a failed move must not break whatever posted the document
        log.exception("Automatic deal move failed for document %s", document.pk)
