"""Models of the core app, one module per entity group."""

from crm.models.abc import AbcClass, AbcClassChange, AbcMetric, AbcRun
from crm.models.catalog import Product, ProductComponent, ProductKind
from crm.models.clients import (
    Client,
    ClientKind,
    ClientStatus,
    Contact,
    ContactPoint,
    ContactPointKind,
    Segment,
    SourceChannel,
)
from crm.models.documents import DocumentKind, DocumentSource, SalesDocument, SalesDocumentLine
from crm.models.interactions import Attachment, Importance, Interaction, InteractionKind
from crm.models.logs import MergeLog, SystemState, TransferLog
from crm.models.selections import Selection
from crm.models.tasks import Notification, NotificationKind, Priority, Task, TaskStatus
from crm.models.users import Department, Region, Role, User

__all__ = [
    "AbcClass",
    "AbcClassChange",
    "AbcMetric",
    "AbcRun",
    "Attachment",
    "Client",
    "ClientKind",
    "ClientStatus",
    "Contact",
    "ContactPoint",
    "ContactPointKind",
    "Department",
    "DocumentKind",
    "DocumentSource",
    "Importance",
    "Interaction",
    "InteractionKind",
    "MergeLog",
    "Notification",
    "NotificationKind",
    "Priority",
    "Product",
    "ProductComponent",
    "ProductKind",
    "Region",
    "Role",
    "SalesDocument",
    "SalesDocumentLine",
    "Segment",
    "Selection",
    "SourceChannel",
    "SystemState",
    "Task",
    "TaskStatus",
    "TransferLog",
    "User",
]
