"""Automatic moves: invoices, payments and shipments drive deals forward, once, never backwards."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from crm.models import SalesDocument
from crm.signals import sales_document_posted
from funnel.models import DealDocument, StageChange
from funnel.services.deals import deal_create, deal_move_to_stage
from funnel.services.documents import deal_apply_document
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def doc(client, kind, total="1000.00", parent=None, posted=True):
    return SalesDocument.objects.create(
        kind=kind,
        number=f"N{next(_ids)}",
        date=dt.date(2026, 11, 20),
        client=client,
        total=Decimal(total),
        external_id=f"ext-{next(_ids)}",
        parent=parent,
        posted=posted,
    )


@pytest.fixture
def deal(own_client, scenario, manager):
    return deal_create(client=own_client, scenario=scenario, title="Press", by=manager)


def stage_of(deal):
    deal.refresh_from_db()
    return deal.stage


def test_an_invoice_moves_the_clients_open_deal_and_links_it(deal, stages, own_client):
    invoice = doc(own_client, "invoice")
    changes = deal_apply_document(document=invoice)
    assert [c.to_stage for c in changes] == [stages["invoice"]]
    assert changes[0].automatic and changes[0].by is None and changes[0].event == "invoice_issued"
    assert stage_of(deal) == stages["invoice"]
    assert DealDocument.objects.get(document=invoice).deal == deal


def test_a_partial_payment_does_not_move_to_fully_paid(deal, stages, own_client):
    invoice = doc(own_client, "invoice", "1000")
    deal_apply_document(document=invoice)
    deal_apply_document(document=doc(own_client, "payment", "400", parent=invoice))
    assert stage_of(deal) == stages["invoice"]


def test_payments_covering_the_invoices_move_to_fully_paid(deal, stages, own_client):
    invoice = doc(own_client, "invoice", "1000")
    deal_apply_document(document=invoice)
    deal_apply_document(document=doc(own_client, "payment", "400", parent=invoice))
    changes = deal_apply_document(document=doc(own_client, "payment", "600", parent=invoice))
    assert [c.event for c in changes] == ["fully_paid"]
    assert stage_of(deal) == stages["paid"]


def test_a_shipment_moves_to_its_stage_and_wins_the_deal(deal, stages, own_client):
    deal_apply_document(document=doc(own_client, "shipment"))
    assert stage_of(deal) == stages["shipment"]
    deal.refresh_from_db()
    assert deal.status == "won"


def test_a_document_applied_twice_moves_once(deal, stages, own_client):
    invoice = doc(own_client, "invoice")
    deal_apply_document(document=invoice)
    assert deal_apply_document(document=invoice) == []
    assert StageChange.objects.filter(deal=deal, automatic=True).count() == 1


def test_a_second_invoice_does_not_move_the_deal_again(deal, stages, own_client, manager):
    deal_apply_document(document=doc(own_client, "invoice"))
    deal_move_to_stage(deal=deal, stage=stages["request"], by=manager)  # the manager steps back by hand
    assert deal_apply_document(document=doc(own_client, "invoice")) == []
    assert stage_of(deal) == stages["request"]


def test_it_never_moves_a_deal_backwards(deal, stages, own_client, manager):
    deal_move_to_stage(deal=deal, stage=stages["paid"], by=manager)
    assert deal_apply_document(document=doc(own_client, "invoice")) == []
    assert stage_of(deal) == stages["paid"]


def test_it_never_touches_a_closed_deal(deal, stages, own_client, manager, price_reason):
    deal_move_to_stage(deal=deal, stage=stages["lost"], by=manager, fields={"loss_reason": price_reason})
    assert deal_apply_document(document=doc(own_client, "shipment")) == []
    deal.refresh_from_db()
    assert deal.status == "lost"


def test_a_payment_finds_the_deal_through_its_invoice(scenario, stages, manager, own_client):
    first = deal_create(client=own_client, scenario=scenario, title="First", by=manager)
    invoice = doc(own_client, "invoice", "500")
    deal_apply_document(document=invoice)
    # A newer open deal of the same client must not catch the payment of the first deal's invoice.
    deal_create(client=own_client, scenario=scenario, title="Second", by=manager, allow_duplicate=True)
    deal_apply_document(document=doc(own_client, "payment", "500", parent=invoice))
    assert stage_of(first) == stages["paid"]


def test_a_document_of_a_client_without_deals_does_nothing(db):
    assert deal_apply_document(document=doc(ClientFactory(), "invoice")) == []
    assert not DealDocument.objects.exists()


def test_an_unposted_document_does_nothing(deal, stages, own_client):
    assert deal_apply_document(document=doc(own_client, "invoice", posted=False)) == []
    assert stage_of(deal) == stages["request"]


def test_the_signal_moves_the_deal(deal, stages, own_client):
    invoice = doc(own_client, "invoice")
    sales_document_posted.send(sender=SalesDocument, document=invoice, created=True, became_posted=True)
    assert stage_of(deal) == stages["invoice"]
