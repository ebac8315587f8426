"""Models of the integrations app, one module per topic (tender imports add theirs here)."""

from integrations.models.jobs import ImportJob, ImportJobKind, ImportJobStatus, ImportRowError
from integrations.models.tenders import (
    EquipmentRule,
    MappingProfile,
    Tender,
    TenderBid,
    TenderItem,
    TenderLaw,
)
from integrations.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "EquipmentRule",
    "ImportJob",
    "ImportJobKind",
    "ImportJobStatus",
    "ImportRowError",
    "MappingProfile",
    "Tender",
    "TenderBid",
    "TenderItem",
    "TenderLaw",
]
