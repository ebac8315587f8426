"""Imports move deals batch by batch: each deal once, to the furthest stage, in a fixed number of queries."""

import datetime as dt
import itertools
import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import SalesDocument
from crm.services.sales import sales_documents_import
from crm.signals import sales_document_posted
from funnel.models import DealDocument, StageChange
from funnel.services import documents as funnel_documents
from funnel.services.deals import deal_create, deal_move_to_stage
from funnel.services.documents import deals_apply_documents
from integrations.parsers.sales.types import PartyData, ProductData, SalesDocumentData, SalesLineData
from tests.factories import ClientFactory, _inn10

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def data(kind, ext, inn, total="1000", version="1", posted=True):
    """One document as a parser hands it to the import (a payment `INV#…` belongs to the invoice `INV`)."""
    amount = Decimal(total)
    return SalesDocumentData(
        kind=kind,
        external_id=ext,
        version=version,
        number=ext,
        date=dt.date(2026, 11, 20),
        posted=posted,
        deleted=False,
        client=PartyData(external_id=None, name=f"ООО «{inn}»", inn=inn),
        manager=None,
        lines=[
            SalesLineData(
                line_no=1,
                product=ProductData(external_id=None, sku="GEL-1", name="Гель", kind="consumable"),
                quantity=Decimal(1),
                price=amount,
                amount=amount,
            )
        ],
        total=amount,
    )


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Import documents as accounting sends them, with the signals the import sends on commit."""

    def run(*documents):
        with django_capture_on_commit_callbacks(execute=True):
            return sales_documents_import(documents=list(documents), source="api")

    return run


@pytest.fixture
def clients(manager):
    return [ClientFactory(inn=_inn10(9000 + n), responsible=manager, region=manager.region) for n in range(4)]


@pytest.fixture
def deals(clients, scenario, manager):
    """Open deals (at the first stage) of the first three clients; the fourth has none."""
    return [
        deal_create(client=client, scenario=scenario, title=f"Deal {n}", by=manager)
        for n, client in enumerate(clients[:3])
    ]


def automatic(deal):
    return list(StageChange.objects.filter(deal=deal, automatic=True).values_list("to_stage__name", "event"))


def stage_of(deal):
    deal.refresh_from_db()
    return deal.stage


def several_documents(clients):
    a, b, c, d = (client.inn for client in clients)
    return [
        data("invoice", "INV-A", a, "1000"),
        data("payment", "INV-A#1", a, "400"),
        data("payment", "INV-A#2", a, "600"),
        data("invoice", "INV-B", b, "1000"),
        data("payment", "INV-B#1", b, "300"),
        data("invoice", "INV-C", c, "500"),
        data("shipment", "INV-C#1", c, "500"),
        data("invoice", "INV-D", d, "800"),
    ]


def test_an_import_moves_each_clients_deal_once_to_the_furthest_stage(run_import, clients, deals, stages):
    first, second, third = deals

    run_import(*several_documents(clients))

    # Invoice and payments covering it: straight to "fully paid", one move.
    assert automatic(first) == [("100 % prepayment", "fully_paid")]
    # A partial payment: the invoice's stage.
    assert automatic(second) == [("Invoice", "invoice_issued")]
    # Invoice and shipment: the shipment's stage, which wins the deal.
    assert automatic(third) == [("Shipment", "shipped")]
    third.refresh_from_db()
    assert third.status == "won"
    links = dict(DealDocument.objects.values_list("document__external_id", "deal_id"))
    assert links == {
        "INV-A": first.pk,
        "INV-A#1": first.pk,
        "INV-A#2": first.pk,
        "INV-B": second.pk,
        "INV-B#1": second.pk,
        "INV-C": third.pk,
        "INV-C#1": third.pk,
    }


def test_a_large_import_moves_deals_batch_by_batch_in_order(run_import, clients, deals, stages, monkeypatch):
    monkeypatch.setattr(funnel_documents, "BATCH", 2)
    first, second, third = deals

    # Four batches: INV-A and INV-B, INV-C and INV-D, then the payments and the shipment.
    run_import(*several_documents(clients))

    # The payments' batch finds the invoice's link and adds up the invoices linked by the earlier batch.
    assert automatic(first) == [("Invoice", "invoice_issued"), ("100 % prepayment", "fully_paid")]
    assert automatic(second) == [("Invoice", "invoice_issued")]
    assert automatic(third) == [("Invoice", "invoice_issued"), ("Shipment", "shipped")]
    assert DealDocument.objects.count() == 7


def test_a_reimport_changes_nothing(run_import, clients, deals, stages):
    documents = several_documents(clients)
    run_import(*documents)
    before = list(StageChange.objects.order_by("pk").values_list("pk", flat=True))
    links = DealDocument.objects.count()

    # A new version of every document is announced again; the same documents sent again are not.
    run_import(*[data(d.kind, d.external_id, d.client.inn, str(d.total), version="2") for d in documents])
    run_import(*[data(d.kind, d.external_id, d.client.inn, str(d.total), version="2") for d in documents])

    assert list(StageChange.objects.order_by("pk").values_list("pk", flat=True)) == before
    assert DealDocument.objects.count() == links
    assert deals_apply_documents(documents=list(SalesDocument.objects.all())) == []


def test_payments_covering_the_invoices_over_two_imports_give_fully_paid(run_import, clients, deals, stages):
    first = deals[0]
    inn = clients[0].inn
    run_import(data("invoice", "INV-A", inn, "1000"), data("payment", "INV-A#1", inn, "400"))
    assert stage_of(first) == stages["invoice"]

    run_import(data("payment", "INV-A#2", inn, "600"))

    assert stage_of(first) == stages["paid"]
    assert automatic(first) == [("Invoice", "invoice_issued"), ("100 % prepayment", "fully_paid")]


def test_an_unposted_payment_does_not_count_towards_fully_paid(run_import, clients, deals, stages):
    inn = clients[0].inn
    run_import(
        data("invoice", "INV-A", inn, "1000"),
        data("payment", "INV-A#1", inn, "400"),
        data("payment", "INV-A#2", inn, "600", posted=False),
    )
    assert stage_of(deals[0]) == stages["invoice"]


def test_a_closed_deal_is_not_moved(run_import, clients, deals, stages, manager, price_reason):
    lost, won = deals[0], deals[1]
    deal_move_to_stage(deal=lost, stage=stages["lost"], by=manager, fields={"loss_reason": price_reason})
    run_import(data("invoice", "INV-B", clients[1].inn))
    run_import(data("shipment", "INV-B#1", clients[1].inn))
    assert stage_of(won) == stages["shipment"]

    run_import(data("invoice", "INV-A", clients[0].inn), data("shipment", "INV-A#1", clients[0].inn))
    # A payment of the won deal's invoice is linked to it; the deal stays where it is.
    run_import(data("payment", "INV-B#2", clients[1].inn))

    lost.refresh_from_db()
    assert lost.status == "lost" and automatic(lost) == []
    assert not DealDocument.objects.filter(deal=lost).exists()
    assert stage_of(won) == stages["shipment"]
    assert automatic(won) == [("Invoice", "invoice_issued"), ("Shipment", "shipped")]
    assert DealDocument.objects.get(document__external_id="INV-B#2").deal == won


def test_a_payment_goes_to_its_invoices_deal_not_the_clients_newest(run_import, clients, deals, stages, manager):
    first = deals[0]
    inn = clients[0].inn
    run_import(data("invoice", "INV-A", inn, "500"))
    newer = deal_create(client=clients[0], scenario=first.scenario, title="Newer", by=manager, allow_duplicate=True)

    run_import(data("payment", "INV-A#1", inn, "500"), data("invoice", "INV-A2", inn, "700"))

    assert stage_of(first) == stages["paid"]
    # The new invoice finds the client's newest open deal.
    assert stage_of(newer) == stages["invoice"]


def test_an_import_reaches_the_funnel_once_per_document(run_import, clients, deals, monkeypatch):
    seen = []
    apply = funnel_documents._apply

    def spy(documents):
        seen.extend(doc.pk for doc in documents)
        return apply(documents)

    monkeypatch.setattr(funnel_documents, "_apply", spy)

    summary = run_import(*several_documents(clients))

    assert sorted(seen) == sorted(summary.document_ids)


def test_a_document_posted_on_its_own_still_moves_its_deal(clients, deals, stages):
    invoice = SalesDocument.objects.create(
        kind="invoice", number="1", date=dt.date(2026, 11, 20), client=clients[0], total=Decimal(1), external_id="X-1"
    )
    # An import marks its per-document signal: the batch that follows does the work.
    sales_document_posted.send(
        sender=SalesDocument, document=invoice, created=True, became_posted=True, batch_follows=True
    )
    assert stage_of(deals[0]) == stages["request"]

    sales_document_posted.send(sender=SalesDocument, document=invoice, created=True, became_posted=True)
    assert stage_of(deals[0]) == stages["invoice"]


def test_a_failing_move_is_logged_and_the_import_goes_through(run_import, clients, deals, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(funnel_documents, "deal_move_to_stage", broken)

    with caplog.at_level(logging.ERROR):
        summary = run_import(data("invoice", "INV-A", clients[0].inn))

    assert summary.created == 1
    assert SalesDocument.objects.filter(external_id="INV-A").exists()
    assert "Automatic deal moves failed" in caplog.text


def _documents(clients, deals, per_deal, without_deal):
    """`per_deal` invoices for each deal's client, and invoices of `without_deal` clients without deals."""
    rows = [
        SalesDocument(
            kind="invoice",
            number=str(n),
            date=dt.date(2026, 11, 20),
            client=deal.client,
            total=Decimal(100),
            external_id=f"Q-{next(_numbers)}",
        )
        for deal in deals
        for n in range(per_deal)
    ]
    rows += [
        SalesDocument(
            kind="shipment",
            number=str(n),
            date=dt.date(2026, 11, 20),
            client=client,
            total=Decimal(100),
            external_id=f"Q-{next(_numbers)}",
        )
        for n, client in enumerate(ClientFactory.create_batch(without_deal, responsible=clients[0].responsible))
    ]
    return SalesDocument.objects.bulk_create(rows)


def test_a_batch_runs_a_fixed_number_of_queries_whatever_its_size(
    clients, deals, stages, scenario, manager, price_reason, django_assert_max_num_queries
):
    small = _documents(clients, deals, per_deal=1, without_deal=2)
    with CaptureQueriesContext(connection) as first:
        changes = deals_apply_documents(documents=small)
    assert len(changes) == 3
    # Three deals again, with ten times the documents: the same queries (a move is per deal, not per document).
    for deal in deals:
        deal_move_to_stage(deal=deal, stage=stages["lost"], by=manager, fields={"loss_reason": price_reason})
    fresh = [deal_create(client=client, scenario=scenario, title="Again", by=manager) for client in clients[:3]]
    large = _documents(clients, fresh, per_deal=10, without_deal=20)
    with CaptureQueriesContext(connection) as second:
        changes = deals_apply_documents(documents=large)
    assert len(changes) == 3
    assert len(second) == len(first)
    # Nothing left to move: the look-ups alone, a handful of queries for the whole batch.
    with django_assert_max_num_queries(5):
        assert deals_apply_documents(documents=large) == []
