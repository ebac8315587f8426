"""Merging clients moves their sales documents and lines, so the figures follow the kept client."""

import pytest

from crm.models import SalesDocumentLine
from crm.services.merge import client_merge
from tests.crm.sales_factories import make_document, make_product
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_merge_moves_documents_and_lines(admin_user, manager):
    kept = ClientFactory(responsible=manager)
    merged = ClientFactory(responsible=manager)
    document = make_document(merged, lines=[(make_product(), 1, 100)])

    client_merge(kept=kept, merged=merged, by=admin_user)

    document.refresh_from_db()
    assert document.client == kept
    assert list(SalesDocumentLine.objects.values_list("client_id", flat=True)) == [kept.pk]
