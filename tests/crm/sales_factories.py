"""Builders of products and sales documents for the sales tests (not a test module)."""

import datetime as dt
import itertools
from decimal import Decimal

from crm.models import Product, SalesDocument, SalesDocumentLine

_seq = itertools.count(1)


def make_product(**fields) -> Product:
    n = next(_seq)
    defaults = {"sku": f"SKU-{n}", "name": f"Product {n}", "kind": "equipment"}
    return Product.objects.create(**{**defaults, **fields})


def make_document(
    client,
    *,
    kind: str = "shipment",
    date: dt.date = dt.date(2026, 3, 15),
    lines=(),
    manager=None,
    posted: bool = True,
    deleted: bool = False,
    number: str | None = None,
) -> SalesDocument:
    """Create a document; `lines` are (product, quantity, price) or (product, quantity, price, cost)."""
    n = next(_seq)
    document = SalesDocument.objects.create(
        kind=kind,
        number=number or f"N-{n}",
        date=date,
        client=client,
        manager=manager,
        posted=posted,
        is_deleted=deleted,
        external_id=f"EXT-{n}",
        version="1",
        total=sum((Decimal(str(q)) * Decimal(str(p)) for _prod, q, p, *_rest in lines), Decimal(0)),
    )
    SalesDocumentLine.objects.bulk_create(
        [
            SalesDocumentLine(
                document=document,
                line_no=no,
                product=product,
                quantity=Decimal(str(quantity)),
                price=Decimal(str(price)),
                amount=Decimal(str(quantity)) * Decimal(str(price)),
                cost=Decimal(str(rest[0])) if rest else None,
                kind=kind,
                date=date,
                client=client,
                manager=manager,
                is_effective=posted and not deleted,
            )
            for no, (product, quantity, price, *rest) in enumerate(lines, start=1)
        ]
    )
    return document
