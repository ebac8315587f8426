"""Logging interactions with clients, with their attachments and a follow-up task."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from crm.models import Attachment, Client, Contact, Importance, Interaction, Priority, User
from crm.services.tasks import task_create

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = (b"PK\x03\x04", b"PK\x05\x06")

# Allowed extension -> (content type we serve it with, how its content must look).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
    "gif": ("image/gif", "gif"),
    "webp": ("image/webp", "webp"),
    "bmp": ("image/bmp", "bmp"),
    "tif": ("image/tiff", "tiff"),
    "tiff": ("image/tiff", "tiff"),
    "doc": ("application/msword", "ole2"),
    "xls": ("application/vnd.ms-excel", "ole2"),
    "ppt": ("application/vnd.ms-powerpoint", "ole2"),
    "msg": ("application/vnd.ms-outlook", "ole2"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "zip"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "zip"),
    "odt": ("application/vnd.oasis.opendocument.text", "zip"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "zip"),
    "zip": ("application/zip", "zip"),
    "rtf": ("application/rtf", "rtf"),
    "txt": ("text/plain", "text"),
    "csv": ("text/csv", "text"),
    "eml": ("message/rfc822", "text"),
}


def _sniff(head: bytes) -> str | None:
    """Return the kind of content the first bytes of a file show, or None if unknown binary."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(OLE2):
        return "ole2"
    if head.startswith(ZIP):
        return "zip"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if b"\x00" not in head:
        return "text"
    # UTF-16 text with a byte order mark.
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    return None


def attachment_check(file: UploadedFile) -> str:
    """Validate an uploaded file's size, extension and content; return the content type to store.

    Raise ValidationError with a message that names the file.
    """
    name = os.path.basename(file.name or "")
    if file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file %(name)s is too large (%(size)s); the limit is %(limit)s."),
            params={
                "name": name,
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
            code="too_large",
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("The file %(name)s has a type that cannot be attached. Allowed: %(types)s."),
            params={"name": name, "types": ", ".join(sorted(ALLOWED_TYPES))},
            code="bad_type",
        )
    content_type, expected = ALLOWED_TYPES[ext]
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if not head:
        raise ValidationError(_("The file %(name)s is empty."), params={"name": name}, code="empty")
    sniffed = _sniff(head)
    if sniffed != expected:
        raise ValidationError(
            _("The content of the file %(name)s does not match its extension .%(ext)s."),
            params={"name": name, "ext": ext},
            code="content_mismatch",
        )
    return content_type


@dataclass(frozen=True)
class FollowUp:
    """The task to create together with an interaction ("call back in six months")."""

    title: str
    due_at: dt.datetime
    assignee: User
    remind_at: dt.datetime | None = None
    text: str = ""
    priority: str = Priority.NORMAL


@transaction.atomic
def interaction_log(
    *,
    client: Client,
    by: User,
    kind: str,
    occurred_at: dt.datetime,
    duration_minutes: int | None = None,
    contact: Contact | None = None,
    subject: str = "",
    text: str = "",
    importance: str = Importance.NORMAL,
    result: str = "",
    files: Sequence[UploadedFile] | Iterable[UploadedFile] = (),
    follow_up: FollowUp | None = None,
) -> Interaction:
    """Log an interaction with a client, its attachments and a follow-up task, all or nothing.

    The client's `last_interaction_at` moves forward (never back) in one UPDATE, and
    `interaction_logged` is sent on commit.
    """
    from crm.signals import interaction_logged

    if not Client.objects.visible_to(by).filter(pk=client.pk).exists():
        raise PermissionDenied
    if contact is not None and contact.client_id != client.pk:
        raise ValidationError({"contact": _("This contact person does not belong to the client.")})
    files = list(files)
    # Validate every file before anything is written.
    content_types = [attachment_check(f) for f in files]

    interaction = Interaction.objects.create(
        kind=kind,
        occurred_at=occurred_at,
        duration_minutes=duration_minutes,
        client=client,
        contact=contact,
        subject=subject,
        text=text,
        importance=importance,
        result=result,
        author=by,
    )
    if follow_up is not None:
        task_create(
            title=follow_up.title,
            assignee=follow_up.assignee,
            due_at=follow_up.due_at,
            remind_at=follow_up.remind_at,
            text=follow_up.text,
            priority=follow_up.priority,
            client=client,
            by=by,
            interaction=interaction,
        )
    Client.objects.filter(pk=client.pk).update(
        last_interaction_at=Greatest(Coalesce(F("last_interaction_at"), Value(occurred_at)), Value(occurred_at))
    )
    # Files go to storage last, after every database check has passed; if writing one fails,
    # the ones already written are removed and the transaction rolls back.
    stored: list[Attachment] = []
    try:
        for upload, content_type in zip(files, content_types, strict=True):
            attachment = Attachment(
                interaction=interaction,
                name=os.path.basename(upload.name)[:255],
                size=upload.size,
                content_type=content_type,
                uploaded_by=by,
            )
            attachment.file.save(os.path.basename(upload.name), upload, save=False)
            stored.append(attachment)
        Attachment.objects.bulk_create(stored)
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    transaction.on_commit(lambda: interaction_logged.send(sender=Interaction, interaction=interaction))
    return interaction
