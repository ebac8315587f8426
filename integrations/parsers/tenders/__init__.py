"""Parse tender results (spreadsheet exports and EIS XML open data) into plain dataclasses.

Start with :func:`iter_tender_file`; the other names are for callers that need a part.
"""

from integrations.parsers.tenders.columns import (
    ColumnMapping,
    Field,
    HeaderDetection,
    detect_header,
    mapping_from_profile,
)
from integrations.parsers.tenders.eis_xml import parse_eis_xml
from integrations.parsers.tenders.files import ArchiveLimits, SheetPlan, TenderStream, iter_tender_file
from integrations.parsers.tenders.rows import TenderRow, group_tender_rows, iter_tender_rows
from integrations.parsers.tenders.types import (
    Bid,
    DocumentKind,
    Law,
    ParsedTender,
    Party,
    RowError,
    SkippedDocument,
    SourceRef,
    TenderItemData,
)

__all__ = [
    "ArchiveLimits",
    "Bid",
    "ColumnMapping",
    "DocumentKind",
    "Field",
    "HeaderDetection",
    "Law",
    "ParsedTender",
    "Party",
    "RowError",
    "SheetPlan",
    "SkippedDocument",
    "SourceRef",
    "TenderItemData",
    "TenderRow",
    "TenderStream",
    "detect_header",
    "group_tender_rows",
    "iter_tender_file",
    "iter_tender_rows",
    "mapping_from_profile",
    "parse_eis_xml",
]
