"""Models of the core app, one module per entity group."""

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
from crm.models.interactions import Attachment, Importance, Interaction, InteractionKind
from crm.models.logs import MergeLog, SystemState, TransferLog
from crm.models.tasks import Notification, NotificationKind, Priority, Task, TaskStatus
from crm.models.users import Department, Region, Role, User

__all__ = [
    "Attachment",
    "Client",
    "ClientKind",
    "ClientStatus",
    "Contact",
    "ContactPoint",
    "ContactPointKind",
    "Department",
    "Importance",
    "Interaction",
    "InteractionKind",
    "MergeLog",
    "Notification",
    "NotificationKind",
    "Priority",
    "Region",
    "Role",
    "Segment",
    "SourceChannel",
    "SystemState",
    "Task",
    "TaskStatus",
    "TransferLog",
    "User",
]
