"""Parse sales documents (invoices, payments, shipments) mirrored from the accounting system.

Pure Python: no models, no database, no Django settings needed at import time.
Every parser returns a :class:`ParseResult`; a file that cannot be read at all
raises :class:`~integrations.parsers.spreadsheet.FileRejected` (re-exported here).

- :func:`detect_and_parse`: any supported file, format chosen by content;
- :func:`parse_sales_table`: xlsx/xls/csv, one row per line (columns in :data:`COLUMNS`);
- :func:`parse_commerceml`: CommerceML 2.x/3.x documents;
- :func:`parse_odata` / :func:`parse_odata_bundle`: 1C OData JSON.
"""

from integrations.parsers.spreadsheet import FileRejected

from .columns import COLUMNS, ColumnSpec, columns_markdown
from .commerceml import parse_commerceml, parse_commerceml_counterparties
from .detect import detect_and_parse
from .inn import is_valid_inn, is_valid_kpp
from .odata import load_odata_bundle, parse_odata, parse_odata_bundle
from .tabular import MissingColumns, parse_sales_table
from .types import (
    DOCUMENT_KINDS,
    PRODUCT_KINDS,
    DocumentError,
    DocumentKind,
    ParseResult,
    PartyData,
    ProductData,
    ProductKind,
    SalesDocumentData,
    SalesLineData,
)

__all__ = [
    "COLUMNS",
    "DOCUMENT_KINDS",
    "PRODUCT_KINDS",
    "ColumnSpec",
    "DocumentError",
    "DocumentKind",
    "FileRejected",
    "MissingColumns",
    "ParseResult",
    "PartyData",
    "ProductData",
    "ProductKind",
    "SalesDocumentData",
    "SalesLineData",
    "columns_markdown",
    "detect_and_parse",
    "is_valid_inn",
    "is_valid_kpp",
    "load_odata_bundle",
    "parse_commerceml",
    "parse_commerceml_counterparties",
    "parse_odata",
    "parse_odata_bundle",
    "parse_sales_table",
]
